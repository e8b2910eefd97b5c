/**
 * Timelines the randomized sweep found in eventual mode (issue 16), rehearsed in this process as
 * their printed replay commands rehearse them, each held to the invariant it broke; each was red
 * before its fix. Strong mode's: rehearsal-sweep-findings.test.ts.
 *
 * What this cannot prove: that no other timeline breaks the same invariant (that is what
 * `npm run sweep` explores), nor anything the simulation does not model.
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { checkNamed, expectPassed, replaySweepTimeline, SEED_3_FULL_RUN_4 } from "./support/sweep-replay";

describe("timelines the sweep found, eventual mode", () => {
  // `npm run sweep -- --runs 12 --seed 1 --shrink-runs 3 --scenario full --config dataConsistency=eventual`:
  // on-call's `drctl failover --to us-east-1` met the replication gate (the secondary's writes had
  // not reached the primary through the cut) and waited for an approval nobody gave.
  it("has on-call answer an approval still waiting when the story ends, so the run ends and says how", async () => {
    const result = await replaySweepTimeline(
      "full",
      {
        faults: [
          "region-outage:region=us-east-1,at=0s,for=2m",
          "network-partition:from=us-east-2,to=us-east-1,oneWay=true,at=190s,for=110s",
        ],
        operator: ["failover:region=us-east-1,at=280s"],
      },
      EVENTUAL_OFFLINE_OPTIONS,
    );
    expectPassed(result, "every run ended, and said how");
    const asked = result.executions.find((e) => e.name.startsWith("failover-"));
    expect(asked?.states).toContain("RequestApproval");
    expect(asked?.status).toBe("FAILED");
    expect(result.timeline.some((t) => t.where === "operator" && /rejects failover-/.test(t.text))).toBe(true);
  });

  // The same sweep: the secondary failed over and died before the primary came back, so its fence
  // never reached the primary's replica; on-call's `drctl failback` there found the primary ACTIVE
  // and decided no-action. The check "DNS answers the writer after the failback" took that run for
  // a failback and judged Route 53's answers from its end on.
  it("judges DNS after a failback only when a failback moved the writer, not after one that found nothing to do", async () => {
    const result = await replaySweepTimeline(
      "full",
      {
        faults: ["region-outage:region=us-east-2,at=130s,for=160s", "pause-replication:table=payments,region=us-east-1,at=270s,for=30s"],
        operator: ["failback:region=us-east-1,at=280s"],
      },
      EVENTUAL_OFFLINE_OPTIONS,
    );
    const failbacks = result.executions.filter((e) => e.name.startsWith("failback-"));
    expect(failbacks.map((e) => ({ status: e.status, promoted: e.states.includes("PromotePrimary") }))).toEqual([
      { status: "SUCCEEDED", promoted: false },
      { status: "SUCCEEDED", promoted: false },
    ]);
    expect(checkNamed(result, "DNS answers the writer after the failback")).toEqual({
      verdict: "n/a",
      detail: "no failback completed in this scenario",
    });
  });

  // `npm run sweep -- --runs 12 --seed 3 --shrink-runs 0 --scenario full --config dataConsistency=eventual`,
  // run 4: the full story ended at T+04:34, before on-call's second `drctl failback` (T+04:50), which
  // then started during the settle and was measured halfway.
  it("lets on-call's runs scheduled after the base's story start, and end, before the world is measured", async () => {
    const result = await replaySweepTimeline("full", SEED_3_FULL_RUN_4, EVENTUAL_OFFLINE_OPTIONS);
    expectPassed(result, "every run ended, and said how");
    const settling = result.timeline.find((t) => t.where === "scenario" && t.text.startsWith("settling"));
    const lastStart = Math.max(...result.executions.map((e) => e.startedAt));
    expect(settling?.at).toBeGreaterThan(lastStart);
  });
});
