/**
 * The DR lease is short (LEASE_LIFETIME_SECONDS) and renewed by the steps of the run that holds it
 * (runbooks/domain/lease.ts). It must never lapse under a live run between two of its steps, as long
 * as each step finishes within its Task timeout. This reads the DEPLOYED definition (default
 * timings) and finds, from the start of every step that renews the lease, the longest way to the
 * start of the next one (or to a release, or the end): every Task on the way at its TimeoutSeconds,
 * every Wait at its Seconds. Catch edges count (a failure path runs its steps too).
 *
 * A drill's poll of its failback (CheckPrimaryFailback) counts as renewed: the failback renews the
 * drill's lease from the other region.
 *
 * Two waits are not covered by the lifetime, on purpose, and are checked separately:
 * - a drill's HoldTraffic (a Wait of the run's holdSeconds): the renewal before it, ConfirmDnsAnswer,
 *   keeps the lease for the hold as well (`renewalSeconds`), so every way into the hold must come
 *   straight from that step;
 * - RequestApproval's wait for a human (up to an hour): the lease may lapse then, and the step after
 *   the approval takes it again if nobody else did, or fails with LeaseLostError
 *   (lease-lifetime.test.ts). Its invocation counts, at the Task timeout, as any step's.
 *
 * What this cannot prove: that a Task ends within its timeout (Retry attempts each renew again when
 * they start), or Step Functions' own scheduling delay between states (not in the definition).
 */
import { LEASE_LIFETIME_SECONDS } from "../../lib/control-schema";
import { LEASE_RENEWING_HANDLERS } from "../../runbooks/domain/lease";
import { drMachine, type Deployment, deploymentFromEvaluation, fn as deployedFunction } from "../../sim/deployment/deployment";
import { nextStates } from "../../state-machines/graph";
import type { AslDefinition, AslState } from "../../state-machines/render";
import { REGIONS, stack } from "../support/stack";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const RELEASES = new Set(["ReleaseLease", "ReleaseLeaseAfterFailure", "ReleaseLeaseBeforeRestore"]);

/** The handler folder a Task invokes, by the deployed function ARN ("other" for a Task that invokes no function: an SNS publish). */
function handlerOf(region: string, state: AslState): string | undefined {
  if (state.Resource === "arn:aws:states:::sns:publish") return "other";
  const arn = (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
  return (
    Object.keys(LEASE_RENEWING_HANDLERS).find((h) => deployedFunction(deployment, region, h).arn === arn) ?? (arn ? "other" : undefined)
  );
}

/**
 * A drill's poll of the failback it started does not renew: the failback, started in the other
 * region under the drill's lease, renews it with its own steps (its machine is the other region's,
 * held to the same bound here) and releases it when it ends. So the poll counts as covered.
 */
const RENEWED_BY_THE_PEER_FAILBACK = new Set(["CheckPrimaryFailback"]);

function renews(region: string, name: string, state: AslState): boolean {
  if (RENEWED_BY_THE_PEER_FAILBACK.has(name)) return true;
  return state.Type === "Task" && (name === "AcquireLease" || handlerOf(region, state) !== "other");
}

/** Seconds a state may take: a Task its timeout, a Wait its Seconds (HoldTraffic: 0, see above). */
function cost(state: AslState): number {
  if (state.Type === "Task") return Number(state.TimeoutSeconds ?? 60) > 900 ? 30 : Number(state.TimeoutSeconds);
  if (state.Type === "Wait") return typeof state.Seconds === "number" ? state.Seconds : 0;
  return 0;
}

/** The longest way, in seconds, from the start of `from` to the start of the next renewal, a release or the end. */
function longestGap(region: string, def: AslDefinition, from: string): { seconds: number; path: string[] } {
  let best = { seconds: 0, path: [from] };
  const walk = (state: string, seconds: number, path: string[]) => {
    for (const next of nextStates(def.States[state])) {
      // ChooseFailureCleanup's default is the way of a run that holds no lease: nothing to lapse.
      if (state === "ChooseFailureCleanup" && next === def.States.ChooseFailureCleanup.Default) continue;
      const body = def.States[next];
      if (renews(region, next, body) || RELEASES.has(next) || body.Type === "Succeed" || body.Type === "Fail") {
        if (seconds > best.seconds) best = { seconds, path: [...path, next] };
        continue;
      }
      if (path.includes(next)) throw new Error(`a loop with no step that renews the lease: ${[...path, next].join(" → ")}`);
      walk(next, seconds + cost(body), [...path, next]);
    }
  };
  walk(from, cost(def.States[from]), [from]);
  return best;
}

describe.each([REGIONS.primary, REGIONS.secondary])("the lease in %s's machine", (region) => {
  it("never lapses under a live run between two of its steps (each step within its Task timeout)", () => {
    const def = drMachine(deployment, region).definition as AslDefinition;
    const gaps = Object.entries(def.States)
      .filter(([name, state]) => renews(region, name, state))
      .map(([name]) => longestGap(region, def, name));
    const worst = gaps.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    // The lifetime is chosen as this gap (lib/control-schema.ts): a longer gap would let the lease
    // lapse under a live run; a shorter one means the lifetime can be re-chosen shorter.
    expect({ seconds: worst.seconds, path: worst.path }).toEqual({
      seconds: LEASE_LIFETIME_SECONDS,
      path: [
        "AssessRegions",
        "NotifyDecision",
        "RouteByDecision",
        "WriteReport",
        "NotifyRunSucceeded",
        "NotifyFailure",
        "ChooseFailureCleanup",
        "WriteFailureReport",
        "ReleaseLeaseAfterFailure",
      ],
    });
  });

  it("enters a drill's hold only straight from the DNS confirmation, whose renewal covers the hold", () => {
    const def = drMachine(deployment, region).definition as AslDefinition;
    const into = Object.entries(def.States).filter(([, s]) => nextStates(s).includes("HoldTraffic"));
    expect(into.map(([name]) => name)).toEqual(["RouteAfterDns"]);
    const intoRoute = Object.entries(def.States).filter(([, s]) => nextStates(s).includes("RouteAfterDns"));
    expect(intoRoute.map(([name]) => name)).toEqual(["IsDnsShifted"]);
    expect(def.States.HoldTraffic).toMatchObject({ Type: "Wait", SecondsPath: "$.run.holdSeconds" });
    expect(handlerOf(region, def.States.ConfirmDnsAnswer)).toBe("confirm-dns");
  });
});
