/**
 * What failover, failback and drill share: build the execution input, validate it with the
 * machine's own rules (runbooks/domain/run.ts) before any AWS call, confirm when traffic moves,
 * start the execution in the region being activated, follow it, and report the result.
 */
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { formatProblems } from "../lib/validation";
import type { PaymentCheckInput } from "../runbooks/domain/hold-payments";
import type { RestoreRehearsalRequest } from "../runbooks/domain/restore-rehearsal";
import { normalizeExecutionInput, type DryRunTarget, type ExecutionInput } from "../runbooks/domain/run";
import type { Context } from "./context";
import { discoverRegion, requireValue, type RegionConfig } from "./discovery";
import { CliError, EXIT, usageError, type ExitCode } from "./errors";
import { consoleUrl, executionArnFor, manualExecutionName } from "./executions";
import { followExecution } from "./follower";
import { checkLeaseHolder } from "./lease-takeover";
import type { Target } from "./options";
import { askForRegion, preflightConfirmation } from "./prompt";
import { fetchReport } from "./report-store";
import { measuredResult, renderRunResult, reportLocation, type RunResult } from "./run-result";
import { ExecutionTracker } from "./tracker";

export interface RunRequest {
  target: Target;
  mode: "failover" | "failback" | "drill" | "dry-run";
  /** dry-run only: the runbook whose preconditions are checked. */
  checkMode?: DryRunTarget;
  /** The region being activated, where the execution runs. */
  region: string;
  holdSeconds?: number;
  /** drill only: restore a point-in-time copy of a table after the failback, check it and delete it. */
  restoreRehearsal?: RestoreRehearsalRequest;
  /** drill only: how the check after the hold judges the payments the secondary took (--allow-no-traffic, --max-failure-percent). */
  paymentCheck?: PaymentCheckInput;
  requireApproval?: boolean;
  reason?: string;
  ticket?: string;
  operator: string;
  confirm?: string;
  /** failover/failback: the abandoned lease holder to take the lease over from (--take-over-lease; checked before starting). */
  takeOverLease?: string;
  follow: boolean;
  followTimeoutSeconds?: number;
  /** One line for the confirmation prompt: what will happen. */
  effect: string;
}

/** The input and name the execution will get; throws a usage error for anything the machine would reject. */
export function prepareExecution(request: RunRequest, nowMs: number): { name: string; input: ExecutionInput } {
  const { target, region } = request;
  if (region !== target.primaryRegion && region !== target.secondaryRegion) {
    throw usageError(
      `${region} is neither the primary (${target.primaryRegion}) nor the secondary (${target.secondaryRegion}) region of ${target.environment}`,
    );
  }
  const input: ExecutionInput = {
    mode: request.mode,
    targetRegion: region,
    ...(request.checkMode !== undefined ? { checkMode: request.checkMode } : {}),
    ...(request.holdSeconds !== undefined ? { holdSeconds: request.holdSeconds } : {}),
    ...(request.restoreRehearsal !== undefined ? { restoreRehearsal: request.restoreRehearsal } : {}),
    ...(request.paymentCheck !== undefined ? { paymentCheck: request.paymentCheck } : {}),
    ...(request.requireApproval ? { requireApproval: true } : {}),
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    requestedBy: request.operator,
    ...(request.takeOverLease !== undefined ? { takeOverLease: request.takeOverLease } : {}),
    ...(request.ticket !== undefined ? { trigger: { source: "manual" as const, ticket: request.ticket } } : {}),
  };
  const label = request.mode === "dry-run" ? `dry-run-${request.checkMode}` : request.mode;
  const name = manualExecutionName(label, nowMs, request.operator);
  const peerRegion = region === target.primaryRegion ? target.secondaryRegion : target.primaryRegion;
  const checked = normalizeExecutionInput(
    input,
    { name, id: `pending:${name}`, startTime: new Date(nowMs).toISOString() },
    { region, peerRegion, primaryRegion: target.primaryRegion, secondaryRegion: target.secondaryRegion },
    { drillHoldSeconds: 0 },
  );
  if (!checked.ok)
    throw usageError(`the state machine would reject this request: ${formatProblems(checked.problems)}; nothing was started`);
  return { name, input };
}

