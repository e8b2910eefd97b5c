/**
 * The rehearsal's own checks must be able to fail: a lost acknowledged payment, a double charge,
 * a write accepted by a demoted region, DNS sending clients to the STANDBY region after a
 * failback, and a missed objective each turn the verdict red.
 */
import {
  commonChecks,
  everyScenarioKnownFailures,
  markKnown,
  objectiveChecks,
  passed,
  paymentsResumeCheck,
  plannedMoveCheck,
} from "../../sim/rehearsal/checks";
import { misdirectedAnswers } from "../../sim/rehearsal/dns-after-failback";
import { longestSilenceMs } from "../../sim/rehearsal/invariants";
import type { Figures } from "../../sim/rehearsal/figures";

const clean: Figures = {
  outageStartedAt: 0,
  dnsMovedAt: 30_000,
  firstSecondaryAckAt: 60_000,
  rtoSeconds: 60,
  runbook: null,
  rpoExposureSeconds: 2,
  unreplicatedWindowSeconds: 1,
  unreplicatedPaymentsAtOutage: 2,
  acknowledged: 500,
  acknowledgedPaymentsLost: 0,
  lostPaymentIds: [],
  duplicatePayments: 0,
  conflictingCreations: 0,
  writesAfterDemotion: 0,
  replicasConverged: true,
  activeRegions: ["us-east-2"],
  notSettled: {},
  awaitingFailback: {},
  unlogged: {},
  logAwaitingRegion: {},
  stillRetrying: 0,
  clientErrors: 0,
  notificationsSent: 5,
  alarmNotifications: 3,
  failbackCompletedAt: null,
  misdirectedDnsAfterFailback: [],
  awsCalls: 1000,
  judgedIn: "us-east-2",
  longestZeroActiveSeconds: 12,
  longestTwoActiveSeconds: 0,
  writesWithinDemotedBound: 0,
  demotedWriteBoundSeconds: 6,
  activeAtEnd: ["us-east-2"],
  unfinishedRuns: [],
  unnotifiedRuns: [],
  automaticFailbacks: [],
  plannedMoves: [],
  longestWithoutAcknowledgementSeconds: 64.6,
  iamDenials: [],
  failedAlarmActions: [],
};
const objectives = { rpoSeconds: 60, rtoSeconds: 300 };
const verdictOf = (f: Figures, name: string) => commonChecks(f).find((c) => c.name === name)?.verdict;

