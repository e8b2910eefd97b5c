import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { paymentFunctions } from "../../functions/manifest";
import { runbookFunctions } from "../../runbooks/manifest";
import { dashboardName, dashboardUrl, drDashboardBody } from "../dashboard";
import { regionalAlarmCatalog } from "../alarm-catalog";
import { DrConfig, RegionRole, RegionSpec, regionSpecs } from "../config";
import { RegionalResources } from "../lambda-permissions";
import { bucketName, failoverApiDomain, GLOBAL, parameterPrefix, regionalApiDomain, resourceName } from "../naming";
import { regionalEnvironment, stateMachineArn, WRITE_FUNCTION, witnessName } from "../stack-environment";
import { DrOperationsRole, drOperationsRoleArn } from "./dr-access";
import { DrOrchestration } from "./orchestration";
import { tagTransformation } from "../tags";
import { DnsFailover, HostedZone, QUERY_LOG_REGION } from "./dns";
import { RegionalAlarms } from "./monitoring";
import { PaymentService } from "./payment-service";
import { TableBackups } from "./backup";
import { GlobalTables } from "./data";
import { RegionalKey } from "./kms";
import { LogArchive, LogShipping } from "./logging";
import { RegionalMessaging } from "./messaging";
import { RegionalNetwork } from "./network";
import { RegionalParameters } from "./parameters";
import { SecureBucket } from "./secure-bucket";
import { TransactionLogStorage } from "./transaction-log";

/** Distinct /16 per region so the VPCs could be peered. */
const VPC_CIDRS: Record<RegionRole, string> = { primary: "10.20.0.0/16", secondary: "10.21.0.0/16" };
/** The processing function's timeout; the queue's visibility timeout is derived from it. */
export const PROCESSOR_TIMEOUT_SECONDS = 30;

export interface RegionalBase {
  spec: RegionSpec;
  key: RegionalKey;
  accessLogs: SecureBucket;
  logShipping: LogShipping;
  messaging: RegionalMessaging;
  network: RegionalNetwork;
  transactionBucketName: pulumi.Output<string>;
  resources: RegionalResources;
  payments: PaymentService;
  alarms: RegionalAlarms;
  orchestration: DrOrchestration;
  evidenceBucket: SecureBucket;
  dashboardUrl: string;
}

/** What the canary publishes and alarms on: one probe period per canary probe. */
export function probePeriodSeconds(probesPerMinute: number): 10 | 30 | 60 {
  const period = 60 / probesPerMinute;
  return period <= 10 ? 10 : period <= 30 ? 30 : 60;
}

/**
 * The whole program as one component: the root every other resource descends from, so the tag
 * transformation installed here reaches all of them. It wires the components together; each
 * component owns its resources.
 */
export class PaymentsDr extends pulumi.ComponentResource {
  readonly regions: Record<RegionRole, RegionalBase>;
  readonly tables: GlobalTables;
  readonly transactionLogs: TransactionLogStorage;
  readonly parameterNames: Record<RegionRole, string[]>;
  readonly zone: HostedZone;
  readonly dns: DnsFailover;
  readonly apiEndpoints: { primary: string; secondary: string; failover: string };
  readonly drOperationsRole: DrOperationsRole;

