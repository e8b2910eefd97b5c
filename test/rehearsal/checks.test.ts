/**
 * The rehearsal's own checks must be able to fail: a lost acknowledged payment, a double charge,
 * a write accepted by a demoted region and a missed objective each turn the verdict red.
 */
import { commonChecks, objectiveChecks, passed } from "../../runbooks/rehearsal/checks";
import type { Figures } from "../../runbooks/rehearsal/figures";

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
  stillRetrying: 0,
  clientErrors: 0,
  notificationsSent: 5,
  alarmNotifications: 3,
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

  it("fail when a payment is left PENDING", () => {
    expect(verdictOf({ ...clean, notSettled: { "us-east-2": 2 } }, "every payment settled")).toBe("fail");
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
