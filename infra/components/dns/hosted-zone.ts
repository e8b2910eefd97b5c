import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GLOBAL, resourceName } from "../../core/naming";
import { policyDocument } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";
import { QUERY_LOG_REGION } from "../../core/aws-facts";

export interface HostedZoneArgs {
  environment: string;
  zoneName: string;
  /** Use this existing public zone (already delegated). Default behaviour: create the zone. */
  existingZoneId?: string;
  /**
   * Create the zone with this reusable delegation set's name servers, to which the parent zone
   * already delegates (config requires it when the stack creates the zone). Default behaviour:
   * none, only with existingZoneId.
   */
  delegationSetId?: string;
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
      if (!args.delegationSetId) {
        throw new Error(
          `hosted zone ${args.zoneName}: the stack creates it only from a reusable delegation set (payments-dr:delegationSetId)`,
        );
      }
      // Read first: a delegation set that does not exist stops the preview here, with its id,
      // rather than the zone creation later. Its name servers are the ones the parent delegates to.
      const delegationSet = aws.route53.getDelegationSetOutput({ id: args.delegationSetId }, parent);
      const zone = new aws.route53.Zone(
        `${name}-zone`,
        {
          name: args.zoneName,
          comment: `payments-dr ${args.environment}`,
          forceDestroy: false,
          delegationSetId: delegationSet.id,
        },
        parent,
      );
      this.zoneId = zone.zoneId;
      this.nameServers = zone.nameServers;
    }

    if (args.queryLogging) {
      // Route 53 writes query logs with the resource policy below only; the group's KMS key is
      // CloudWatch Logs' own business ("After a KMS key is associated with a log group, all newly
      // ingested data for the log group is encrypted using the KMS key"), done by
      // logs.<region>.amazonaws.com, which the region's key policy admits for its log groups. So a
      // KMS-encrypted query log group needs no grant to Route 53 (issue 12, settled).
      // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html
      // https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateQueryLoggingConfig.html
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
