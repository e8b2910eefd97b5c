import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../core/naming";
import { policyDocument, serviceTrustPolicy } from "../../core/policy-documents";

export interface LogShippingArgs {
  /** The region whose log groups subscribe (the destination must be in their region). */
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  /** The Firehose stream in the *other* region. */
  peerFirehoseArn: pulumi.Input<string>;
}

/**
 * The sending end: a CloudWatch Logs destination in region A whose target is the Firehose stream
 * in region B. "The log group and the destination must be in the same AWS Region. However, the AWS
 * resource that the destination points to can be located in a different Region", and "Firehose
 * subscription filter for a same account and cross-Region delivery stream is supported": a
 * destination in our own account is the documented way across regions (docs/security.md, issue 12).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CrossAccountSubscriptions-Firehose.html
 * The region rule, in the account-level variant of the same guide: "The sending account's log groups
 * and the destination must be in the same AWS Region. However, the destination can point to an AWS
 * resource such as a Firehose stream that is located in a different Region."
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CreateSubscriptionFilterFirehose-Account.html
 */
export class LogShipping extends pulumi.ComponentResource {
  readonly destinationArn: pulumi.Output<string>;

  constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:logging:LogShipping", name, {}, opts);
    const { region, environment, accountId } = args;
    const parent = { parent: this };

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: resourceName("log-shipping", region, environment),
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy(`logs.${region}.amazonaws.com`, accountId, pulumi.interpolate`arn:aws:logs:${region}:${accountId}:*`),
        ),
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        policy: pulumi.jsonStringify(
          policyDocument([{ Effect: "Allow", Action: ["firehose:PutRecord", "firehose:PutRecordBatch"], Resource: args.peerFirehoseArn }]),
        ),
      },
      parent,
    );
    const destination = new aws.cloudwatch.LogDestination(
      `${name}-destination`,
      { region, name: resourceName("log-shipping", region, environment), roleArn: role.arn, targetArn: args.peerFirehoseArn },
      { parent: this, dependsOn: [rolePolicy] },
    );
    // Only this account's log groups may subscribe.
    new aws.cloudwatch.LogDestinationPolicy(
      `${name}-destination-policy`,
      {
        region,
        destinationName: destination.name,
        accessPolicy: pulumi.jsonStringify(
          policyDocument([
            {
              Effect: "Allow",
              Principal: { AWS: accountId },
              Action: "logs:PutSubscriptionFilter",
              Resource: destination.arn,
            },
          ]),
        ),
      },
      parent,
    );
    this.destinationArn = destination.arn;
    this.registerOutputs({ destinationArn: this.destinationArn });
  }
}
