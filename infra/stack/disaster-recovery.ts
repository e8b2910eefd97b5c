/**
 * Phase 3: the DR orchestrator of each region, the cross-region DR operations role, the
 * dashboards that show the DR picture, and the AWS FIS experiments of the quarterly drill.
 */
import { runbookFunctions } from "../../lib/handlers";
import { dashboardUrl } from "../core/dashboard";
import { GLOBAL, resourceName } from "../core/naming";
import { stateMachineArn, WRITE_FUNCTION } from "../core/stack-environment";
import { functionsFor } from "../core/tables";
import { DrOperationsRole, drOperationsRoleArn } from "../components/security/dr-operations-role";
import { DrOrchestration } from "../components/orchestration/dr-orchestration";
import { DrDashboard } from "../components/monitoring/dr-dashboard";
import { DrillExperiments } from "../components/resilience/drill-experiments";
import { perRegion, type PerRegion, type StackContext } from "./context";
import type { Foundation } from "./foundation";
import type { PaymentPath } from "./payment-path";

export interface DisasterRecovery {
  orchestration: PerRegion<DrOrchestration>;
  drOperationsRole: DrOperationsRole;
  dashboardUrls: PerRegion<string>;
  drillExperiments: PerRegion<DrillExperiments>;
}

export function buildDisasterRecovery(ctx: StackContext, f: Foundation, p: PaymentPath): DisasterRecovery {
  const { config, environment: env, specs, accountId, parent } = ctx;

  // ARNs that would form cycles (the state machine, the DR operations role) are derived from
  // their deterministic names.
  const orchestration = perRegion(specs, (spec) => {
    const role = spec.role;
    return new DrOrchestration(
      resourceName("dr", spec.region, env),
      {
        region: spec.region,
        peerRegion: spec.peer,
        primaryRegion: config.primaryRegion,
        secondaryRegion: config.secondaryRegion,
        environment: env,
        accountId,
        specs: functionsFor(config.dataConsistency, runbookFunctions),
        resources: {
          ...p.resources[role],
          stateMachineArn: accountId.apply((id) => stateMachineArn(spec.region, id, env)),
          drOperationsRoleArn: accountId.apply((id) => drOperationsRoleArn(id, env)),
          evidenceBucketArn: f.evidence[role].arn,
        },
        environmentValues: p.environments[role],
        kmsKeyArn: f.keys[role].arn,
        logRetentionDays: config.logRetentionDays,
        logDestinationArn: f.shipping[role].destinationArn,
        asyncFailuresArn: f.messaging[role].asyncFailuresArn,
        triggerAlarmArns: p.alarms[role].drTriggerArns,
        timing: {
          healthCheckIntervalSeconds: config.healthCheckIntervalSeconds,
          healthCheckFailureThreshold: config.healthCheckFailureThreshold,
          probesPerMinute: config.canaryProbesPerMinute,
        },
        evidenceBucketArn: f.evidence[role].arn,
        // The restore rehearsal's steps read a copy of the payments table: private subnets, as the payment path.
        vpc: { subnetIds: f.networks[role].privateSubnetIds, securityGroupIds: [f.networks[role].functionSecurityGroupId] },
      },
      parent,
    );
  });

  // Trusted by name of each runbook role that declares it needs the role, in both regions.
  const crossRegionSteps = runbookFunctions.filter((s) => s.permissions.includes("dr-operations:assume")).map((s) => s.name);
  const drOperationsRole = new DrOperationsRole(
    resourceName("dr-operations", GLOBAL, env),
    {
      environment: env,
      accountId,
      primaryRegion: config.primaryRegion,
      secondaryRegion: config.secondaryRegion,
      controlTableName: f.tables.names.control,
      // Eventual mode only: strong mode's data tables are MRSC, where an acknowledged write is
      // already in a second region and the failback proves nothing about them with a sentinel.
      ...(config.dataConsistency === "eventual"
        ? { dataTableNames: { payments: f.tables.names.payments, idempotency: f.tables.names.idempotency } }
        : {}),
      trustedRoleArns: specs.flatMap((spec) => crossRegionSteps.map((fn) => orchestration[spec.role].functions[fn].roleArn)),
    },
    parent,
  );

  for (const spec of specs) {
    new DrDashboard(
      resourceName("dr-dashboard", spec.region, env),
      {
        region: spec.region,
        peerRegion: spec.peer,
        primaryRegion: config.primaryRegion,
        secondaryRegion: config.secondaryRegion,
        environment: env,
        tableNames: Object.values(f.tables.names),
        dataConsistency: config.dataConsistency,
        healthCheckIds: p.dns.healthCheckIds,
        alarmArns: Object.values(p.alarms[spec.role].arns),
        stateMachineArn: orchestration[spec.role].stateMachineArn,
        apiName: p.payments[spec.role].api.apiName,
        writeFunctionName: resourceName(WRITE_FUNCTION, spec.region, env),
      },
      parent,
    );
  }
  // The drill's fault injection, aimed at each region's own resources; its stop conditions are the
  // region's alarms that mean customers are hurt.
  const paymentsTable = f.tables.tables.payments;
  const drillExperiments = perRegion(
    specs,
    (spec) =>
      new DrillExperiments(
        resourceName("drill-experiments", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          paymentsTableName: f.tables.names.payments,
          paymentsTableStrong: paymentsTable.replicas.apply((replicas) => (replicas ?? []).some((r) => r.consistencyMode === "STRONG")),
          vpcId: f.networks[spec.role].vpcId,
          privateSubnetIds: f.networks[spec.role].privateSubnetIds,
          stopAlarmArns: {
            "payment-failures": p.alarms[spec.role].arns["payment-failures"],
            "peer-health": p.alarms[spec.role].arns["peer-health"],
          },
          kmsKeyArn: f.keys[spec.role].arn,
          logRetentionDays: config.logRetentionDays,
          logDestinationArn: f.shipping[spec.role].destinationArn,
        },
        parent,
      ),
  );
  return {
    orchestration,
    drOperationsRole,
    dashboardUrls: perRegion(specs, (spec) => dashboardUrl(spec.region, env)),
    drillExperiments,
  };
}
