/**
 * payments-dr: a payment API in two AWS regions with an event-driven DR orchestrator.
 * Reads config, composes the stack, exports outputs — nothing else (see infra/components/).
 */
import * as aws from "@pulumi/aws";
import { loadConfig } from "./core/config";
import { PaymentsDr } from "./stack/payments-dr";

const config = loadConfig();

// One explicit provider; every regional resource names its region, so this provider's region
// only matters for global services (IAM, Route 53).
const provider = new aws.Provider("aws", { region: config.primaryRegion });
const stack = new PaymentsDr(config, { providers: [provider] });

export const environment = config.environment;
export const regions = { primary: config.primaryRegion, secondary: config.secondaryRegion };
export const objectives = { rpoSeconds: config.rpoSeconds, rtoSeconds: config.rtoSeconds };
export const tableNames = stack.tables.names;
/** How the tables replicate; fixed at their creation (docs/configuration.md). */
export const dataConsistency =
  config.dataConsistency === "strong"
    ? { mode: config.dataConsistency, witnessRegion: config.witnessRegion }
    : { mode: config.dataConsistency };
export const transactionLogBuckets = {
  primary: stack.regions.primary.transactionBucketName,
  secondary: stack.regions.secondary.transactionBucketName,
};
export const alertTopicArns = {
  primary: stack.regions.primary.messaging.alertTopicArn,
  secondary: stack.regions.secondary.messaging.alertTopicArn,
};
export const parameterNames = stack.parameterNames;
export const primaryApiEndpoint = stack.apiEndpoints.primary;
export const secondaryApiEndpoint = stack.apiEndpoints.secondary;
export const failoverApiEndpoint = stack.apiEndpoints.failover;
export const apiEndpoints = stack.apiEndpoints;
export const hostedZone = { name: config.hostedZoneName, id: stack.zone.zoneId, nameServers: stack.zone.nameServers };
export const healthCheckIds = stack.dns.healthCheckIds;
export const healthCheckUrls = stack.dns.healthCheckUrls;
export const alarmArns = {
  primary: stack.regions.primary.alarms.arns,
  secondary: stack.regions.secondary.alarms.arns,
};
export const stateMachineArns = {
  primary: stack.regions.primary.orchestration.stateMachineArn,
  secondary: stack.regions.secondary.orchestration.stateMachineArn,
};
export const evidenceBuckets = {
  primary: stack.regions.primary.evidenceBucket.bucket,
  secondary: stack.regions.secondary.evidenceBucket.bucket,
};
export const dashboardUrls = {
  primary: stack.regions.primary.dashboardUrl,
  secondary: stack.regions.secondary.dashboardUrl,
};
export const drOperationsRoleArn = stack.drOperationsRole.arn;
