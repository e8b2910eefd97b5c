/**
 * The environment-variable values each region offers its functions (the vocabulary is
 * STACK_ENVIRONMENT in lib/handlers/spec.ts). Values always describe the function's
 * own region, except the explicitly peer-named ones.
 *
 * ARNs of resources that depend on the functions themselves (the state machine, the peer's
 * write function) are derived from their deterministic names, which breaks the cycle
 * "function needs machine ARN, machine definition needs function ARNs" without wildcards.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackEnvironmentName } from "../../lib/handlers/spec";
import type { DrConfig, RegionSpec } from "./config";
import { METRIC_NAMESPACE } from "./lambda-permissions";
import { failoverApiDomain, regionalApiDomain, resourceName, restoreScratchTablePrefix } from "./naming";

/** How long the payment path trusts its cached region-state record (seconds). */
export const REGION_STATE_CACHE_SECONDS = 5;
export const STATE_MACHINE_SERVICE = "dr-orchestrator";
export const WRITE_FUNCTION = "create-payment";
/**
 * The alarm key (and `{service}` slot of the name) of the secondary's "primary fenced" alarm
 * (infra/core/alarm-catalog.ts): Route 53's primary guard watches it, and the failback waits for it.
 */
export const PRIMARY_FENCED_ALARM = "primary-fenced";

/** The fence alarm exists only in the secondary, so its name is the same for both regions' functions. */
export function primaryFenceAlarmName(secondaryRegion: string, environment: string): string {
  return resourceName(PRIMARY_FENCED_ALARM, secondaryRegion, environment);
}

export function witnessName(zoneName: string): string {
  return `_region.${failoverApiDomain(zoneName)}`;
}

export function stateMachineArn(region: string, accountId: string, environment: string): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${resourceName(STATE_MACHINE_SERVICE, region, environment)}`;
}

export interface RegionalEnvironmentInput {
  config: DrConfig;
  spec: RegionSpec;
  accountId: pulumi.Input<string>;
  tableNames: { payments: string; idempotency: string; control: string };
  transactionBucket: pulumi.Input<string>;
  processingQueueUrl: pulumi.Input<string>;
  processingDlqUrl: pulumi.Input<string>;
  transactionLogQueueUrl: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
  zoneNameServers: pulumi.Input<string[]>;
  /** Present once the orchestration exists. */
  drOperationsRoleArn?: pulumi.Input<string>;
  evidenceBucket?: pulumi.Input<string>;
}

export function regionalEnvironment(input: RegionalEnvironmentInput): Partial<Record<StackEnvironmentName, pulumi.Input<string>>> {
  const { config, spec } = input;
  const env = config.environment;
  const values: Partial<Record<StackEnvironmentName, pulumi.Input<string>>> = {
    ENVIRONMENT: env,
    LOCAL_REGION: spec.region,
    PEER_REGION: spec.peer,
    PRIMARY_REGION: config.primaryRegion,
    SECONDARY_REGION: config.secondaryRegion,
    PAYMENTS_TABLE: input.tableNames.payments,
    IDEMPOTENCY_TABLE: input.tableNames.idempotency,
    CONTROL_TABLE: input.tableNames.control,
    TRANSACTION_BUCKET: input.transactionBucket,
    PROCESSING_QUEUE_URL: input.processingQueueUrl,
    PROCESSING_DLQ_URL: input.processingDlqUrl,
    TRANSACTION_LOG_QUEUE_URL: input.transactionLogQueueUrl,
    ALERT_TOPIC_ARN: input.alertTopicArn,
    SSM_PREFIX: `/payments-dr/${env}/`,
    METRIC_NAMESPACE,
    REGION_STATE_CACHE_SECONDS: String(REGION_STATE_CACHE_SECONDS),
    RPO_SECONDS: String(config.rpoSeconds),
    RTO_SECONDS: String(config.rtoSeconds),
    PEER_HEALTH_URL: `https://${regionalApiDomain(spec.peer, config.hostedZoneName)}/health`,
    PEER_API_ORIGIN: `https://${regionalApiDomain(spec.peer, config.hostedZoneName)}`,
    PROBES_PER_MINUTE: String(config.canaryProbesPerMinute),
    FAILOVER_DNS_NAME: failoverApiDomain(config.hostedZoneName),
    DNS_WITNESS_NAME: witnessName(config.hostedZoneName),
    ZONE_NAME_SERVERS: pulumi.output(input.zoneNameServers).apply((ns) => ns.join(",")),
    PEER_WRITE_FUNCTION_NAME: resourceName(WRITE_FUNCTION, spec.peer, env),
    LOCAL_WRITE_FUNCTION_NAME: resourceName(WRITE_FUNCTION, spec.region, env),
    STATE_MACHINE_ARN: pulumi.output(input.accountId).apply((id) => stateMachineArn(spec.region, id, env)),
    PEER_STATE_MACHINE_ARN: pulumi.output(input.accountId).apply((id) => stateMachineArn(spec.peer, id, env)),
    AUTO_FAILOVER: String(config.autoFailover),
    MIN_AUTO_INTERVAL_SECONDS: String(config.minAutoFailoverIntervalSeconds),
    DRILL_HOLD_SECONDS: String(config.drillHoldSeconds),
    HEALTH_CHECK_INTERVAL_SECONDS: String(config.healthCheckIntervalSeconds),
    HEALTH_CHECK_FAILURE_THRESHOLD: String(config.healthCheckFailureThreshold),
    DNS_TTL_SECONDS: String(config.dnsTtlSeconds),
    FENCE_ALARM_NAME: primaryFenceAlarmName(config.secondaryRegion, env),
    DATA_CONSISTENCY: config.dataConsistency,
    RESTORE_SCRATCH_TABLE_PREFIX: restoreScratchTablePrefix(spec.region, env),
  };
  if (input.drOperationsRoleArn) values.DR_OPERATIONS_ROLE_ARN = input.drOperationsRoleArn;
  if (input.evidenceBucket) values.EVIDENCE_BUCKET = input.evidenceBucket;
  return values;
}
