/**
 * The rehearsal's evidence (sim/rehearsal/evidence.ts) from a small rehearsal result: what it
 * tells the page it observed, and the files it writes next to each runbook report. The whole path
 * — a scenario rehearsed, its page rendered in Chromium — is test/sim/report-browser.test.ts.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildManifest, isEvidenceManifest } from "../../runbooks/domain/evidence-manifest";
import { buildReport, type DrReport } from "../../runbooks/domain/report";
import { provenanceFromState } from "../../runbooks/domain/report-provenance";
import { observedRun, writeEvidence } from "../../sim/rehearsal/evidence";
import type { RehearsalResult } from "../../sim/rehearsal/runner";
import { approvedFailoverState, at } from "../runbooks/support/report-states";

const runtime = {
  functionName: "write-report-us-east-2-dev",
  functionVersion: "$LATEST",
  codeFile: null,
  environment: "dev",
  rpoSeconds: 60,
  rtoSeconds: 300,
  evidenceBucket: "b",
};
const failover = buildReport(approvedFailoverState(), { now: at(125), rpoSeconds: 60, rtoSeconds: 300, environment: "dev" });
/** The failback that followed, in us-east-1 (only what the evidence reads of it differs). */
const failback: DrReport = {
  ...failover,
  execution: {
    ...failover.execution,
    name: "failback-1",
    mode: "failback",
    region: "us-east-1",
    startedAt: new Date(at(200)).toISOString(),
    finishedAt: new Date(at(260)).toISOString(),
  },
  regions: { ...failover.regions, activated: "us-east-1", peer: "us-east-2" },
};

function result(): RehearsalResult {
  const attempt = (s: number, region: string, outcome: number | string) => ({ at: at(s), region, outcome });
  return {
    scenario: "full",
    origin: at(-60),
    figures: {
      acknowledged: 4,
      acknowledgedPaymentsLost: 0,
      duplicatePayments: 0,
      writesAfterDemotion: 0,
      unreplicatedWindowSeconds: 0.9,
      unreplicatedPaymentsAtOutage: 3,
    },
    availability: [
      { at: at(-40), region: "us-east-1", up: false },
      { at: at(150), region: "us-east-1", up: true },
    ],
    timeline: [
      { at: at(-50), where: "route53", kind: "dns", text: "api.payments.example.com now answers us-east-1" },
      { at: at(-5), where: "route53", kind: "dns", text: "api.payments.example.com now answers us-east-2" },
    ],
    acks: [
      { at: at(-59), region: "us-east-1" },
      { at: at(-57), region: "us-east-1" },
      { at: at(-30), region: "us-east-2" },
      { at: at(-28), region: "us-east-2" },
    ],
    attempts: [
      attempt(-59, "us-east-1", 202),
      attempt(-57, "us-east-1", 202),
      attempt(-38, "us-east-1", "connection-error"),
      attempt(-30, "us-east-2", 202),
      attempt(-25, "us-east-2", 503),
      attempt(-28, "us-east-2", 202),
    ],
    notifications: [
      { at: at(0), region: "us-east-2", subject: "started", message: "" },
      { at: at(125), region: "us-east-2", subject: "succeeded", message: "" },
      { at: at(200), region: "us-east-1", subject: "failback", message: "" },
    ],
    reports: [
      {
        region: "us-east-2",
        execution: failover.execution.name,
        report: failover as unknown as Record<string, unknown>,
        manifest: buildManifest({
          execution: { name: failover.execution.name, id: failover.execution.id, region: "us-east-2", mode: "failover" },
          generatedAt: failover.generatedAt,
          simulated: false,
          provenance: provenanceFromState(approvedFailoverState(), runtime),
          files: [],
        }) as unknown as Record<string, unknown>,
      },
      { region: "us-east-1", execution: "failback-1", report: failback as unknown as Record<string, unknown> },
    ],
  } as unknown as RehearsalResult;
}

describe("what the rehearsal tells the evidence page it observed", () => {
  it("finds the peer's outage, DNS as clients resolved it, the first acknowledgement in the activated region and the failback that followed", () => {
    const seen = observedRun(result(), failover, [failover, failback]);

    expect(seen.outage).toEqual({ region: "us-east-1", at: new Date(at(-40)).toISOString(), recoveredAt: new Date(at(150)).toISOString() });
    expect(seen.dnsAnsweredAt).toBe(new Date(at(-5)).toISOString());
    expect(seen.firstAckAt).toBe(new Date(at(-30)).toISOString());
    // DNS answered us-east-2 35 s after the outage, after the first acknowledgement there (a client's cache).
    expect(seen.clientRtoSeconds).toBe(35);
    expect(seen.failback).toEqual({
      execution: "failback-1",
      region: "us-east-1",
      startedAt: failback.execution.startedAt,
      endedAt: failback.execution.finishedAt,
      status: "SUCCEEDED",
    });
    expect(seen.unreplicatedAtOutage).toEqual({ seconds: 0.9, payments: 3 });
    expect(seen.gaps).toEqual([{ from: new Date(at(-57)).toISOString(), seconds: 27 }]);
    expect(seen.notificationsSent).toBe(2);
  });

  it("counts attempts per region and bucket: HTTP 202 acknowledged, anything else failed", () => {
    const traffic = observedRun(result(), failover, [failover])?.traffic;

    expect(traffic?.bucketSeconds).toBe(5);
    expect(traffic?.from).toBe(new Date(at(-60)).toISOString());
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(traffic?.regions.map((r) => [r.region, sum(r.acknowledged), sum(r.failed)])).toEqual([
      ["us-east-1", 2, 1],
      ["us-east-2", 2, 1],
    ]);
    expect(traffic?.regions[0].failed[4]).toBe(1); // at −38 s: the fifth 5-second bucket from −60 s
  });

  it("sees no outage of the peer for a failback (its outage start is its fence)", () => {
    expect(observedRun(result(), failback, [failover, failback]).outage).toBeNull();
  });
});

describe("the files the rehearsal writes for each runbook report", () => {
  it("writes report.html and manifest.json next to report.json and report.md, marked simulated, with the digests of what it wrote", () => {
    const root = mkdtempSync(join(tmpdir(), "rehearsal-evidence-"));
    try {
      const { dir, files } = writeEvidence(result(), {}, undefined, root);
      const folder = join(dir, "us-east-2", "reports", failover.execution.name);

      expect(files.filter((f) => f.startsWith(folder)).map((f) => f.slice(folder.length + 1))).toEqual([
        "report.json",
        "report.md",
        "report.html",
        "manifest.json",
      ]);
      const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8"));
      expect(isEvidenceManifest(manifest)).toBe(true);
      expect(manifest.simulated).toBe(true);
      for (const f of manifest.files) {
        expect([f.name, f.sha256]).toEqual([
          f.name,
          createHash("sha256")
            .update(readFileSync(join(folder, f.name)))
            .digest("hex"),
        ]);
      }
      const page = readFileSync(join(folder, "report.html"), "utf8");
      expect(page).toContain("<title>SIMULATED — DR failover evidence");
      expect(page).toContain("<dt>Approved by</dt><dd>alice@example.com (approved)</dd>");
      expect(page).toMatch(/<tr><th scope="row">Commit<\/th><td class="mono">(?:[0-9a-f]{40}|<span class="missing">)/);
      expect(page).toContain("Failback: us-east-1 active again");
      // A report without a manifest in the simulated bucket still gets its page, saying what it does not know.
      expect(readFileSync(join(dir, "us-east-1", "reports", "failback-1", "report.html"), "utf8")).toContain(
        "Started by</dt><dd>not recorded",
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
