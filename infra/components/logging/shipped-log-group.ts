import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ShippedLogGroupArgs {
  region: string;
  logGroupName: pulumi.Input<string>;
  /** At least 365 days (validated in config). */
  retentionInDays: number;
  kmsKeyArn: pulumi.Input<string>;
  /** The Logs destination in this region whose target delivers into the other region. */
  destinationArn: pulumi.Input<string>;
}

/**
 * Every log group of the stack is created through this component: explicit (never auto-created
 * by a service, so retention and encryption are ours), encrypted with the region's key, kept for
 * the configured retention, and subscribed to the cross-region destination so the logs of a lost
 * region survive in the other one.
 */
export class ShippedLogGroup extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: ShippedLogGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:logging:ShippedLogGroup", name, {}, opts);
    const group = new aws.cloudwatch.LogGroup(
      name,
      { region: args.region, name: args.logGroupName, retentionInDays: args.retentionInDays, kmsKeyId: args.kmsKeyArn },
      { parent: this },
    );
    new aws.cloudwatch.LogSubscriptionFilter(
      `${name}-to-peer`,
      {
        region: args.region,
        logGroup: group.name,
        name: "ship-to-peer-region",
        filterPattern: "",
        destinationArn: args.destinationArn,
        distribution: "ByLogStream",
      },
      { parent: this },
    );
    this.arn = group.arn;
    this.name = group.name;
    this.registerOutputs({ arn: this.arn });
  }
}
