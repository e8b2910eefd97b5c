/**
 * Follows an execution by polling GetExecutionHistory. Each poll reads newest-first
 * (reverseOrder) only until it reaches events already seen, so a long drill costs the same per
 * poll as a short failover. A few consecutive failed polls are tolerated (the execution does not
 * depend on drctl); then following stops with the error and the execution keeps running.
 */
import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import type { Context } from "./context";
import { CliError } from "./errors";
import type { ExecutionTracker } from "./tracker";

/** Pages per poll (100 events each) before giving up on catching up in one poll. */
const MAX_PAGES_PER_POLL = 20;
/** Consecutive failed polls before following stops. */
export const MAX_FAILED_POLLS = 5;

export interface FollowTarget {
  region: string;
  executionArn: string;
  executionName: string;
}

/** Events with id > afterId, oldest first. */
export async function newEvents(ctx: Context, target: FollowTarget, afterId: number): Promise<HistoryEvent[]> {
  const collected: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page += 1) {
    const out = await ctx.aws.call(target.region, "states:GetExecutionHistory", (abortSignal) =>
      ctx.aws.sfn(target.region).send(
        new GetExecutionHistoryCommand({
          executionArn: target.executionArn,
          reverseOrder: true,
          maxResults: 100,
          includeExecutionData: true,
          nextToken,
        }),
        { abortSignal },
      ),
    );
    const events = out?.events ?? [];
    let reachedSeen = false;
    for (const event of events) {
      if ((event.id ?? 0) <= afterId) {
        reachedSeen = true;
        break;
      }
      collected.push(event);
    }
    nextToken = out?.nextToken;
    if (reachedSeen || !nextToken || events.length === 0) break;
  }
  return collected.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

export interface FollowOptions {
  /** Stop following after this many ms (the execution keeps running). */
  timeoutMs?: number;
}

/**
 * Feeds the tracker until the execution ends, the timeout passes, or the operator interrupts.
 * Returns normally in all three cases (tracker.terminal tells which); throws only when polling
 * itself keeps failing.
 */
export async function followExecution(
  ctx: Context,
  target: FollowTarget,
  tracker: ExecutionTracker,
  options: FollowOptions = {},
): Promise<void> {
  const deadline = options.timeoutMs === undefined ? Infinity : ctx.now() + options.timeoutMs;
  let lastId = 0;
  let failures = 0;
  for (;;) {
    try {
      for (const event of await newEvents(ctx, target, lastId)) {
        lastId = Math.max(lastId, event.id ?? 0);
        tracker.handle(event);
      }
      failures = 0;
    } catch (error) {
      if (error instanceof CliError && error.kind === "interrupted") return;
      failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      if (failures >= MAX_FAILED_POLLS) {
        const hint = `the execution keeps running; see it in the console or with: aws stepfunctions describe-execution --region ${target.region} --execution-arn ${target.executionArn}`;
        if (error instanceof CliError) throw new CliError(error.kind, `stopped following ${target.executionName}: ${message}`, hint);
        throw error;
      }
      ctx.err(`warning: could not read the execution history (${failures}/${MAX_FAILED_POLLS}): ${message}`);
    }
    if (tracker.terminal || ctx.signal?.aborted || ctx.now() >= deadline) return;
    await ctx.sleep(ctx.pollMs, ctx.signal);
    if (ctx.signal?.aborted) return;
  }
}
