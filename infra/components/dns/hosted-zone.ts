import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GLOBAL, resourceName } from "../../core/naming";
import { policyDocument } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";
import { QUERY_LOG_REGION } from "../../core/aws-facts";

export interface HostedZoneArgs {
  environment: string;
  zoneName: string;
  /** Use this existing public zone. Default behaviour: create the zone. */
  existingZoneId?: string;
  accountId: pulumi.Input<string>;
  /**
   * Query logging, possible only when one of the stack's regions is us-east-1 (the log group
   * must live there). Default behaviour: no query logging.
   */
  queryLogging?: { kmsKeyArn: pulumi.Input<string>; logRetentionDays: number; logDestinationArn: pulumi.Input<string> };
}

/** The public hosted zone (created, or an existing one) and its DNS query logging. */
export class HostedZone extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  readonly nameServers: pulumi.Output<string[]>;
  readonly zoneName: string;

  constructor(name: string, args: HostedZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:dns:HostedZone", name, {}, opts);
    const parent = { parent: this };
    this.zoneName = args.zoneName;
    if (args.existingZoneId) {
      const zone = aws.route53.getZoneOutput({ zoneId: args.existingZoneId }, parent);
      zone.name.apply((found) => {
        if (found.replace(/\.$/, "") !== args.zoneName) {
          throw new Error(`payments-dr:hostedZoneId ${args.existingZoneId} is the zone "${found}", not hostedZoneName "${args.zoneName}"`);
        }
      });
      this.zoneId = pulumi.output(args.existingZoneId);
      this.nameServers = zone.nameServers;
    } else {
      const zone = new aws.route53.Zone(
        `${name}-zone`,
        { name: args.zoneName, comment: `payments-dr ${args.environment}`, forceDestroy: false },
        parent,
      );
      this.zoneId = zone.zoneId;
      this.nameServers = zone.nameServers;
    }

    if (args.queryLogging) {
      const logs = new ShippedLogGroup(
        `${name}-query-logs`,
        {
          region: QUERY_LOG_REGION,
          logGroupName: `/aws/route53/${args.zoneName}`,
          retentionInDays: args.queryLogging.logRetentionDays,
          kmsKeyArn: args.queryLogging.kmsKeyArn,
          destinationArn: args.queryLogging.logDestinationArn,
        },
        parent,
      );
      const policy = new aws.cloudwatch.LogResourcePolicy(
        `${name}-query-logs-policy`,
        {
          region: QUERY_LOG_REGION,
          policyName: resourceName("route53-query-logs", GLOBAL, args.environment),
          policyDocument: pulumi.jsonStringify(
            policyDocument([
              {
                Effect: "Allow",
                Principal: { Service: "route53.amazonaws.com" },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${logs.arn}:*`,
                Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
              },
            ]),
          ),
        },
        parent,
      );
      new aws.route53.QueryLog(
        `${name}-query-log`,
        { zoneId: this.zoneId, cloudwatchLogGroupArn: logs.arn },
        { parent: this, dependsOn: [policy] },
      );
    }
    this.registerOutputs({ zoneId: this.zoneId });
  }
}