  constructor(config: DrConfig, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:stack:PaymentsDr", `payments-dr-${config.environment}`, {}, {
      ...opts,
      transformations: [tagTransformation(config), ...(opts?.transformations ?? [])],
    });
    const env = config.environment;
    const parent = { parent: this };
    const specs = regionSpecs(config);
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    // Security Hub S3.1: no bucket of the account can be made public, whatever its own settings.
    // Account-wide, so it is kept on `pulumi destroy` (a teardown must not reopen the account).
    if (config.accountPublicAccessBlock) {
      new aws.s3.AccountPublicAccessBlock(
        resourceName("s3-account-public-access", GLOBAL, env),
        { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        { parent: this, retainOnDelete: true },
      );
    }

    // Per region: key and the bucket S3 server access logs go to.
    const keys = {} as Record<RegionRole, RegionalKey>;
    const accessLogs = {} as Record<RegionRole, SecureBucket>;
    for (const spec of specs) {
      keys[spec.role] = new RegionalKey(resourceName("payments-key", spec.region, env), { region: spec.region, keyName: resourceName("payments-dr", spec.region, env), accountId }, parent);
      accessLogs[spec.role] = new SecureBucket(
        resourceName("s3-access-logs", spec.region, env),
        {
          region: spec.region,
          bucketName: accountId.apply((id) => bucketName("s3-access-logs", spec.region, env, id)),
          noncurrentVersionExpirationDays: 30,
          policyStatements: [
            {
              Sid: "S3ServerAccessLogDelivery",
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`arn:aws:s3:::${accountId.apply((id) => bucketName("s3-access-logs", spec.region, env, id))}/*`,
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
          ],
        },
        parent,
      );
    }

    // Cross-region log shipping: each region's archive receives the *other* region's logs.
    const archives = {} as Record<RegionRole, LogArchive>;
    for (const spec of specs) {
      const source = specs.find((s) => s.region === spec.peer)!;
      archives[spec.role] = new LogArchive(
        resourceName("log-archive", spec.region, env),
        { region: spec.region, sourceRegion: source.region, environment: env, accountId, kmsKeyArn: keys[spec.role].arn, accessLogBucket: accessLogs[spec.role].bucket },
        parent,
      );
    }
    const shipping = {} as Record<RegionRole, LogShipping>;
    for (const spec of specs) {
      const peerRole: RegionRole = spec.role === "primary" ? "secondary" : "primary";
      shipping[spec.role] = new LogShipping(
        resourceName("log-shipping", spec.region, env),
        { region: spec.region, environment: env, accountId, peerFirehoseArn: archives[peerRole].firehoseArn },
        parent,
      );
    }

    // Global tables and their backups.
    this.tables = new GlobalTables(
      resourceName("tables", "global", env),
      { environment: env, primaryRegion: config.primaryRegion, secondaryRegion: config.secondaryRegion, primaryKmsKeyArn: keys.primary.arn, secondaryKmsKeyArn: keys.secondary.arn },
      parent,
    );
    new TableBackups(
      resourceName("table-backups", "global", env),
      {
        environment: env,
        accountId,
        primaryRegion: config.primaryRegion,
        secondaryRegion: config.secondaryRegion,
        primaryKmsKeyArn: keys.primary.arn,
        secondaryKmsKeyArn: keys.secondary.arn,
        tableArns: Object.values(this.tables.tables).map((t) => t.arn),
      },
      parent,
    );

    // Messaging, transaction-log storage, network.
    const txBucketNames = {} as Record<RegionRole, pulumi.Output<string>>;
    const messaging = {} as Record<RegionRole, RegionalMessaging>;
    for (const spec of specs) {
      txBucketNames[spec.role] = accountId.apply((id) => bucketName("txlog", spec.region, env, id));
      messaging[spec.role] = new RegionalMessaging(
        resourceName("messaging", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          kmsKeyArn: keys[spec.role].arn,
          alertEmails: config.alertEmails,
          notifyingBucketArns: [pulumi.interpolate`arn:aws:s3:::${txBucketNames[spec.role]}`],
          processorTimeoutSeconds: PROCESSOR_TIMEOUT_SECONDS,
          eventRuleArns: [pulumi.interpolate`arn:aws:events:${spec.region}:${accountId}:rule/${resourceName("dr-alarms", spec.region, env)}`],
        },
        parent,
      );
    }
    const bucketRef = (spec: RegionSpec) => ({
      region: spec.region,
      bucketName: txBucketNames[spec.role],
      kmsKeyArn: keys[spec.role].arn,
      accessLogBucket: accessLogs[spec.role].bucket,
      alertTopicArn: messaging[spec.role].alertTopicArn,
    });
    this.transactionLogs = new TransactionLogStorage(
      resourceName("txlog", "global", env),
      { environment: env, accountId, primary: bucketRef(specs[0]), secondary: bucketRef(specs[1]) },
      parent,
    );

    const networks = {} as Record<RegionRole, RegionalNetwork>;
    for (const spec of specs) {
      networks[spec.role] = new RegionalNetwork(
        resourceName("network", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          vpcCidr: VPC_CIDRS[spec.role],
          kmsKeyArn: keys[spec.role].arn,
          logRetentionDays: config.logRetentionDays,
          logDestinationArn: shipping[spec.role].destinationArn,
        },
        parent,
      );
    }

    // The hosted zone (its query logs must live in us-east-1, so only when that is one of ours).
    const queryLogRole = specs.find((s) => s.region === QUERY_LOG_REGION)?.role;
    this.zone = new HostedZone(
      resourceName("zone", GLOBAL, env),
      {
        environment: env,
        zoneName: config.hostedZoneName,
        existingZoneId: config.hostedZoneId,
        accountId,
        queryLogging: queryLogRole
          ? { kmsKeyArn: keys[queryLogRole].arn, logRetentionDays: config.logRetentionDays, logDestinationArn: shipping[queryLogRole].destinationArn }
          : undefined,
      },
      parent,
    );

    // The payment path, identical in both regions.
    const payments = {} as Record<RegionRole, PaymentService>;
    const resources = {} as Record<RegionRole, RegionalResources>;
    for (const spec of specs) {
      const role = spec.role;
      resources[role] = {
        region: spec.region,
        accountId,
        environment: env,
        tableNames: this.tables.names,
        kmsKeyArn: keys[role].arn,
        transactionBucketArn: this.transactionLogs.buckets[role].arn,
        processingQueueArn: messaging[role].queueArn,
        processingDlqArn: messaging[role].dlqArn,
        alertTopicArn: messaging[role].alertTopicArn,
      };
      const paymentsTable = this.tables.tables.payments;
      payments[role] = new PaymentService(
        resourceName("payments", spec.region, env),
        {
          region: spec.region,
          environment: env,
          specs: paymentFunctions,
          resources: resources[role],
          environmentValues: regionalEnvironment({
            config,
            spec,
            accountId,
            tableNames: this.tables.names,
            transactionBucket: this.transactionLogs.buckets[role].bucket,
            processingQueueUrl: messaging[role].queueUrl,
            processingDlqUrl: messaging[role].dlqUrl,
            alertTopicArn: messaging[role].alertTopicArn,
            zoneNameServers: this.zone.nameServers,
          }),
          vpc: { subnetIds: networks[role].privateSubnetIds, securityGroupIds: [networks[role].functionSecurityGroupId] },
          kmsKeyArn: keys[role].arn,
          logRetentionDays: config.logRetentionDays,
          logDestinationArn: shipping[role].destinationArn,
          // The table lives in the primary; the secondary reads its own replica's stream.
          paymentsStreamArn: role === "primary" ? paymentsTable.streamArn : paymentsTable.replicas.apply((r) => r?.[0]?.streamArn ?? ""),
          processingQueueArn: messaging[role].queueArn,
          asyncFailuresArn: messaging[role].asyncFailuresArn,
          api: {
            domains: [
              { label: "shared", domainName: failoverApiDomain(config.hostedZoneName) },
              { label: "pinned", domainName: regionalApiDomain(spec.region, config.hostedZoneName) },
            ],
            zoneId: this.zone.zoneId,
            throttleRateLimit: config.apiThrottleRateLimit,
            throttleBurstLimit: config.apiThrottleBurstLimit,
            waf: config.wafEnabled ? { rateLimitPer5Minutes: config.wafRateLimitPer5Minutes } : undefined,
          },
        },
        parent,
      );
    }

    // Alarms. The secondary's "primary fenced" alarm comes first: the primary's DNS guard watches it.
    const catalog = (spec: RegionSpec, healthChecks?: { primaryEndpoint: pulumi.Input<string>; secondaryEndpoint: pulumi.Input<string> }) => {
      const peerRole: RegionRole = spec.role === "primary" ? "secondary" : "primary";
      return regionalAlarmCatalog({
        region: spec.region,
        peerRegion: spec.peer,
        role: spec.role,
        environment: env,
        tableNames: Object.values(this.tables.names),
        functionNames: Object.values(payments[spec.role].functions).map((f) => f.functionName),
        apiName: payments[spec.role].api.apiName,
        apiStage: payments[spec.role].api.stageName,
        dlqName: messaging[spec.role].dlqName,
        asyncFailuresQueueName: messaging[spec.role].asyncFailuresName,
        replication: {
          sourceBucket: this.transactionLogs.buckets[spec.role].bucket,
          destinationBucket: this.transactionLogs.buckets[peerRole].bucket,
          ruleId: spec.role === "primary" ? "primary-to-secondary" : "secondary-to-primary-failback",
        },
        healthChecks,
        dr: { probePeriodSeconds: probePeriodSeconds(config.canaryProbesPerMinute), failureThreshold: config.healthCheckFailureThreshold, rpoSeconds: config.rpoSeconds },
      });
    };
    const secondarySpec = specs[1];
    const fenceAlarms = new RegionalAlarms(
      resourceName("dr-fence-alarm", secondarySpec.region, env),
      {
        region: secondarySpec.region,
        environment: env,
        alertTopicArn: messaging.secondary.alertTopicArn,
        alarms: catalog(secondarySpec).filter((a) => a.key === "primary-fenced"),
      },
      parent,
    );

    const endpoint = (spec: RegionSpec) => ({
      region: spec.region,
      pinnedDomain: regionalApiDomain(spec.region, config.hostedZoneName),
      sharedTarget: payments[spec.role].api.domainTargets.shared,
      pinnedTarget: payments[spec.role].api.domainTargets.pinned,
    });
    this.dns = new DnsFailover(
      resourceName("dns-failover", GLOBAL, env),
      {
        environment: env,
        zoneId: this.zone.zoneId,
        failoverName: failoverApiDomain(config.hostedZoneName),
        witnessName: witnessName(config.hostedZoneName),
        primary: endpoint(specs[0]),
        secondary: endpoint(specs[1]),
        healthCheckIntervalSeconds: config.healthCheckIntervalSeconds,
        healthCheckFailureThreshold: config.healthCheckFailureThreshold,
        ttlSeconds: config.dnsTtlSeconds,
        primaryFenceAlarm: { region: secondarySpec.region, alarmName: fenceAlarms.names["primary-fenced"] },
      },
      { parent: this, dependsOn: [fenceAlarms] },
    );

    const alarms = {} as Record<RegionRole, RegionalAlarms>;
    for (const spec of specs) {
      alarms[spec.role] = new RegionalAlarms(
        resourceName("alarms", spec.region, env),
        {
          region: spec.region,
          environment: env,
          alertTopicArn: messaging[spec.role].alertTopicArn,
          alarms: catalog(spec, { primaryEndpoint: this.dns.healthCheckIds.primaryEndpoint, secondaryEndpoint: this.dns.healthCheckIds.secondaryEndpoint }).filter(
            (a) => a.key !== "primary-fenced",
          ),
        },
        parent,
      );
      if (spec.role === "secondary") {
        Object.assign(alarms.secondary.arns, fenceAlarms.arns);
        Object.assign(alarms.secondary.names, fenceAlarms.names);
      }
    }

    // The DR orchestrator of each region. ARNs that would form cycles (the state machine, the DR
    // operations role) are derived from their deterministic names.
    const drRoleArn = accountId.apply((id) => drOperationsRoleArn(id, env));
    const orchestration = {} as Record<RegionRole, DrOrchestration>;
    const evidence = {} as Record<RegionRole, SecureBucket>;
    for (const spec of specs) {
      const role = spec.role;
      evidence[role] = new SecureBucket(
        resourceName("dr-evidence", spec.region, env),
        {
          region: spec.region,
          bucketName: accountId.apply((id) => bucketName("dr-evidence", spec.region, env, id)),
          kmsKeyArn: keys[role].arn,
          accessLogBucket: accessLogs[role].bucket,
          noncurrentVersionExpirationDays: 400,
          // Drill and failover reports are audit evidence: a year in GOVERNANCE mode (PCI DSS 10.5.1).
          objectLockGovernanceDays: 365,
        },
        parent,
      );
      const drResources: RegionalResources = {
        ...resources[role],
        stateMachineArn: accountId.apply((id) => stateMachineArn(spec.region, id, env)),
        drOperationsRoleArn: drRoleArn,
        evidenceBucketArn: evidence[role].arn,
      };
      orchestration[role] = new DrOrchestration(
        resourceName("dr", spec.region, env),
        {
          region: spec.region,
          peerRegion: spec.peer,
          primaryRegion: config.primaryRegion,
          secondaryRegion: config.secondaryRegion,
          environment: env,
          accountId,
          specs: runbookFunctions,
          resources: drResources,
          environmentValues: regionalEnvironment({
            config,
            spec,
            accountId,
            tableNames: this.tables.names,
            transactionBucket: this.transactionLogs.buckets[role].bucket,
            processingQueueUrl: messaging[role].queueUrl,
            processingDlqUrl: messaging[role].dlqUrl,
            alertTopicArn: messaging[role].alertTopicArn,
            zoneNameServers: this.zone.nameServers,
            drOperationsRoleArn: drRoleArn,
            evidenceBucket: evidence[role].bucket,
          }),
          kmsKeyArn: keys[role].arn,
          logRetentionDays: config.logRetentionDays,
          logDestinationArn: shipping[role].destinationArn,
          asyncFailuresArn: messaging[role].asyncFailuresArn,
          triggerAlarmArns: alarms[role].drTriggerArns,
          timing: {
            healthCheckIntervalSeconds: config.healthCheckIntervalSeconds,
            healthCheckFailureThreshold: config.healthCheckFailureThreshold,
            probesPerMinute: config.canaryProbesPerMinute,
          },
          evidenceBucketArn: evidence[role].arn,
        },
        parent,
      );
    }
    // Trusted by name of each runbook role that declares it needs the role, in both regions.
    const crossRegionSteps = runbookFunctions.filter((s) => s.permissions.includes("dr-operations:assume")).map((s) => s.name);
    this.drOperationsRole = new DrOperationsRole(
      resourceName("dr-operations", GLOBAL, env),
      {
        environment: env,
        accountId,
        primaryRegion: config.primaryRegion,
        secondaryRegion: config.secondaryRegion,
        controlTableName: this.tables.names.control,
        trustedRoleArns: specs.flatMap((spec) => crossRegionSteps.map((fn) => orchestration[spec.role].functions[fn].roleArn)),
      },
      parent,
    );

    this.regions = {} as Record<RegionRole, RegionalBase>;
    for (const spec of specs) {
      const role = spec.role;
      new aws.cloudwatch.Dashboard(
        resourceName("dr-dashboard", spec.region, env),
        {
          region: spec.region,
          dashboardName: dashboardName(spec.region, env),
          dashboardBody: pulumi
            .all([this.dns.healthCheckIds, pulumi.all(Object.values(alarms[role].arns)), orchestration[role].stateMachineArn])
            .apply(([checks, alarmArns, machineArn]) =>
              drDashboardBody({
                region: spec.region,
                peerRegion: spec.peer,
                primaryRegion: config.primaryRegion,
                secondaryRegion: config.secondaryRegion,
                environment: env,
                tableNames: Object.values(this.tables.names),
                healthCheckIds: checks as { primaryEndpoint: string; secondaryEndpoint: string; primaryGuard?: string },
                alarmArns,
                stateMachineArn: machineArn,
                apiName: payments[role].api.apiName,
                writeFunctionName: resourceName(WRITE_FUNCTION, spec.region, env),
              }),
            ),
        },
        parent,
      );
      this.regions[role] = {
        spec,
        key: keys[role],
        accessLogs: accessLogs[role],
        logShipping: shipping[role],
        messaging: messaging[role],
        network: networks[role],
        transactionBucketName: this.transactionLogs.buckets[role].bucket,
        resources: resources[role],
        payments: payments[role],
        alarms: alarms[role],
        orchestration: orchestration[role],
        evidenceBucket: evidence[role],
        dashboardUrl: dashboardUrl(spec.region, env),
      };
    }
    this.apiEndpoints = {
      primary: `https://${regionalApiDomain(config.primaryRegion, config.hostedZoneName)}`,
      secondary: `https://${regionalApiDomain(config.secondaryRegion, config.hostedZoneName)}`,
      failover: `https://${failoverApiDomain(config.hostedZoneName)}`,
    };

    // Each region's parameters: identical names, that region's values.
    this.parameterNames = {} as Record<RegionRole, string[]>;
    for (const spec of specs) {
      const base = this.regions[spec.role];
      const params = new RegionalParameters(
        resourceName("parameters", spec.region, env),
        {
          region: spec.region,
          prefix: parameterPrefix(env),
          values: {
            region: spec.region,
            "peer-region": spec.peer,
            role: spec.role,
            "tables/payments": this.tables.names.payments,
            "tables/idempotency": this.tables.names.idempotency,
            "tables/control": this.tables.names.control,
            "buckets/transaction-log": base.transactionBucketName,
            "topics/alerts": base.messaging.alertTopicArn,
            "queues/processing": base.messaging.queueUrl,
            "queues/processing-dlq": base.messaging.dlqUrl,
            objectives: JSON.stringify({ rpoSeconds: config.rpoSeconds, rtoSeconds: config.rtoSeconds }),
            "api/endpoint": spec.role === "primary" ? this.apiEndpoints.primary : this.apiEndpoints.secondary,
            "api/peer-endpoint": spec.role === "primary" ? this.apiEndpoints.secondary : this.apiEndpoints.primary,
            "api/failover-endpoint": this.apiEndpoints.failover,
            "dns/zone-name": config.hostedZoneName,
            "dns/zone-id": this.zone.zoneId,
            "dns/name-servers": this.zone.nameServers.apply((ns) => ns.join(",")),
            "dns/witness-name": witnessName(config.hostedZoneName),
            "dns/health-check-ids": pulumi.jsonStringify(this.dns.healthCheckIds),
            "dr/state-machine-arn": base.orchestration.stateMachineArn,
            "dr/canary-ticker-arn": base.orchestration.tickerArn,
            "dr/evidence-bucket": base.evidenceBucket.bucket,
            "dr/dashboard-url": base.dashboardUrl,
            "dr/alarm-names": JSON.stringify(Object.values(base.alarms.names).sort()),
          },
        },
        parent,
      );
      this.parameterNames[spec.role] = params.names;
    }

    this.registerOutputs({});
  }
}
