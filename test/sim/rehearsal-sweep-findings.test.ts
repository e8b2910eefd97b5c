/**
 * Timelines the randomized sweep found in strong mode (issue 16), rehearsed in this process as
 * their printed replay commands rehearse them, each held to the invariant it broke; each was red
 * before its fix. Eventual mode's: rehearsal-sweep-findings-eventual.test.ts.
 *
 * What this cannot prove: that no other timeline breaks the same invariant (that is what
 * `npm run sweep` explores), nor anything the simulation does not model.
 */
import { checkNamed, expectPassed, replaySweepTimeline, SEED_3_FULL_RUN_4 } from "./support/sweep-replay";

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

  // `npm run sweep -- --runs 12 --seed 1 --shrink-runs 3 --scenario full` (both modes): after the
  // failover the secondary, now the writer, died for 140 s while the fenced primary was back and
  // could serve (with the witness, a quorum). Nothing restored a writer: the reconciler acted only for
  // a STANDBY region, alarm-started runs never activate a fenced region over a writer, and on-call's
  // failback could not write its handover through the dead secondary.
  it("restores a writer when the writer has written nothing and answered nothing, and the fenced region can", async () => {
    const result = await replaySweepTimeline("full", {
      faults: [
        "network-partition:from=us-east-1,to=us-east-2,paths=app+replication,oneWay=true,at=130s,for=90s",
        "region-outage:region=us-east-2,at=140s,for=140s",
        "pause-replication:table=control,region=us-east-2,at=4m,for=20s",
      ],
      operator: ["failback:region=us-east-1,at=130s"],
    });
    expectPassed(result, "never zero ACTIVE while a region can serve", "no automatic failback", "one writer at a time");
    const restored = result.executions.filter((e) => e.region === "us-east-1" && e.name.startsWith("reconcile-writer-silent-"));
    expect(restored.map((e) => ({ status: e.status, promoted: e.states.includes("PromoteLocalRegion") }))).toEqual([
      { status: "SUCCEEDED", promoted: true },
    ]);
  });

  // `npm run sweep -- --runs 12 --seed 1 --shrink-runs 2 --scenario full`, run 3: the secondary
  // committed a payment 5.03 s after the failback's handover, admitted on a read sent 4.95 s before
  // it. Strong mode had no write deadline (nothing bounded how late such a write lands) and the
  // check counted admission, not commit. The bound is now the cache plus the write deadline, in
  // both modes; that the deadline holds is create-payment-deadline.test.ts's to show.
  it("holds a demoted region's last payment commit to the cache bound plus the write deadline", async () => {
    const result = await replaySweepTimeline("full", {
      faults: [
        "region-outage:region=us-east-1,at=1m,for=70s",
        "network-partition:from=us-east-1,to=us-east-2,paths=replication,at=140s,for=1m",
        "network-partition:from=us-east-2,to=us-east-1,paths=app+replication,at=3m,for=100s",
      ],
    });
    expect(checkNamed(result, "one writer at a time")).toEqual({
      verdict: "pass",
      detail: expect.stringMatching(
        /^0 payments accepted by a region more than 6 s \(the payment path's cache bound plus its write deadline\)/,
      ),
    });
    // The payment the sweep flagged is still there, counted within the bound, not gone.
    expect(result.figures.writesWithinDemotedBound).toBeGreaterThan(0);
    expect(result.passed).toBe(true);
  });

  // `npm run sweep -- --runs 12 --seed 10 --shrink-runs 2 --scenario full`: the secondary, the
  // writer after the failover, died for a minute; the fenced primary's reconciler saw it silent,
  // fenced it while it was down and promoted itself 14 s later, by when the secondary was back, and
  // the check called that an automatic failback. Since AssessRegions' last look (below) the run
  // spends up to 5 s on it; here the writer is back by the fence, which refuses (PeerRecoveredError).
  it("leaves a writer that comes back while the reconciler is deciding where it is", async () => {
    const result = await replaySweepTimeline("full", {
      faults: [
        "region-outage:region=us-east-2,at=130s,for=1m",
        "network-partition:from=us-east-1,to=us-east-2,paths=replication,at=3m,for=2m",
      ],
      operator: ["failback:region=us-east-1,at=220s", "failover:region=us-east-2,at=280s"],
    });
    expectPassed(result, "no automatic failback");
    const silent = result.executions.filter((e) => e.region === "us-east-1" && e.name.startsWith("reconcile-writer-silent-"));
    expect(silent.map((e) => ({ status: e.status, error: e.error, promoted: e.states.includes("PromoteLocalRegion") }))).toEqual([
      { status: "FAILED", error: "PeerRecoveredError", promoted: false },
    ]);
    expectPassed(result, "one writer at a time", "never zero ACTIVE while a region can serve", "no acknowledged payment lost");
  });

  // The case the check's rule is for: the writer is down for 63 s, the reconciler's last look times
  // out, it fences the writer while it is still down, and the writer is back before the promotion.
  // Restoring a writer, not a failback: judged when the run took the writer's role (its fence).
  it("counts a run that fenced a dead writer and then promoted as restoring a writer, even if the writer returned in between", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: ["region-outage:region=us-east-2,at=2m,for=63s"],
      operator: ["failover:region=us-east-2,at=100s"],
    });
    expectPassed(result, "no automatic failback");
    const silent = result.executions.filter((e) => e.name.startsWith("reconcile-writer-silent-"));
    expect(silent.map((e) => ({ status: e.status, promoted: e.states.includes("PromoteLocalRegion") }))).toEqual([
      { status: "SUCCEEDED", promoted: true },
    ]);
    const back = result.timeline.find((t) => t.where === "us-east-2" && t.text.startsWith("region recovered"))?.at;
    const fenced = result.timeline.find((t) => t.text.includes("us-east-2 is FENCED (epoch 3)"))?.at;
    const promoted = result.timeline.find((t) => t.text.includes("us-east-1 is ACTIVE (epoch 4)"))?.at;
    expect(fenced! < back! && back! < promoted!).toBe(true);
  });

  // `npm run sweep -- --runs 12 --seed 24 --shrink-runs 2` (its overlapping outages, as one): the
  // writer died for 55 s. The reconciler's evidence was the canary's last probe, sent while the
  // writer was still down, so it fenced the writer 0.7 s after it came back — an automatic move
  // of the writes to the primary, off a region that serves. AssessRegions now looks once more.
  it("does not fence a silent writer that is back by the time the reconciler decides", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: ["region-outage:region=us-east-2,at=2m,for=55s"],
      operator: ["failover:region=us-east-2,at=100s"],
    });
    expectPassed(result, "no automatic failback");
    const silent = result.executions.filter((e) => e.name.startsWith("reconcile-writer-silent-"));
    expect(silent.length).toBeGreaterThan(0);
    for (const run of silent) expect([run.name, run.states.includes("FenceOldPrimary")]).toEqual([run.name, false]);
    expectPassed(result, "one writer at a time", "never zero ACTIVE while a region can serve");
  });

  // `npm run sweep -- --runs 12 --seed 25 --shrink-runs 2 --scenario full`, run 9: the primary was
  // down again when the story's failback was due; on-call's drctl retries (a minute apart) would
  // have started it once the primary was back, but the scenario gave the start 120 s and the
  // rehearsal itself broke ("an operator action did not finish").
  it("gives on-call's drctl start all its retries before a scenario gives up on it", async () => {
    const result = await replaySweepTimeline("full", {
      faults: [
        "region-outage:region=us-east-1,at=0s,for=80s",
        "network-partition:from=us-east-2,to=us-east-1,paths=checkers,oneWay=true,at=2m,for=70s",
        "region-outage:region=us-east-1,at=160s,for=140s",
        "region-outage:region=us-east-2,at=190s,for=30s",
      ],
      operator: ["failover:region=us-east-2,at=70s"],
    });
    const failback = result.executions.find((e) => e.name.startsWith("failback-"));
    expect(failback?.status).toBe("SUCCEEDED");
    expectPassed(result, "one writer at a time", "never zero ACTIVE while a region can serve", "every run ended, and said how");
  });

  // `npm run sweep -- --runs 12 --seed 33 --shrink-runs 2 --scenario full`, run 7: the primary died
  // while the secondary's check-replication failed for 30 s; the alarm's failover and the
  // reconciler's run both failed on it, and the reconciler tried again only in its next 5-minute
  // window: nobody ACTIVE for 150 s. It now tries again within a minute.
  it("tries a failed reconciler run again within a minute, not five", async () => {
    const result = await replaySweepTimeline("full", {
      faults: [
        "region-outage:region=us-east-1,at=0s,for=150s",
        "lambda-invocation-error:function=check-replication,region=us-east-2,at=30s,for=30s",
      ],
      operator: ["failback:region=us-east-1,at=50s", "failover:region=us-east-2,at=220s"],
    });
    expectPassed(result, "never zero ACTIVE while a region can serve");
    const reconciled = result.executions.filter((e) => e.region === "us-east-2" && e.name.startsWith("reconcile-"));
    expect(reconciled.map((e) => e.status)).toEqual(["FAILED", "SUCCEEDED"]);
  });

  // `npm run sweep -- --runs 12 --seed 29 --shrink-runs 2`, run 1: the primary dead, and one in five
  // of the secondary's calls to its idempotency table failing (500) for a minute. CheckReplication
  // took one failed DescribeTable for the replica's state and sent the failover to the approval
  // gate; nobody approved, and nobody was ACTIVE for 170 s. A 5xx is now retried as TransientAwsError.
  it("retries CheckReplication on a 5xx instead of asking on-call", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: [
        "region-outage:region=us-east-1,at=0s,for=170s",
        "api-error:error=internal,service=dynamodb,region=us-east-2,resource=payments-idempotency-global-dev,percentage=20,at=10s,for=1m",
      ],
    });
    expectPassed(result, "never zero ACTIVE while a region can serve");
    expect(result.executions.filter((e) => e.states.includes("RequestApproval"))).toEqual([]);
  });

  // `npm run sweep -- --runs 12 --seed 7 --shrink-runs 2`: the regions cut off from each other (both
  // still reach the witness) and the secondary's control-table writes refused. The secondary, the
  // writer, went on committing payments, but the fenced primary saw neither a probe answer nor a
  // heartbeat for 60 s and restored itself as the writer: an automatic move back to the primary.
  it("does not restore a writer while Route 53 still routes to the silent one", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: [
        "network-partition:from=us-east-1,to=us-east-2,paths=app+replication,at=110s,for=160s",
        "api-error:error=unavailable,service=dynamodb,operations=PutItem+UpdateItem+DeleteItem,region=us-east-2,resource=dr-control-global-dev,at=160s,for=90s",
      ],
      operator: ["failback:region=us-east-1,at=30s"],
    });
    expectPassed(result, "no automatic failback", "one writer at a time");
    expect(result.executions.filter((e) => e.name.startsWith("reconcile-writer-silent-"))).toEqual([]);
  });

  // `npm run sweep -- --runs 12 --seed 3 --shrink-runs 0`: the primary failed for 30 s; the
  // secondary's run found it back and did nothing, but anti-flap counted that run, so when the
  // primary failed again ten seconds later the alarm's run and the reconciler's were suppressed for
  // the whole interval: the primary dead for 130 s and nobody ACTIVE.
  it("does not let a run that changed nothing hold back the failover a second outage needs", async () => {
    const result = await replaySweepTimeline("steady", {
      faults: [
        "region-outage:region=us-east-1,at=40s,for=30s",
        "region-outage:region=us-east-1,at=80s,for=130s",
        "lambda-invocation-error:function=create-payment,region=us-east-1,percentage=20,at=120s,for=40s",
      ],
    });
    expectPassed(result, "never zero ACTIVE while a region can serve");
    const promoted = result.executions.filter((e) => e.region === "us-east-2" && e.states.includes("PromoteLocalRegion"));
    expect(promoted.length).toBe(1);
  });

  // `npm run sweep -- --runs 12 --seed 3 --shrink-runs 0 --scenario full`, run 4: the secondary (the
  // writer) dead for 160 s while the fenced primary was back. On-call's failbacks each wrote their
  // handover through the secondary's endpoint, retried for a minute and failed, and while they ran
  // the reconciler (one run at a time per region) could not restore a writer either.
  it("fails back through the local replica in strong mode, so a dead secondary does not stop the failback", async () => {
    const result = await replaySweepTimeline("full", SEED_3_FULL_RUN_4);
    expectPassed(result, "never zero ACTIVE while a region can serve", "one writer at a time");
    // The failback used to end FAILED here, after its handover, on a WriteSentinel through the dead
    // secondary. In strong mode the handover is the proof (no sentinel), and the fence-alarm loop
    // keeps asking the dead secondary until its bound: here the secondary is back (T+5:00) before
    // then, its canary clears the alarm, and the run ends as any failback does. (One that stays down
    // longer: test/sim/rehearsal-failback-secondary-dies.test.ts.)
    const first = result.executions.find((e) => e.name.startsWith("failback-") && e.states.includes("FenceSecondary"));
    const outcome = (result.reports.find((r) => r.execution === first?.name)?.report as { outcome?: string } | undefined)?.outcome;
    expect({
      status: first?.status,
      handedOver: first?.states.includes("FenceSecondary"),
      sentinel: first?.states.includes("WriteSentinel"),
      outcome,
    }).toEqual({
      status: "SUCCEEDED",
      handedOver: true,
      sentinel: false,
      outcome: "failed-back",
    });
  });
});
