/**
 * Timelines the randomized sweep found in strong mode (issue 16), rehearsed in this process as
 * their printed replay commands rehearse them, each held to the invariant it broke; each was red
 * before its fix. Eventual mode's: rehearsal-sweep-findings-eventual.test.ts.
 *
 * What this cannot prove: that no other timeline breaks the same invariant (that is what
 * `npm run sweep` explores), nor anything the simulation does not model.
 */
import { checkNamed, replaySweepTimeline } from "./support/sweep-replay";

describe("timelines the sweep found, strong mode", () => {
  // `npm run sweep -- --runs 12 --seed 2 --shrink-runs 3`: on-call's `drctl failback` timed out
  // against the dead primary and was retried a minute later — after the story ended — and the
  // rehearsal measured while that failback was still running.
  it("waits for a run on-call is still trying to start before judging that every run ended", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: [
        "region-outage:region=us-east-1,at=50s,for=3m",
        "replication-lag:from=us-east-1,to=us-east-2,lag=70s,table=control,at=280s,for=20s",
      ],
      operator: ["failover:region=us-east-2,at=100s", "failback:region=us-east-1,at=210s"],
    });
    expect(checkNamed(result, "every run ended, and said how")).toEqual({
      verdict: "pass",
      detail: "every DR execution ended and notified its outcome",
    });
    expect(result.executions.filter((e) => e.name.startsWith("failback-")).map((e) => e.status)).toEqual(["SUCCEEDED"]);
  });
});
