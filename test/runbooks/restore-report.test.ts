/**
 * A drill's restore rehearsal in its evidence: the report's `restoreRehearsal` section (what was
 * restored, to when, how long until ACTIVE, what the check found, whether the scratch table is gone),
 * the Markdown, the evidence page's section and requirement mapping (PCI DSS 12.10.1 data backup and
 * 12.10.2, DORA Art. 12(2)), the verdict and the notifications — from execution states as the state
 * machine leaves them.
 */
import { composeNotification } from "../../runbooks/domain/notifications";
import { buildReport, renderReportMarkdown } from "../../runbooks/domain/report";
import { backupRestoreOf, renderReportHtml } from "../../runbooks/domain/report-html";
import type { RunState } from "../../runbooks/domain/steps";
import { at, drillState } from "./support/report-states";

const options = { now: at(1000), rpoSeconds: 60, rtoSeconds: 300, environment: "prod" };
const SCRATCH = "payments-restore-us-east-2-prod-manual-drill-20300304T090000Z-alice";
const timing = (step: string, s: number) => ({ step, startedAt: at(s) - 100, finishedAt: at(s) });
const counts = (before: number, after = 0, boundary = 0) => ({ total: before + after + boundary, before, after, boundary, other: 0 });

/** A drill that restored at +301 s (restore point 5 minutes earlier), saw ACTIVE at +931 s, checked at +940 s, deleted at +941 s. */
function restoredDrill(overrides: Partial<RunState["steps"]> = {}, error?: RunState["error"], extra: Partial<RunState> = {}): RunState {
  const state = drillState(
    {
      restoreStart: {
        Payload: {
          ...timing("start-restore", 301),
          table: "payments",
          sourceTable: "payments-global-prod",
          scratchTable: SCRATCH,
          region: "us-east-2",
          consistency: "strong",
          restorePoint: at(1),
          earliestRestorable: at(-86_400),
          latestRestorable: at(1.2),
          requestedAt: at(301),
          status: "CREATING",
          alreadyStarted: false,
        },
      },
      restoreStatus: {
        Payload: {
          ...timing("check-restore", 931),
          tableName: SCRATCH,
          status: "ACTIVE",
          active: true,
          checkedAt: at(931),
          lastNotActiveAt: at(901),
          activeAt: at(931),
        },
      },
      restoreVerify: {
        Payload: {
          ...timing("verify-restore", 940),
          done: true,
          passed: true,
          progress: null,
          summary:
            "1200 of 1200 payments acknowledged 60 s+ before the restore point restored, 0 written after it; 5 of 5 compared payments identical",
          problems: [],
          scratch: counts(1200, 0, 14),
          source: counts(1200, 331, 14),
          spotChecks: [
            {
              key: "pay_0000000000000000000000000A",
              acknowledgedAt: "2030-03-04T08:58:58.000Z",
              lastWrittenAt: "2030-03-04T08:58:59.000Z",
              result: "identical",
              differences: [],
            },
          ],
          itemsRead: 2759,
          pages: 4,
          checkedAt: at(940),
        },
      },
      restoreCleanup: {
        Payload: {
          ...timing("delete-scratch-table", 941),
          tableName: SCRATCH,
          deleted: true,
          status: "DELETING",
          detail: `${SCRATCH} deleted (DELETING)`,
        },
      },
      ...overrides,
    },
    error,
  );
  return { ...state, run: { ...state.run, restoreRehearsal: { table: "payments" } }, ...extra };
}

const page = (state: RunState) =>
  renderReportHtml({ report: buildReport(state, options), provenance: null, evidence: [], evidenceLocation: "s3://b/" });
const row = (html: string, name: string) => html.slice(html.indexOf(`<th scope="row">${name}</th>`)).split("</tr>")[0];

