/**
 * After a story: the DR runs still going get time to end before the world settles and is
 * measured, so "every run ended, and said how" judges runs that had their chance — including a run
 * on-call is still trying to start (`drctl` retried after a timeout, sim/rehearsal/operator.ts) and
 * a run waiting at the approval gate, which on-call answers.
 *
 * Why on-call answers, and with a rejection: the approval gate waits for a human for up to
 * `approvalTimeoutSeconds` (an hour by default), which no rehearsal simulates. A run that reached it
 * has changed nothing and has said so (APPROVAL NEEDED); leaving it waiting would end the rehearsal
 * with a run that neither ended nor failed. So when the story is over, on-call declines every
 * approval still waiting — the answer that changes nothing, a human's "not on that evidence" — and
 * the run must then end through its failure path and notify, like any other. (Scenarios that
 * rehearse an approval, e.g. replication-degraded, answer it themselves during their story.)
 */
import type { ScenarioContext } from "./scenario";

/** How long, after the story, runs still going may take to end (a failback's worst case is well under it). */
export const RUNS_END_LIMIT_MS = 15 * 60_000;

const runsGoing = (ctx: ScenarioContext) => ctx.deployment.regions.flatMap((r) => ctx.executions(r)).filter((e) => e.status === "RUNNING");

/** Running executions whose current state is the approval gate (the last state they entered). */
function waitingForApproval(ctx: ScenarioContext) {
  return runsGoing(ctx).filter((e) => e.states.at(-1)?.name === "RequestApproval");
}

/**
 * Advances the clock until no DR run is RUNNING and on-call has no start pending, answering every
 * approval still waiting with a rejection as it goes; gives up after `limitMs` (the checks then
 * report what is still running).
 */
export async function letRunsEnd(ctx: ScenarioContext, limitMs = RUNS_END_LIMIT_MS): Promise<void> {
  const deadline = ctx.clock.now() + limitMs;
  const answered = new Set<string>();
  const unanswered = () => waitingForApproval(ctx).filter((e) => !answered.has(e.executionArn));
  const settled = () => runsGoing(ctx).length === 0 && ctx.operator.startsPending === 0;
  while (ctx.clock.now() < deadline) {
    await ctx.waitFor(() => settled() || unanswered().length > 0, deadline - ctx.clock.now());
    const waiting = unanswered();
    if (waiting.length === 0) return;
    for (const e of waiting) {
      // The request-approval step stores the token just before the run waits on it; until then, look again.
      const request = await ctx.act(() => ctx.operator.approvalRequest(e.region, e.name)).catch(() => undefined);
      if (!request) continue;
      answered.add(e.executionArn);
      await ctx
        .act(() =>
          ctx.operator.reject(
            e.region,
            e.name,
            "oncall@example.com",
            "the story is over and nobody approved it: declined, nothing changed",
          ),
        )
        .catch((error: unknown) =>
          ctx.note(`on-call could not reject ${e.name}: ${error instanceof Error ? error.message : String(error)}`),
        );
    }
    if (unanswered().length > 0) await ctx.clock.advance(1000);
  }
}
