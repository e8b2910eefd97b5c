import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LambdaSpec, StackEnvironmentName } from "../../../lib/handlers/spec";
import {
  recommendedTimings,
  renderCanaryTicker,
  renderDrStateMachine,
  RUNBOOK_TASK_FUNCTIONS,
  type RunbookTaskFunction,
} from "../../../state-machines/render";
import { PRIMARY_FENCED_PERIOD_SECONDS } from "../../core/alarm-catalog";
import type { RegionalResources } from "../../core/lambda-permissions";
import { resourceName } from "../../core/naming";
import { KMS_ENCRYPT_ACTIONS, policyDocument, serviceTrustPolicy, type Statement } from "../../core/policy-documents";
import { REGION_STATE_CACHE_SECONDS, STATE_MACHINE_SERVICE } from "../../core/stack-environment";
import { RegionalFunction } from "../compute/lambda-function";
import { ShippedLogGroup } from "../logging/shipped-log-group";
import { CANARY_TICKER_SERVICE, STATE_MACHINE_WILDCARD_ACTIONS } from "../../core/aws-facts";

/** The `{service}` slot of each region's schedule group (the canary's schedule lives in it). */
export const SCHEDULE_GROUP_SERVICE = "dr-schedules";

/** Each probe Task may take this long; above the canary function's own timeout (15 s). */
export const CANARY_PROBE_TIMEOUT_SECONDS = 20;

export interface DrOrchestrationArgs {
  region: string;
  peerRegion: string;
  primaryRegion: string;
  secondaryRegion: string;
  environment: string;
  accountId: pulumi.Input<string>;
  specs: readonly LambdaSpec[];
  /** Permissions context; must include stateMachineArn, drOperationsRoleArn and evidenceBucketArn. */
  resources: RegionalResources;
  environmentValues: Partial<Record<StackEnvironmentName, pulumi.Input<string>>>;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
  asyncFailuresArn: pulumi.Input<string>;
  /** Alarms whose ALARM transitions start this region's runbook. */
  triggerAlarmArns: pulumi.Input<string>[];
  timing: { healthCheckIntervalSeconds: number; healthCheckFailureThreshold: number; probesPerMinute: number };
  /** The evidence bucket, created by the caller (its name is needed before the functions exist). */
  evidenceBucketArn: pulumi.Input<string>;
  /**
   * The region's private subnets and function security group, for the runbook functions that run
   * in the VPC (specs with `vpc: true`: the restore rehearsal's steps). Required when any spec asks.
   */
  vpc?: { subnetIds: pulumi.Input<string>[]; securityGroupIds: pulumi.Input<string>[] };
}

/**
 * The DR orchestrator of one region: the runbook functions, the STANDARD state machine that runs
 * them (logged without execution data, traced), the canary and the EXPRESS ticker that spaces its
 * probes within each minute (started by EventBridge Scheduler), and the EventBridge rule that
 * starts the runbook on the region's DR alarms, through a function that gives each alarm
 * transition a deterministic execution name.
 */
export class DrOrchestration extends pulumi.ComponentResource {
  readonly functions: Record<string, RegionalFunction>;
  readonly stateMachineArn: pulumi.Output<string>;
  readonly stateMachineName: string;
  readonly tickerArn: pulumi.Output<string>;
  readonly ruleArn: pulumi.Output<string>;