describe("the rehearsal's checks", () => {
  it("pass on a clean run", () => {
    expect(passed([...commonChecks(clean), ...objectiveChecks(clean, objectives, { rto: true, rpo: true })])).toBe(true);
  });

  it("fail when an acknowledged payment is missing from the surviving table", () => {
    const f = { ...clean, acknowledgedPaymentsLost: 1, lostPaymentIds: ["pay_X"] };
    expect(verdictOf(f, "no acknowledged payment lost")).toBe("fail");
    expect(passed(commonChecks(f))).toBe(false);
  });

  it("fail when a payment was settled twice", () => {
    expect(verdictOf({ ...clean, duplicatePayments: 1 }, "no duplicate payment")).toBe("fail");
  });

  it("fail when a demoted region accepted a payment (split brain)", () => {
    expect(verdictOf({ ...clean, writesAfterDemotion: 3 }, "one writer at a time")).toBe("fail");
  });

  it("fail when IAM denied a call or a delivery, naming it", () => {
    const denial =
      "User: arn:aws:sts::123456789012:assumed-role/promote-local-us-east-2-dev/promote-local-us-east-2-dev is not authorized to perform: dynamodb:PutItem";
    const f = { ...clean, iamDenials: [denial] };
    expect(verdictOf(f, "IAM allowed every call and delivery")).toBe("fail");
    expect(commonChecks(f).find((c) => c.name === "IAM allowed every call and delivery")?.detail).toContain(denial);
  });

  it("fail when an alarm notification was lost", () => {
    expect(
      verdictOf(
        { ...clean, failedAlarmActions: ["peer-health → dr-alerts: kms:GenerateDataKey denied"] },
        "every alarm notification delivered",
      ),
    ).toBe("fail");
  });

  it("fail when a payment is left PENDING in a region that may serve", () => {
    expect(verdictOf({ ...clean, notSettled: { "us-east-2": 2 } }, "every payment settled where its region may serve")).toBe("fail");
  });

  it("pass, and say so, when PENDING payments wait for failback in a fenced region", () => {
    const figures = { ...clean, awaitingFailback: { "us-east-1": 1 } };
    expect(verdictOf(figures, "every payment settled where its region may serve")).toBe("pass");
    const check = commonChecks(figures).find((c) => c.name === "every payment settled where its region may serve");
    expect(check?.detail).toContain("held by a region that is fenced or down until it returns (by design, not lost): us-east-1 1");
  });

  it("fail when an acknowledged payment's transaction-log entries are missing in a region that is up, and pass while its region is down", () => {
    const name = "every acknowledged payment in the transaction log";
    expect(verdictOf(clean, name)).toBe("pass");
    expect(verdictOf({ ...clean, unlogged: { "us-east-1": 3 } }, name)).toBe("fail");
    const waiting = commonChecks({ ...clean, logAwaitingRegion: { "us-east-1": 2 } }).find((c) => c.name === name);
    expect(waiting?.verdict).toBe("pass");
    expect(waiting?.detail).toContain(
      "waiting in a region that is down until it returns (not lost: its queue and stream hold them): us-east-1 2",
    );
  });

  it("hold DNS to the writer after a failback, and leave the check n/a without one", () => {
    const name = "DNS answers the writer after the failback";
    expect(verdictOf(clean, name)).toBe("n/a");
    expect(verdictOf({ ...clean, failbackCompletedAt: 300_000 }, name)).toBe("pass");

    const f = {
      ...clean,
      failbackCompletedAt: 300_000,
      misdirectedDnsAfterFailback: [{ from: 327_900, to: 332_900, answered: "us-east-2", state: "STANDBY", writer: "us-east-1" }],
    };
    expect(verdictOf(f, name)).toBe("fail");
    expect(commonChecks(f).find((c) => c.name === name)?.detail).toBe(
      "api answered us-east-2 (STANDBY) from 27.9 s after the failback for 5 s, while us-east-1 was ACTIVE",
    );
    expect(passed(commonChecks(f))).toBe(false);
  });

  it("hold the RTO to the objective and to DESIGN's 120 s target separately", () => {
    const slow = objectiveChecks({ ...clean, rtoSeconds: 150 }, objectives, { rto: true, rpo: true });
    expect(slow.map((c) => c.verdict)).toEqual(["pass", "fail", "pass"]);
  });

  it("fail an RTO that was never reached, and leave measures that do not apply as n/a", () => {
    expect(objectiveChecks({ ...clean, rtoSeconds: null }, objectives, { rto: true, rpo: true })[0].verdict).toBe("fail");
    const na = objectiveChecks({ ...clean, rtoSeconds: null }, objectives, { rto: "DNS could not move", rpo: "degraded on purpose" });
    expect(na.map((c) => c.verdict)).toEqual(["n/a", "n/a", "n/a"]);
    expect(passed(na)).toBe(true);
  });
});

describe("DNS answers after a failback", () => {
  const P = "us-east-1";
  const S = "us-east-2";
  // The full scenario before the fence-alarm wait (times in seconds): the failback fenced the
  // secondary at 225, promoted the primary at 237, Route 53 failed open to the primary at 258.8,
  // the failback marked the secondary STANDBY and ended at 267.2, the secondary's endpoint check
  // passed again at 295.1 while the primary's guard still waited for the fence alarm (300.1).
  const history = {
    answers: [
      { at: 63_500, region: S },
      { at: 258_800, region: P },
      { at: 295_100, region: S },
      { at: 300_100, region: P },
    ],
    records: [
      { at: 60_000, region: P, state: "FENCED" },
      { at: 74_000, region: S, state: "ACTIVE" },
      { at: 225_000, region: S, state: "FENCED" },
      { at: 237_100, region: P, state: "ACTIVE" },
      { at: 267_200, region: S, state: "STANDBY" },
    ],
    availability: [
      { at: 30_000, region: P, up: false },
      { at: 135_000, region: P, up: true },
    ],
  };

  it("finds the STANDBY secondary answering while the primary was ACTIVE, with when and for how long", () => {
    expect(misdirectedAnswers(267_200, 360_000, history)).toEqual([
      { from: 295_100, to: 300_100, answered: S, state: "STANDBY", writer: P },
    ]);
  });

  it("finds nothing once DNS stays with the primary (the failback waited for the fence alarm)", () => {
    const fixed = { ...history, answers: history.answers.filter((a) => a.at !== 295_100 && a.at !== 300_100) };
    expect(misdirectedAnswers(267_200, 360_000, fixed)).toEqual([]);
  });

  it("counts an answer already wrong when the failback ended, open until the end", () => {
    const stuck = { ...history, answers: [{ at: 63_500, region: S }] };
    expect(misdirectedAnswers(300_000, 360_000, stuck)).toEqual([{ from: 300_000, to: null, answered: S, state: "STANDBY", writer: P }]);
  });

  it("does not blame DNS for answering the standby while the ACTIVE region is down (that is failover working)", () => {
    const outage = { ...history, availability: [...history.availability, { at: 290_000, region: P, up: false }] };
    expect(misdirectedAnswers(267_200, 360_000, outage)).toEqual([]);
  });

  it("ignores what happened before the failback completed", () => {
    expect(misdirectedAnswers(301_000, 360_000, history)).toEqual([]);
  });

  it("stops at the next transition: DNS following a later failover is that run's RTO, not the failback's", () => {
    // After the clean failback (DNS with the primary from 300.1), a failover fences the primary at
    // 400 and promotes the secondary at 414; Route 53 moves at 430.
    const later = {
      ...history,
      answers: [...history.answers.filter((a) => a.at !== 295_100), { at: 430_000, region: S }],
      records: [...history.records, { at: 400_000, region: P, state: "FENCED" }, { at: 414_000, region: S, state: "ACTIVE" }],
    };
    expect(misdirectedAnswers(301_000, 500_000, later)).toEqual([]);
    // Had that failover been the failback itself (no transition after the window opens), the same
    // 16 s of answers would be counted.
    expect(misdirectedAnswers(414_000, 500_000, later)).toEqual([{ from: 414_000, to: 430_000, answered: P, state: "FENCED", writer: S }]);
  });

  it("closes a stretch still open when the next transition comes, and ignores a transition at the failback's own last moment", () => {
    const cutShort = { ...history, records: [...history.records, { at: 296_000, region: P, state: "DRAINED" }] };
    expect(misdirectedAnswers(267_200, 500_000, cutShort)).toEqual([
      { from: 295_100, to: 296_000, answered: S, state: "STANDBY", writer: P },
    ]);
    // A failover that fenced the primary in the same millisecond the failback ended, and promoted
    // the secondary 10 s later: DNS answering the fenced primary meanwhile is that failover's.
    const race = {
      answers: [{ at: 0, region: P }],
      records: [
        { at: 120_100, region: P, state: "FENCED" },
        { at: 130_200, region: S, state: "ACTIVE" },
      ],
      availability: [],
    };
    expect(misdirectedAnswers(120_100, 200_000, race)).toEqual([]);
  });
});

