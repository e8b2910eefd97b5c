import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GLOBAL, resourceName } from "../../core/naming";

export interface AliasTarget {
  regionalDomainName: pulumi.Input<string>;
  regionalZoneId: pulumi.Input<string>;
}

export interface RegionEndpoint {
  region: string;
  /** `api-<region>.<zone>`: the health checks probe this name. */
  pinnedDomain: string;
  /** Alias target of this region's copy of the shared name `api.<zone>`. */
  sharedTarget: AliasTarget;
  /** Alias target of this region's pinned domain. */
  pinnedTarget: AliasTarget;
}

export interface DnsFailoverArgs {
  environment: string;
  zoneId: pulumi.Input<string>;
  /** `api.<zone>` */
  failoverName: string;
  /** `_region.api.<zone>`: TXT pair that answers the serving region (docs/architecture.md). */
  witnessName: string;
  primary: RegionEndpoint;
  secondary: RegionEndpoint;
  healthCheckIntervalSeconds: 10 | 30;
  healthCheckFailureThreshold: number;
  ttlSeconds: number;
  /**
   * The "primary fenced" alarm, which lives in the secondary region. With it, PRIMARY is guarded
   * by a CALCULATED check: endpoint healthy AND not fenced. Default behaviour: endpoint only.
   */
  primaryFenceAlarm?: { region: string; alarmName: pulumi.Input<string> };
}

/**
 * Health checks and failover records. Traffic moves through Route 53's data plane only: health
 * checks decide, no record is ever changed during a failover (DESIGN.md, "How traffic moves").
 */
export class DnsFailover extends pulumi.ComponentResource {
  readonly healthCheckIds: Record<string, pulumi.Output<string>>;
  readonly healthCheckUrls: Record<"primary" | "secondary", string>;

  constructor(name: string, args: DnsFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:dns:DnsFailover", name, {}, opts);
    const parent = { parent: this };
    const env = args.environment;

    const endpointCheck = (role: "primary" | "secondary", endpoint: RegionEndpoint) =>
      new aws.route53.HealthCheck(
        `${name}-${role}-endpoint`,
        {
          referenceName: `${role}-api-health`.slice(0, 64),
          type: "HTTPS",
          fqdn: endpoint.pinnedDomain,
          port: 443,
          resourcePath: "/health",
          enableSni: true,
          requestInterval: args.healthCheckIntervalSeconds,
          failureThreshold: args.healthCheckFailureThreshold,
          measureLatency: true,
          tags: { Name: resourceName(`${role}-api-health`, GLOBAL, env) },
        },
        parent,
      );
    const primaryEndpoint = endpointCheck("primary", args.primary);
    const secondaryEndpoint = endpointCheck("secondary", args.secondary);
    this.healthCheckIds = { primaryEndpoint: primaryEndpoint.id, secondaryEndpoint: secondaryEndpoint.id };
    this.healthCheckUrls = {
      primary: `https://${args.primary.pinnedDomain}/health`,
      secondary: `https://${args.secondary.pinnedDomain}/health`,
    };

    let primaryGuard: pulumi.Output<string> = primaryEndpoint.id;
    if (args.primaryFenceAlarm) {
      const fence = new aws.route53.HealthCheck(
        `${name}-primary-fence`,
        {
          referenceName: "primary-fence",
          type: "CLOUDWATCH_METRIC",
          cloudwatchAlarmName: args.primaryFenceAlarm.alarmName,
          cloudwatchAlarmRegion: args.primaryFenceAlarm.region,
          // A fence must survive silence. Route 53 judges an alarm check by the alarm's data
          // stream, not its state, so the alarm's treatMissingData ("ignore") does not hold the
          // fence: with no PrimaryFenced datapoint in a period the check takes this status. With
          // "Healthy" one silent minute (the secondary's canary dead, the secondary region lost)
          // lifted the fence and sent DNS back to a fenced primary. LastKnownStatus keeps whatever
          // the last datapoint said: a set fence holds until the failback's explicit 0, a clear one
          // stays clear, so a dead secondary canary neither lifts a fence nor removes a healthy
          // primary ("Unhealthy" would). The canary-silent alarm reports the silence instead.
          // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
          // https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (InsufficientDataHealthStatus:
          // "LastKnownStatus: Route 53 uses the status of the health check from the last time that
          // CloudWatch had sufficient data to determine the alarm state")
          insufficientDataHealthStatus: "LastKnownStatus",
          tags: { Name: resourceName("primary-fence", GLOBAL, env) },
        },
        parent,
      );
      const guard = new aws.route53.HealthCheck(
        `${name}-primary-guard`,
        {
          referenceName: "primary-guard",
          type: "CALCULATED",
          childHealthchecks: [primaryEndpoint.id, fence.id],
          // Healthy only when both children are: the endpoint answers AND the primary is not fenced.
          childHealthThreshold: 2,
          tags: { Name: resourceName("primary-guard", GLOBAL, env) },
        },
        parent,
      );
      this.healthCheckIds.primaryFence = fence.id;
      this.healthCheckIds.primaryGuard = guard.id;
      primaryGuard = guard.id;
    }

    type RecordBody = Pick<aws.route53.RecordArgs, "type" | "aliases" | "ttl" | "records">;
    const failoverPair = (label: string, recordName: string, build: (endpoint: RegionEndpoint) => RecordBody) => {
      for (const [role, endpoint, healthCheckId] of [
        ["primary", args.primary, primaryGuard],
        ["secondary", args.secondary, secondaryEndpoint.id],
      ] as const) {
        new aws.route53.Record(
          `${name}-${label}-${role}`,
          {
            zoneId: args.zoneId,
            name: recordName,
            setIdentifier: `${role}-${endpoint.region}`,
            failoverRoutingPolicies: [{ type: role === "primary" ? "PRIMARY" : "SECONDARY" }],
            healthCheckId,
            ...build(endpoint),
          },
          parent,
        );
      }
    };
    failoverPair("api", args.failoverName, (endpoint) => ({
      type: "A",
      aliases: [
        { name: endpoint.sharedTarget.regionalDomainName, zoneId: endpoint.sharedTarget.regionalZoneId, evaluateTargetHealth: false },
      ],
    }));
    failoverPair("witness", args.witnessName, (endpoint) => ({ type: "TXT", ttl: args.ttlSeconds, records: [endpoint.region] }));

    for (const endpoint of [args.primary, args.secondary]) {
      new aws.route53.Record(
        `${name}-pinned-${endpoint.region}`,
        {
          zoneId: args.zoneId,
          name: endpoint.pinnedDomain,
          type: "A",
          aliases: [
            { name: endpoint.pinnedTarget.regionalDomainName, zoneId: endpoint.pinnedTarget.regionalZoneId, evaluateTargetHealth: false },
          ],
        },
        parent,
      );
    }
    this.registerOutputs({ healthCheckIds: this.healthCheckIds });
  }
}