describe("a drill's restore rehearsal in its report", () => {
  it("records what was restored, to when, the time to ACTIVE, what the check found and that the scratch table is gone", () => {
    const report = buildReport(restoredDrill(), options);

    expect(report.restoreRehearsal).toEqual({
      result: "passed",
      table: "payments",
      region: "us-east-2",
      sourceTable: "payments-global-prod",
      scratchTable: SCRATCH,
      consistency: "strong",
      restorePoint: "2030-03-04T09:00:01.000Z",
      restorableWindow: { earliest: "2030-03-03T09:00:00.000Z", latest: "2030-03-04T09:00:01.200Z" },
      requestedAt: "2030-03-04T09:05:01.000Z",
      activeAt: "2030-03-04T09:15:31.000Z",
      lastSeenNotActiveAt: "2030-03-04T09:15:01.000Z",
      secondsToActive: 630,
      checks: {
        passed: true,
        summary: expect.stringContaining("1200 of 1200"),
        problems: [],
        copy: counts(1200, 0, 14),
        source: counts(1200, 331, 14),
        spotChecks: [expect.objectContaining({ result: "identical" })],
        itemsRead: 2759,
        pages: 4,
        checkedAt: "2030-03-04T09:15:40.000Z",
      },
      cleanup: { deleted: true, status: "DELETING", detail: `${SCRATCH} deleted (DELETING)`, command: null },
      error: null,
    });
    expect(report.evaluation.passed).toBe(true);
    expect(report.timeline.filter((t) => t.step === "restore-rehearsal").map((t) => t.event)).toEqual([
      `restore of payments-global-prod to 2030-03-04T09:00:01.000Z requested into ${SCRATCH}`,
      "scratch table ACTIVE (630 s after the request)",
      expect.stringMatching(/^restored copy checked: passed — 1200 of 1200/),
      `${SCRATCH} deleted (DELETING)`,
    ]);
    const md = renderReportMarkdown(report);
    expect(md).toContain("## Restore rehearsal");
    expect(md).toContain("| Restore point | 2030-03-04T09:00:01.000Z (restorable 2030-03-03T09:00:00.000Z to 2030-03-04T09:00:01.200Z) |");
    expect(md).toContain("| Payments acknowledged before the restore point | copy 1200, source 1200 |");
  });

  it("maps the restore to PCI DSS 12.10.1 data backup, 12.10.2 and DORA Art. 12(2) on the evidence page, with its figures in a section of their own", () => {
    const html = page(restoredDrill());

    expect(html).toContain('<section id="restore" aria-labelledby="h-restore">');
    expect(html).toContain("<caption>Restore rehearsal: a point-in-time copy restored, checked against its source and deleted");
    expect(row(html, "Time to ACTIVE")).toContain("630 s");
    expect(row(html, "PCI DSS v4.0.1 12.10.1 — data backup processes")).toContain('<td class="coverage exercised">exercised</td>');
    expect(row(html, "PCI DSS v4.0.1 12.10.1 — data backup processes")).toContain("an MRSC global table, the us-east-2 replica");
    expect(row(html, "PCI DSS v4.0.1 12.10.2")).toContain("data backup included (a restore of a backup, passed)");
    expect(row(html, "DORA Art. 12(2)")).toContain('<td class="coverage exercised">exercised</td>');
    expect(row(html, "DORA Art. 12(2)")).toContain("<li>report.json: restoreRehearsal</li>");
    expect(html).not.toContain("Not exercised: backup restore");
  });

  it("fails the drill's verdict, and says why, when the check found the copy wrong", () => {
    const state = restoredDrill(
      {
        restoreVerify: {
          Payload: {
            ...timing("verify-restore", 940),
            done: true,
            passed: false,
            progress: null,
            summary: "2 of 1200 payments ... are missing from the copy (1198 of 1200 ...)",
            problems: ["2 of 1200 payments acknowledged 60 s or more before the restore point are missing from the copy"],
            scratch: counts(1198),
            source: counts(1200),
            spotChecks: [],
            itemsRead: 2398,
            pages: 3,
            checkedAt: at(940),
          },
        },
      },
      { Error: "RestoreCheckFailedError", Cause: "2 of 1200 payments ... are missing from the copy" },
    );
    const report = buildReport(state, options);

    expect(report.restoreRehearsal).toMatchObject({
      result: "failed",
      error: { name: "RestoreCheckFailedError" },
      cleanup: { deleted: true },
    });
    expect(report.evaluation.passed).toBe(false);
    expect(report.evaluation.notes).toContain(
      "the restore rehearsal FAILED: RestoreCheckFailedError: 2 of 1200 payments ... are missing from the copy (1198 of 1200 ...)",
    );
    expect(backupRestoreOf(report)).toMatchObject({ passed: false, summary: expect.stringContaining("RestoreCheckFailedError") });
    expect(row(page(state), "PCI DSS v4.0.1 12.10.1 — data backup processes")).toContain("(FAILED)</td>");
    expect(row(page(state), "DORA Art. 12(2)")).toContain("(FAILED)");
    const failed = composeNotification("failed", state, options);
    expect(failed.subject).toBe("[payments-dr prod] drill in us-east-2: FAILED RestoreCheckFailedError");
    expect(failed.message).toContain("Restore rehearsal FAILED (RestoreCheckFailedError: 2 of 1200 payments");
    expect(failed.message).toContain("scratch table deleted.");
  });

  it("names a scratch table it could not delete, and the command that deletes it, in the report and the notification", () => {
    const command = `aws dynamodb delete-table --region us-east-2 --table-name ${SCRATCH}`;
    const state = restoredDrill(
      {
        restoreStatus: {
          Payload: {
            ...timing("check-restore", 14_701),
            tableName: SCRATCH,
            status: "CREATING",
            active: false,
            checkedAt: at(14_701),
            lastNotActiveAt: at(14_701),
            activeAt: null,
          },
        },
        restoreVerify: undefined,
        restoreCleanup: {
          Payload: {
            ...timing("delete-scratch-table", 14_702),
            tableName: SCRATCH,
            deleted: false,
            status: "CREATING",
            detail: `${SCRATCH} is CREATING and cannot be deleted yet; delete it once it is ACTIVE: ${command}`,
            command,
          },
        },
      },
      { Error: "RestoreRehearsalFailedError", Cause: "The restore rehearsal stopped: RestoreNotActiveError" },
      { restoreError: { Error: "RestoreNotActiveError", Cause: `The scratch table ${SCRATCH} was still CREATING after 480 checks` } },
    );
    const report = buildReport(state, options);

    expect(report.restoreRehearsal).toMatchObject({
      result: "failed",
      secondsToActive: null,
      checks: null,
      cleanup: { deleted: false, command },
      error: { name: "RestoreNotActiveError" },
    });
    expect(report.evaluation.notes).toContain(
      `the scratch table was NOT deleted: ${SCRATCH} is CREATING and cannot be deleted yet; delete it once it is ACTIVE: ${command}`,
    );
    const failed = composeNotification("failed", state, options);
    expect(failed.message).toContain(`The scratch table is still there: once it is ACTIVE, run ${command}`);
    expect(row(page(state), "Scratch table deleted")).toContain("NO");
  });

  it("says the rehearsal did not run when the drill failed before it, and counts no backup restore as exercised", () => {
    const state = restoredDrill(
      { restoreStart: undefined, restoreStatus: undefined, restoreVerify: undefined, restoreCleanup: undefined, peerExecution: undefined },
      { Error: "PeerFailbackTimedOutError", Cause: "still running" },
    );
    const report = buildReport(state, options);

    expect(report.restoreRehearsal).toMatchObject({ result: "not-run", restorePoint: null, checks: null, cleanup: null, error: null });
    expect(report.evaluation.notes).toContain("the restore rehearsal asked for did not run: the drill failed before it");
    expect(backupRestoreOf(report)).toBeNull();
    expect(page(state)).toContain("Not exercised: backup restore");
  });

  it("renders a report written before the restore rehearsal existed (no restoreRehearsal field)", () => {
    const report = buildReport(drillState(), options);
    delete report.restoreRehearsal;

    expect(backupRestoreOf(report)).toBeNull();
    expect(renderReportHtml({ report, provenance: null, evidence: [], evidenceLocation: "s3://b/" })).not.toContain('id="restore"');
    expect(renderReportMarkdown(report)).not.toContain("## Restore rehearsal");
  });
});