  constructor(name: string, args: DrOrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:orchestration:DrOrchestration", name, {}, opts);
    const { region, environment, accountId } = args;
    const parent = { parent: this };

    this.functions = {};
    for (const spec of args.specs) {
      this.functions[spec.name] = new RegionalFunction(
        `${name}-${spec.name}`,
        {
          spec,
          region,
          environment,
          resources: args.resources,
          environmentValues: args.environmentValues,
          kmsKeyArn: args.kmsKeyArn,
          logRetentionDays: args.logRetentionDays,
          logDestinationArn: args.logDestinationArn,
          // Invoked asynchronously by EventBridge: a failed start must not vanish.
          ...(spec.trigger.kind === "eventbridge" ? { onFailureQueueArn: args.asyncFailuresArn } : {}),
          ...(spec.vpc && args.vpc ? { vpc: args.vpc } : {}),
        },
        parent,
      );
    }
    const fnArn = (fn: string) => {
      const f = this.functions[fn];
      if (!f) throw new Error(`the runbook needs a function "${fn}" that lib/handlers/dr-functions.ts does not declare`);
      return f.arn;
    };

    // --- The DR state machine -------------------------------------------------------------
    this.stateMachineName = resourceName(STATE_MACHINE_SERVICE, region, environment);
    const machineArn = pulumi.interpolate`arn:aws:states:${region}:${accountId}:stateMachine:${this.stateMachineName}`;
    const machineLogs = new ShippedLogGroup(
      `${name}-machine-logs`,
      {
        region,
        // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
        logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );
    const taskArns = RUNBOOK_TASK_FUNCTIONS.map((fn) => fnArn(fn));
    const machineRole = this.stateMachineRole(
      `${name}-machine-role`,
      resourceName(STATE_MACHINE_SERVICE, region, environment),
      machineArn,
      taskArns,
      args,
    );
    const definition = pulumi.all(taskArns).apply((arns) => {
      const functionArns = Object.fromEntries(RUNBOOK_TASK_FUNCTIONS.map((fn, i) => [fn, arns[i]])) as Record<RunbookTaskFunction, string>;
      return renderDrStateMachine({
        region,
        peerRegion: args.peerRegion,
        primaryRegion: args.primaryRegion,
        secondaryRegion: args.secondaryRegion,
        functionArns,
        ...recommendedTimings({
          regionStateCacheSeconds: REGION_STATE_CACHE_SECONDS,
          healthCheckIntervalSeconds: args.timing.healthCheckIntervalSeconds,
          healthCheckFailureThreshold: args.timing.healthCheckFailureThreshold,
          probesPerMinute: args.timing.probesPerMinute,
          fenceAlarmPeriodSeconds: PRIMARY_FENCED_PERIOD_SECONDS,
        }),
      }).json;
    });
    const machine = new aws.sfn.StateMachine(
      `${name}-machine`,
      {
        region,
        name: this.stateMachineName,
        type: "STANDARD",
        roleArn: machineRole.arn,
        definition,
        loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: pulumi.interpolate`${machineLogs.arn}:*` },
        tracingConfiguration: { enabled: true },
      },
      parent,
    );
    this.stateMachineArn = machine.arn;

    // --- The canary and its ticker ----------------------------------------------------------
    const tickerName = resourceName(CANARY_TICKER_SERVICE, region, environment);
    const tickerArn = pulumi.interpolate`arn:aws:states:${region}:${accountId}:stateMachine:${tickerName}`;
    const tickerLogs = new ShippedLogGroup(
      `${name}-ticker-logs`,
      {
        region,
        logGroupName: `/aws/vendedlogs/states/${tickerName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );
    const tickerRole = this.stateMachineRole(`${name}-ticker-role`, tickerName, tickerArn, [fnArn("canary"), fnArn("reconcile")], args);
    const ticker = new aws.sfn.StateMachine(
      `${name}-ticker`,
      {
        region,
        name: tickerName,
        type: "EXPRESS",
        roleArn: tickerRole.arn,
        definition: pulumi.all([fnArn("canary"), fnArn("reconcile")]).apply(
          ([canaryFunctionArn, reconcileFunctionArn]) =>
            renderCanaryTicker({
              region,
              canaryFunctionArn,
              reconcileFunctionArn,
              probesPerMinute: args.timing.probesPerMinute,
              probeTimeoutSeconds: CANARY_PROBE_TIMEOUT_SECONDS,
            }).json,
        ),
        // A probe every few seconds: failures only, without execution data (cost, and no payload in logs).
        loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: pulumi.interpolate`${tickerLogs.arn}:*` },
        tracingConfiguration: { enabled: true },
      },
      parent,
    );
    this.tickerArn = ticker.arn;

    const scheduleName = resourceName("canary-schedule", region, environment);
    // The region's own schedule group, so the role below trusts Scheduler for exactly our
    // schedules. Scheduler sends the schedule GROUP's ARN as aws:SourceArn when it assumes the
    // execution role ("The value of aws:SourceArn must be your EventBridge Scheduler schedule group
    // ARN ... Do not scope the aws:SourceArn statement to a specific schedule or a schedule name
    // prefix"): a trust scoped to one schedule's ARN is never satisfied and the canary never runs.
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
    const scheduleGroup = new aws.scheduler.ScheduleGroup(
      `${name}-schedule-group`,
      { region, name: resourceName(SCHEDULE_GROUP_SERVICE, region, environment) },
      parent,
    );
    const schedulerRole = new aws.iam.Role(
      `${name}-scheduler-role`,
      {
        name: scheduleName,
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("scheduler.amazonaws.com", accountId, scheduleGroup.arn)),
      },
      parent,
    );
    const schedulerPolicy = new aws.iam.RolePolicy(
      `${name}-scheduler-policy`,
      {
        role: schedulerRole.name,
        name: "start-canary-ticker",
        policy: pulumi.jsonStringify(
          policyDocument([
            { Effect: "Allow", Action: ["states:StartExecution"], Resource: ticker.arn },
            { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: args.asyncFailuresArn },
            {
              Effect: "Allow",
              Action: KMS_ENCRYPT_ACTIONS,
              Resource: args.kmsKeyArn,
              Condition: { StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com` } },
            },
          ]),
        ),
      },
      parent,
    );
    new aws.scheduler.Schedule(
      `${name}-canary-schedule`,
      {
        region,
        name: scheduleName,
        groupName: scheduleGroup.name,
        description: `Starts the canary ticker of ${region} every minute`,
        scheduleExpression: "rate(1 minute)",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: ticker.arn,
          roleArn: schedulerRole.arn,
          input: JSON.stringify({ source: "canary-schedule" }),
          // A missed minute is not retried late: the next minute's ticker is already on its way.
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
          deadLetterConfig: { arn: args.asyncFailuresArn },
        },
      },
      { parent: this, dependsOn: [schedulerPolicy] },
    );

    // --- Alarms -> runbook --------------------------------------------------------------------
    const rule = new aws.cloudwatch.EventRule(
      `${name}-alarm-rule`,
      {
        region,
        name: resourceName("dr-alarms", region, environment),
        description: `DR alarms of ${region} going to ALARM start its runbook`,
        eventPattern: pulumi.jsonStringify({
          source: ["aws.cloudwatch"],
          "detail-type": ["CloudWatch Alarm State Change"],
          resources: args.triggerAlarmArns,
          detail: { state: { value: ["ALARM"] } },
        }),
      },
      parent,
    );
    const starter = this.functions["start-execution"];
    if (!starter) throw new Error('lib/handlers/dr-functions.ts must declare the "start-execution" trigger function');
    new aws.lambda.Permission(
      `${name}-alarm-rule-invoke`,
      {
        region,
        action: "lambda:InvokeFunction",
        function: starter.function.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
        sourceAccount: accountId,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-alarm-rule-target`,
      {
        region,
        rule: rule.name,
        arn: starter.arn,
        // EventBridge retries for 24 h by default, then drops the event; a runbook start that old
        // is worse than none, and a dropped one must be visible: short retry window plus a DLQ.
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 600 },
        deadLetterConfig: { arn: args.asyncFailuresArn },
      },
      parent,
    );
    this.ruleArn = rule.arn;
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, tickerArn: this.tickerArn });
  }

  /** A state machine's role: invoke exactly its functions, deliver its logs, trace. */
  private stateMachineRole(
    resourceNameInStack: string,
    roleName: string,
    machineArn: pulumi.Input<string>,
    functionArns: pulumi.Input<string>[],
    args: DrOrchestrationArgs,
  ): aws.iam.Role {
    const role = new aws.iam.Role(
      resourceNameInStack,
      { name: roleName, assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("states.amazonaws.com", args.accountId, machineArn)) },
      { parent: this },
    );
    const statements: Statement[] = [
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: functionArns.flatMap((arn) => [arn, pulumi.interpolate`${arn}:*`]) },
      { Effect: "Allow", Action: STATE_MACHINE_WILDCARD_ACTIONS, Resource: "*" },
    ];
    new aws.iam.RolePolicy(
      `${resourceNameInStack}-policy`,
      { role: role.name, name: "invoke-own-functions", policy: pulumi.jsonStringify(policyDocument(statements)) },
      { parent: this },
    );
    return role;
  }
}