async function startExecution(
  ctx: Context,
  config: RegionConfig,
  name: string,
  input: ExecutionInput,
): Promise<{ arn: string; startedAt: number }> {
  const stateMachineArn = requireValue(config, config.stateMachineArn, "dr/state-machine-arn");
  try {
    const out = await ctx.aws.call(config.region, "states:StartExecution", (abortSignal) =>
      ctx.aws.sfn(config.region).send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }), { abortSignal }),
    );
    return {
      arn: out.executionArn ?? executionArnFor(stateMachineArn, name),
      startedAt: out.startDate ? new Date(out.startDate).getTime() : ctx.now(),
    };
  } catch (error) {
    if (error instanceof CliError && /ExecutionAlreadyExists/.test(error.message)) {
      throw new CliError("aws", `an execution named ${name} already exists in ${config.region}`, "wait a second and run the command again");
    }
    throw error;
  }
}

/** The whole command: returns the exit code. */
export async function startRun(ctx: Context, request: RunRequest): Promise<ExitCode> {
  prepareExecution(request, ctx.now()); // fail fast: nothing is asked of AWS for a request the machine would reject
  const movesTraffic = request.mode !== "dry-run";
  const confirmation = { region: request.region, summary: request.effect, confirmFlag: request.confirm };
  const mustAsk = movesTraffic ? preflightConfirmation(confirmation, ctx) : false;

  const config = await discoverRegion(ctx, request.target, request.region);
  requireValue(config, config.stateMachineArn, "dr/state-machine-arn");
  if (request.takeOverLease !== undefined) await checkLeaseHolder(ctx, config, request.takeOverLease);
  if (mustAsk) await askForRegion(confirmation, ctx);

  // Named now, not before the prompt: the name's time is when the run was started.
  const { name, input } = prepareExecution(request, ctx.now());
  const started = await startExecution(ctx, config, name, input);
  const link = consoleUrl(request.region, started.arn);
  ctx.err(`started ${name} in ${request.region}`);
  ctx.err(`  ${link}`);

  const result: RunResult = {
    environment: request.target.environment,
    execution: {
      name,
      arn: started.arn,
      region: request.region,
      mode: request.mode,
      input,
      consoleUrl: link,
      status: "RUNNING",
      startedAt: new Date(started.startedAt).toISOString(),
      stoppedAt: null,
      error: null,
    },
    outcome: null,
    decisions: [],
    measurements: { rtoSeconds: null, rpoExposureSeconds: null, detectionSeconds: null, dnsShiftSeconds: null },
    objectives: config.objectives ?? null,
    evaluation: null,
    report: null,
    dryRun: null,
    states: [],
  };
  if (!request.follow) {
    ctx.json ? ctx.outJson(result) : ctx.out(renderRunResult(result, ctx));
    return EXIT.ok;
  }

  ctx.err(`following (Ctrl-C stops following; the execution keeps running)`);
  const env = request.target.environment;
  const tracker = new ExecutionTracker(
    started.startedAt,
    (line) => ctx.err(line),
    (state) =>
      state === "RequestApproval"
        ? `waiting for approval: drctl approve --env ${env} --region ${request.region} ${name}  (or: drctl reject ...)`
        : undefined,
  );
  await followExecution(ctx, { region: request.region, executionArn: started.arn, executionName: name }, tracker, {
    timeoutMs: request.followTimeoutSeconds === undefined ? undefined : request.followTimeoutSeconds * 1000,
  });
  result.states = tracker.states;
  result.decisions = tracker.decisions;

  const terminal = tracker.terminal;
  if (terminal) {
    result.execution.status = terminal.status;
    result.execution.stoppedAt = new Date(terminal.stoppedAt).toISOString();
    result.execution.error = terminal.error;
  }
  result.report = reportLocation(tracker.lastState);
  let report;
  if (result.report) {
    try {
      report = (await fetchReport(ctx, request.region, result.report.bucket, name)).report;
    } catch (error) {
      ctx.err(
        `warning: could not read the run's report (${error instanceof Error ? error.message : String(error)}); measurements below come from the step outputs`,
      );
    }
  }
  Object.assign(result, measuredResult(result.execution.status, tracker.lastState, report, config.objectives));
  ctx.json ? ctx.outJson(result) : ctx.out(renderRunResult(result, ctx));

  if (!terminal) {
    const how = `follow it in the console: ${link}`;
    if (ctx.signal?.aborted) {
      ctx.err(`stopped following; ${name} keeps running — ${how}`);
      return EXIT.interrupted;
    }
    ctx.err(`stopped following after ${request.followTimeoutSeconds} s; ${name} is still running — ${how}`);
    return EXIT.stillRunning;
  }
  return terminal.status === "SUCCEEDED" ? EXIT.ok : EXIT.executionFailed;
}
