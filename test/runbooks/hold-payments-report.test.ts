/**
 * The drill's payment check in the evidence: report.json `holdPayments` (each result the step can
 * leave), the verdict it feeds, the Markdown and the evidence page's "what was exercised".
 */
import { buildReport, renderReportMarkdown } from "../../runbooks/domain/report";
import { renderReportHtml } from "../../runbooks/domain/report-html";
import type { RunState } from "../../runbooks/domain/steps";
import { at, drillState, failedDrillState } from "./support/report-states";

const options = { now: at(305), rpoSeconds: 60, rtoSeconds: 300, environment: "prod" };
type HoldPayload = NonNullable<RunState["steps"]["holdPayments"]>["Payload"];
const hold = (patch: Partial<HoldPayload>): RunState => {
  const base = drillState();
  return drillState({ holdPayments: { Payload: { ...(base.steps.holdPayments?.Payload as HoldPayload), ...patch } } });
};
const failedWith = (state: RunState, name: string, message: string): RunState => ({ ...state, error: { Error: name, Cause: message } });
const page = (state: RunState) =>
  renderReportHtml({ report: buildReport(state, options), provenance: null, evidence: [], evidenceLocation: "s3://evidence/reports/" });

describe("the report's payment check (holdPayments)", () => {
  it("passes a drill whose secondary took payments, with the figures", () => {
    const r = buildReport(drillState(), options);
    expect(r.holdPayments).toMatchObject({
      result: "passed",
      region: "us-east-2",
      counts: { accepted: 118, failed: 1, refused: 0, redirected: 0 },
      failurePercent: 0.84,
      policy: { allowNoTraffic: false, maxFailurePercent: 1 },
      error: null,
    });
    expect(r.evaluation.passed).toBe(true);
    expect(r.decisions.find((d) => d.step === "CheckHoldPayments")?.decision).toBe("fail back, drill continues");
    const md = renderReportMarkdown(r);
    expect(md).toContain("## Payments during the hold");
    expect(md).toContain("| Accepted (202, PaymentAccepted) | 118 |");
  });

  it("fails the verdict of a drill whose check failed, naming the error", () => {
    const message = "us-east-2 could not take 52 of 52 payments during the hold (100 %; …); it accepted none";
    const state = failedWith(
      hold({
        passed: false,
        basis: "failed",
        counts: { accepted: 0, failed: 52, refused: 0, redirected: 0 },
        unsuccessful: 52,
        failurePercent: 100,
        error: { name: "DrillPaymentsFailedError", message },
      }),
      "DrillPaymentsFailedError",
      message,
    );
    const r = buildReport(state, options);
    expect(r.holdPayments).toMatchObject({ result: "failed", error: { name: "DrillPaymentsFailedError", cause: message } });
    expect(r.evaluation.passed).toBe(false);
    expect(r.evaluation.notes.join("\n")).toContain("payments during the hold in us-east-2: FAILED");
    expect(renderReportMarkdown(r)).toContain("**FAILED** — `DrillPaymentsFailedError`");
  });

  it("says an unproven hold passed only as allowed, and lists the payment path as not exercised", () => {
    const state = hold({
      basis: "no-traffic-allowed",
      counts: { accepted: 0, failed: 0, refused: 0, redirected: 0 },
      unsuccessful: 0,
      failurePercent: null,
      policy: { allowNoTraffic: true, maxFailurePercent: 1 },
    });
    const r = buildReport(state, options);
    expect(r.holdPayments?.result).toBe("unproven");
    expect(r.evaluation.passed).toBe(true);
    expect(r.evaluation.notes.join("\n")).toContain("was not proven");
    const html = page(state);
    expect(html).toContain("Not proven: no payment reached us-east-2 during the hold");
    expect(html).toMatch(/Art\. 12\(4\)<\/th><td>[^<]*<\/td><td class="coverage partly-exercised">/);
    expect(html).toContain("The payment path in us-east-2: no payment reached it during the hold");
  });

  it("records a check that could not run as not checked", () => {
    const state = failedWith(
      drillState({
        holdPayments: {
          Payload: {
            checked: false,
            passed: false,
            error: { name: "DrillPaymentsUncheckedError", message: "CheckHoldPayments failed (AccessDeniedException)" },
          },
        },
      }),
      "DrillPaymentsUncheckedError",
      "CheckHoldPayments failed (AccessDeniedException)",
    );
    expect(buildReport(state, options).holdPayments).toMatchObject({ result: "not-checked", counts: null, window: null });
  });

  it("says not run for a drill that ended before the hold, and fails a drill report without the check", () => {
    expect(buildReport(failedDrillState(), options).holdPayments?.result).toBe("not-run");
    const { holdPayments: _h, ...steps } = drillState().steps;
    const r = buildReport({ ...drillState(), steps }, options);
    expect(r.holdPayments?.result).toBe("not-run");
    expect(r.evaluation.passed).toBe(false);
  });

  it("names the check with its figures in the page's requirement row for redundant capacity (DORA Art. 12(4))", () => {
    const html = page(drillState());
    expect(html).toContain('<section id="hold-payments"');
    expect(html).toMatch(/Art\. 12\(4\)<\/th><td>[^<]*<\/td><td class="coverage exercised">/);
    expect(html).toContain(
      "us-east-2 took payments while it held the traffic: 118 accepted, 1 failed (500), 0 refused (503), 0 redirected, as its payment path reported them to CloudWatch (0.84 % could not be taken; at most 1 %): passed.",
    );
  });

  it("does not report a payment check for other modes", () => {
    const state = drillState();
    expect(buildReport({ ...state, run: { ...state.run, mode: "failover", checkMode: "failover" } }, options).holdPayments).toBeNull();
  });
});
