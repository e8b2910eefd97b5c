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
import { CANARY_TICKER_SERVICE } from "../../core/aws-facts";
import { permissionStatements, type RegionalResources } from "../../core/lambda-permissions";
import { resourceName } from "../../core/naming";
import { REGION_STATE_CACHE_SECONDS, STATE_MACHINE_SERVICE } from "../../core/stack-environment";
import { RegionalFunction } from "../compute/lambda-function";
import { AlarmTrigger } from "./alarm-trigger";
import { CanarySchedule } from "./canary-schedule";
import { LoggedStateMachine } from "./logged-state-machine";

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
    const taskArns = RUNBOOK_TASK_FUNCTIONS.map((fn) => fnArn(fn));
    const definition = pulumi.all([pulumi.all(taskArns), args.resources.alertTopicArn]).apply(([arns, alertTopicArn]) => {
      const functionArns = Object.fromEntries(RUNBOOK_TASK_FUNCTIONS.map((fn, i) => [fn, arns[i]])) as Record<RunbookTaskFunction, string>;
      return renderDrStateMachine({
        alertTopicArn,
        environment,
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
    const logging = { kmsKeyArn: args.kmsKeyArn, logRetentionDays: args.logRetentionDays, logDestinationArn: args.logDestinationArn };
    this.stateMachineArn = new LoggedStateMachine(
      `${name}-machine`,
      {
        region,
        name: this.stateMachineName,
        type: "STANDARD",
        accountId,
        definition,
        functionArns: taskArns,
        // The last-resort notifications (NotifySucceededDirect, NotifyFailureDirect, NotifyNotStartedDirect)
        // publish to the alert topic themselves, through SNS, with the machine's role.
        statements: permissionStatements("alerts-topic:publish", args.resources),
        logLevel: "ALL",
        ...logging,
      },
      parent,
    ).arn;

    // --- The canary and its ticker ----------------------------------------------------------
    const tickerFunctions = [fnArn("canary"), fnArn("reconcile")];
    this.tickerArn = new LoggedStateMachine(
      `${name}-ticker`,
      {
        region,
        name: resourceName(CANARY_TICKER_SERVICE, region, environment),
        type: "EXPRESS",
        accountId,
        definition: pulumi.all(tickerFunctions).apply(
          ([canaryFunctionArn, reconcileFunctionArn]) =>
            renderCanaryTicker({
              region,
              canaryFunctionArn,
              reconcileFunctionArn,
              probesPerMinute: args.timing.probesPerMinute,
              probeTimeoutSeconds: CANARY_PROBE_TIMEOUT_SECONDS,
            }).json,
        ),
        functionArns: tickerFunctions,
        // A probe every few seconds: failures only (cost).
        logLevel: "ERROR",
        ...logging,
      },
      parent,
    ).arn;
    new CanarySchedule(
      `${name}-canary-schedule`,
      {
        region,
        accountId,
        scheduleName: resourceName("canary-schedule", region, environment),
        groupName: resourceName(SCHEDULE_GROUP_SERVICE, region, environment),
        tickerArn: this.tickerArn,
        asyncFailuresArn: args.asyncFailuresArn,
        kmsKeyArn: args.kmsKeyArn,
        formerOwnerName: name,
      },
      parent,
    );

    // --- Alarms -> runbook --------------------------------------------------------------------
    const starter = this.functions["start-execution"];
    if (!starter) throw new Error('lib/handlers/dr-functions.ts must declare the "start-execution" trigger function');
    this.ruleArn = new AlarmTrigger(
      `${name}-alarm-rule`,
      {
        region,
        accountId,
        ruleName: resourceName("dr-alarms", region, environment),
        alarmArns: args.triggerAlarmArns,
        starter,
        asyncFailuresArn: args.asyncFailuresArn,
      },
      parent,
    ).ruleArn;
    this.registerOutputs({ stateMachineArn: this.stateMachineArn, tickerArn: this.tickerArn });
  }
}