describe("a planned move costs clients at most 5 s", () => {
  it("is n/a without a completed failback or drill, passes at 5 s and fails beyond", () => {
    expect(plannedMoveCheck({ plannedMoves: [] }).verdict).toBe("n/a");
    expect(plannedMoveCheck({ plannedMoves: [{ name: "failback-1", longestGapSeconds: 5 }] }).verdict).toBe("pass");
    const slow = plannedMoveCheck({
      plannedMoves: [
        { name: "drill-1", longestGapSeconds: 30.5 },
        { name: "drill-1-failback", longestGapSeconds: 1.2 },
      ],
    });
    expect(slow).toMatchObject({ verdict: "fail", detail: expect.stringContaining("drill-1 30.5 s") });
    expect(passed([slow])).toBe(false);
  });

  it("is held in both modes: eventual mode's planned moves announce the handover and no longer declare it a known failure", () => {
    // Until issue 16's ≤ 5 s handover, eventual mode declared it known in every scenario (a slow
    // failback passed there); now a slow planned move fails in either mode.
    const slow = plannedMoveCheck({ plannedMoves: [{ name: "failback-1", longestGapSeconds: 31.8 }] });
    const mode = (dataConsistency: string) =>
      ({ tables: [{ name: "t", hashKey: "pk", regions: [], streamEnabled: false, consistency: dataConsistency }] }) as never;
    expect(passed(markKnown([slow], everyScenarioKnownFailures(mode("EVENTUAL"))))).toBe(false);
    expect(passed(markKnown([slow], everyScenarioKnownFailures(mode("STRONG"))))).toBe(false);
  });
});

describe("clients get an acknowledgement again within the RTO objective", () => {
  it("passes below the objective and fails at it", () => {
    expect(paymentsResumeCheck({ longestWithoutAcknowledgementSeconds: 299.9 }, 300).verdict).toBe("pass");
    expect(paymentsResumeCheck({ longestWithoutAcknowledgementSeconds: 393.8 }, 300)).toMatchObject({
      verdict: "fail",
      detail: expect.stringContaining("393.8 s"),
    });
  });
});

describe("the longest stretch without an acknowledgement", () => {
  it("is the widest gap between two acknowledgements when every request was acknowledged", () => {
    expect(longestSilenceMs([1_000, 2_000, 9_000, 9_500], 0, 60_000, false)).toBe(7_000);
  });

  it("runs to the end while requests are still retrying: payments that stopped for good are not a 1 s gap", () => {
    expect(longestSilenceMs([1_000, 2_000, 3_300], 0, 600_000, true)).toBe(596_700);
    expect(longestSilenceMs([], 5_000, 65_000, true)).toBe(60_000);
  });
});
