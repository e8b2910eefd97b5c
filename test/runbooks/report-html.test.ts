/**
 * The evidence page (runbooks/domain/report-html.ts) from real run reports (built by the real
 * report builder from execution states): what it draws, what it says was and was not measured
 * and exercised, who ran it, the digests, and its markup. The browser's rendering is tested in
 * test/sim/report-browser.test.ts.
 *
 * What this cannot prove: that a browser lays it out legibly (that test looks), or that the
 * requirement paraphrases satisfy an assessor (a person reads them).
 */
import { createHash } from "node:crypto";
import { buildManifest, describeFile, isEvidenceManifest, sha256sumLines } from "../../runbooks/domain/evidence-manifest";
import { buildReport, type DrReport, renderReportMarkdown } from "../../runbooks/domain/report";
import {
  type ObservedRun,
  PHASE_COLOURS,
  PHASES,
  phasesOf,
  type ReportPageInput,
  renderReportHtml,
} from "../../runbooks/domain/report-html";
import { provenanceFromState, stateMachineArnOf } from "../../runbooks/domain/report-provenance";
import type { RunState } from "../../runbooks/domain/steps";
import { approvedFailoverState, at, drillState, failedDrillState } from "./support/report-states";

const options = { now: at(305), rpoSeconds: 60, rtoSeconds: 300, environment: "prod" };
const runtime = {
  functionName: "write-report-us-east-2-prod",
  functionVersion: "$LATEST",
  codeFile: { name: "index.js", sha256: "a".repeat(64) },
  environment: "prod",
  rpoSeconds: 60,
  rtoSeconds: 300,
  evidenceBucket: "dr-evidence-us-east-2-prod-123456789012",
};

function pageInput(state: RunState, extra: Partial<ReportPageInput> = {}): ReportPageInput {
  const report = buildReport(state, options);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  return {
    report,
    provenance: provenanceFromState(state, runtime),
    evidence: [
      describeFile("report.json", `reports/${report.execution.name}/report.json`, json, "v1"),
      describeFile("report.md", `reports/${report.execution.name}/report.md`, renderReportMarkdown(report), "v2"),
    ],
    evidenceLocation: `s3://${runtime.evidenceBucket}/reports/${report.execution.name}/`,
    ...extra,
  };
}

/** The SVG's phase groups: id → the group's markup. */
function phaseGroups(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<g data-phase="([a-z-]+)">(.*?)<\/g>/g)].map((m) => [m[1], m[2]]));
}

const iso = (s: number) => new Date(at(s)).toISOString();

/** What the rehearsal adds for a drill: traffic in 10 s buckets, one gap, the first acknowledgement in us-east-2. */
const observed: ObservedRun = {
  source: "the rehearsal's simulated clients and world",
  outage: null,
  dnsAnsweredAt: iso(93),
  firstAckAt: iso(95),
  clientRtoSeconds: 93,
  failback: null,
  payments: { acknowledged: 500, lost: 0, duplicated: 0, acceptedByDemotedRegion: 0 },
  unreplicatedAtOutage: null,
  gaps: [{ from: iso(2), seconds: 30.2 }],
  gapThresholdSeconds: 5,
  notificationsSent: 6,
  traffic: {
    from: iso(-30),
    bucketSeconds: 10,
    regions: [
      {
        region: "us-east-1",
        acknowledged: [20, 20, 20, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20],
        failed: [0, 0, 0, 5, 4, 3],
      },
      { region: "us-east-2", acknowledged: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 20, 20, 20, 20, 20, 20, 20, 5, 0], failed: [] },
    ],
  },
};

describe("the evidence page's timeline picture", () => {
  it("draws every phase of a drill at its time: drain, detection, DNS shift, failback", () => {
    const input = pageInput(drillState());
    const phases = phasesOf(input);
    const groups = phaseGroups(renderReportHtml(input));

    expect(phases.map((p) => [p.id, p.start === null ? null : new Date(p.start).toISOString()])).toEqual([
      ["outage", iso(2)],
      ["detection", iso(17)],
      ["dns-shift", iso(92)],
      ["first-ack", null],
      ["failback", iso(160)],
    ]);
    expect([...groups.keys()]).toEqual([...PHASES]);
    for (const id of ["outage", "detection", "dns-shift", "failback"]) {
      expect(groups.get(id)).toContain(`class="marker"`);
      expect(groups.get(id)).toContain(`fill="${PHASE_COLOURS[id as keyof typeof PHASE_COLOURS]}"`);
    }
    expect(groups.get("outage")).toContain("Drain: us-east-1 drained on purpose (drill)");
    // A band from the failback's start to its end, not a point.
    expect(phases.find((p) => p.id === "failback")?.end).toBe(at(290));
  });

  it("says a real run's first acknowledged payment and traffic were not measured, and draws no marker for them", () => {
    const html = renderReportHtml(pageInput(drillState()));

    expect(phaseGroups(html).get("first-ack")).not.toContain("marker");
    expect(phaseGroups(html).get("first-ack")).toContain("not measured: the runbook sends no payments");
    expect(html).toContain("Not measured by the runbook: a real run sends no payments of its own.");
    expect(html).not.toContain("data-traffic=");
  });

  it("puts each runbook step of the report on a row of its own", () => {
    const input = pageInput(drillState());
    const html = renderReportHtml(input);
    const steps = [...html.matchAll(/<g data-step="([^"]+)">/g)].map((m) => m[1]);

    expect(steps).toEqual(input.report.timeline.map((t) => t.step));
    expect(steps).toEqual(expect.arrayContaining(["drain", "detection", "promote", "dns", "peer-failback"]));
  });

  it("draws traffic per region from what the rehearsal observed, with the same data in a table", () => {
    const html = renderReportHtml(pageInput(drillState(), { observed }));
    const groups = phaseGroups(html);

    expect(groups.get("first-ack")).toContain(`fill="${PHASE_COLOURS["first-ack"]}"`);
    expect([...html.matchAll(/<g data-traffic="([^"]+)">/g)].map((m) => m[1])).toEqual(["us-east-1", "us-east-2"]);
    expect(html).toContain("us-east-1: 92 acknowledged, 12 failed attempts");
    const table = html.slice(html.indexOf("The chart's data"), html.indexOf("</table>", html.indexOf("The chart's data")));
    expect(table.match(/<tr><th scope="row">/g)).toHaveLength(22);
    expect(table).toContain(
      '<tr><th scope="row">+1:28</th><td class="num">0</td><td class="num">0</td><td class="num">15</td><td class="num">0</td></tr>',
    );
  });

  it("describes the picture in words for those who cannot see it: a title, a description and a table", () => {
    const html = renderReportHtml(pageInput(drillState()));
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));

    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="timeline-title timeline-desc"/);
    expect(svg).toContain('<title id="timeline-title">Timeline of drill manual-drill-20300304T090000Z-alice</title>');
    expect(svg).toMatch(
      /<desc id="timeline-desc">Time runs left to right, in minutes:seconds from the drain \(2030-03-04T09:00:02.000Z\)\. Drain: us-east-1 drained on purpose \(drill\): \+0:00\. Detection: the canary saw us-east-1 fail: \+0:15\. DNS shift[^<]*: \+1:30\. First payment acknowledged in us-east-2: not measured/,
    );
    expect(html).toContain("The timeline's data: every phase and runbook step");
  });
});

describe("the objectives", () => {
  it("sets RTO and RPO against the stack's objectives, each with how it was measured", () => {
    const html = renderReportHtml(pageInput(drillState()));

    expect(html).toContain(
      '<tr><th scope="row">RTO, as the runbook measured it</th><td>≤ 300 s (rtoSeconds)</td><td class="measured">90 s</td><td class="verdict pass">PASS</td><td>From the outage start (drain) to the moment us-east-2 was ACTIVE and the DNS witness answered it',
    );
    expect(html).toContain(
      '<tr><th scope="row">DR control table (heartbeats): RPO exposure</th><td>≤ 60 s (rpoSeconds)</td><td class="measured">3 s</td><td class="verdict pass">PASS</td>',
    );
  });

  it("lists every data store's RPO, saying which were not measured", () => {
    const html = renderReportHtml(pageInput(drillState()));

    for (const store of ["Payments table", "Idempotency table", "Transaction log (S3, replicated)"]) {
      expect(html).toMatch(
        new RegExp(
          `<th scope="row">${store.replace(/[()]/g, "\\$&")}</th><td>[^<]*</td><td class="measured">—</td><td class="verdict not-measured">not measured</td><td>Not measured`,
        ),
      );
    }
  });

  it("judges payments lost and duplicated and the time without acknowledgements from what the rehearsal saw", () => {
    const html = renderReportHtml(pageInput(drillState(), { observed }));

    expect(html).toContain(
      '<th scope="row">Payments table: acknowledged payments lost</th><td>0 (RPO 0 for acknowledged payments)</td><td class="measured">0 of 500</td><td class="verdict pass">PASS</td>',
    );
    // A drill is a planned move: DESIGN.md's 5 s without acknowledgements applies, and 30.2 s misses it.
    expect(html).toContain(
      `<th scope="row">Longest time without an acknowledged payment</th><td>≤ 5 s (planned drill or failback)</td><td class="measured">30.2 s from ${iso(2)}</td><td class="verdict fail">FAIL</td>`,
    );
  });
});

describe("the requirements", () => {
  it("names the evidence of each requirement the drill exercised", () => {
    const html = renderReportHtml(pageInput(drillState()));
    const row = (ref: string) =>
      html.slice(html.indexOf(`<tr><th scope="row">${ref}`), html.indexOf("</tr>", html.indexOf(`<tr><th scope="row">${ref}`)));

    expect(row("DORA Art. 11(6)")).toContain('<td class="coverage exercised">exercised</td>');
    expect(row("DORA Art. 11(6)")).toContain("us-east-2 took over at 2030-03-04T09:00:45.000Z (epoch 1)");
    expect(row("DORA Art. 11(6)")).toContain("<li>report.json: regions.changes, timeline</li>");
    expect(row("PCI DSS v4.0.1 12.10.1 — containment and mitigation")).toContain(
      "us-east-1 was DRAINED at 2030-03-04T09:00:02.000Z by DrainPrimary",
    );
    expect(row("PCI DSS v4.0.1 12.10.2")).toContain("This is one test, on 2030-03-04");
    expect(row("DORA Art. 12(6)")).toContain("RTO 90 s (objective 300 s, PASS); RPO exposure 3 s (objective 60 s, PASS)");
    expect(row("FFIEC BCM booklet (2019) Exercises and tests")).toContain('<td class="coverage exercised">exercised</td>');
    for (const [, evidence] of html.matchAll(
      /<td class="coverage (?:exercised|partly-exercised)">.*?<\/td><td>.*?<\/td><td>(.*?)<\/td><\/tr>/g,
    )) {
      expect(evidence).toMatch(/^<ul><li>/);
    }
  });

  it("shows 'not exercised: backup restore' when the run has no restore evidence, and the restore when it has", () => {
    const without = renderReportHtml(pageInput(drillState()));
    const withRestore = renderReportHtml(
      pageInput(drillState(), {
        backupRestore: {
          summary: "payments restored to 2030-03-04T08:59:00Z into a scratch table, 500 items checked",
          passed: true,
          evidence: ["report.json: restore"],
        },
      }),
    );

    expect(without).toContain('<tr><th scope="row">DORA Art. 12(2)</th>');
    expect(without).toContain('<td class="coverage not-exercised">not exercised</td><td>Not exercised: backup restore.');
    expect(without).toContain("<li>Backup restore: no point-in-time copy of a table was restored and checked");
    expect(withRestore).not.toContain("Not exercised: backup restore");
    expect(withRestore).toContain("payments restored to 2030-03-04T08:59:00Z into a scratch table, 500 items checked (passed)");
  });

  it("says a real failover is an activation of the plan, not the yearly test", () => {
    const html = renderReportHtml(pageInput(approvedFailoverState()));

    expect(html).toContain('<tr><th scope="row">PCI DSS v4.0.1 12.10.2</th>');
    expect(html).toMatch(
      /12\.10\.2<\/th><td>[^<]*<\/td><td class="coverage not-a-test">not a test<\/td><td>This was a real failover on 2030-03-04/,
    );
  });

  it("says a drill that failed before promoting exercised no switchover", () => {
    const html = renderReportHtml(pageInput(failedDrillState()));

    expect(html).toContain("no switchover: us-east-2 was not made ACTIVE (outcome failed)");
    expect(html).toMatch(/Art\. 12\(4\)<\/th><td>[^<]*<\/td><td class="coverage not-exercised">/);
    expect(html).toContain(
      "Result (the runbook's own evaluation of RTO and RPO against the stack's objectives): <strong class=\"failed\">FAILED</strong>",
    );
  });
});

describe("who ran it and what ran", () => {
  it("names who started the drill, its ticket, and the code and configuration", () => {
    const html = renderReportHtml(pageInput(drillState()));

    expect(html).toContain('<tr><th scope="row">Started by</th><td>dr-lead@example.com</td></tr>');
    expect(html).toContain('<tr><th scope="row">Ticket</th><td>CHG-2030-Q1</td></tr>');
    expect(html).toContain(`<td class="mono">${"a".repeat(64)}</td>`);
    expect(html).toContain('<tr><th scope="row">Commit</th><td class="mono"><span class="missing">not recorded</span></td>');
    expect(html).toContain("arn:aws:states:us-east-2:123456789012:stateMachine:dr-orchestrator-us-east-2-prod");
  });

  it("names who approved an alarm-started failover, and why approval was needed", () => {
    const p = provenanceFromState(approvedFailoverState(), runtime);
    const html = renderReportHtml(pageInput(approvedFailoverState()));

    expect(p.startedBy).toBe("alarm peer-health-us-east-2-prod");
    expect(p.approval).toEqual({
      required: true,
      requiredBecause: "automatic failover is disabled (autoFailover=false)",
      approved: true,
      by: "alice@example.com",
      comment: "INC-2030: us-east-1 is down",
    });
    expect(html).toContain("<dt>Approved by</dt><dd>alice@example.com (approved)</dd>");
  });

  it("says what it does not know when rendered from report.json alone", () => {
    const html = renderReportHtml({ ...pageInput(drillState()), provenance: null });

    expect(html).toContain("<dt>Started by</dt><dd>not recorded (no manifest)</dd>");
    expect(html).toContain("this page was rendered from report.json alone");
  });

  it("derives the state machine from an execution ARN", () => {
    expect(stateMachineArnOf("arn:aws:states:us-east-2:1:execution:dr-orchestrator-us-east-2-prod:x")).toBe(
      "arn:aws:states:us-east-2:1:stateMachine:dr-orchestrator-us-east-2-prod",
    );
    expect(stateMachineArnOf("exec-1")).toBeNull();
  });
});

describe("the SHA-256 manifest", () => {
  it("lists the digest of each evidence file's bytes, hex as sha256sum prints it and base64 as S3 reports it", () => {
    const input = pageInput(drillState());
    const html = renderReportHtml(input);
    const json = `${JSON.stringify(input.report, null, 2)}\n`;
    const digest = createHash("sha256").update(json).digest();

    expect(input.evidence[0].sha256).toBe(digest.toString("hex"));
    expect(input.evidence[0].sha256Base64).toBe(digest.toString("base64"));
    expect(html).toContain(`<pre>${digest.toString("hex")}  report.json\n${input.evidence[1].sha256}  report.md\n</pre>`);
    expect(html).toContain(`<td class="mono hash">${digest.toString("base64")}</td><td class="mono">v1</td>`);
  });

  it("builds a manifest that a reader can check and recognise", () => {
    const input = pageInput(drillState());
    const page = describeFile("report.html", "reports/x/report.html", renderReportHtml(input));
    const manifest = buildManifest({
      execution: { name: "x", id: "i", region: "us-east-2", mode: "drill" },
      generatedAt: input.report.generatedAt,
      simulated: false,
      provenance: input.provenance!,
      files: [...input.evidence, page],
    });

    expect(isEvidenceManifest(JSON.parse(JSON.stringify(manifest)))).toBe(true);
    expect(isEvidenceManifest({ ...manifest, kind: "other" })).toBe(false);
    expect(sha256sumLines(manifest.files).split("\n")).toEqual([
      `${input.evidence[0].sha256}  report.json`,
      `${input.evidence[1].sha256}  report.md`,
      `${page.sha256}  report.html`,
      "",
    ]);
  });
});

describe("the markup", () => {
  const real = renderReportHtml(pageInput(drillState()));
  const simulated = renderReportHtml(
    pageInput(drillState(), { report: { ...buildReport(drillState(), options), simulated: true } as DrReport, observed }),
  );

  it("is one self-contained document: no script, and nothing loaded from elsewhere", () => {
    for (const html of [real, simulated]) {
      expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=/i);
      expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).every((h) => h.startsWith("#"))).toBe(true);
    }
  });

  it("marks a rehearsal's page SIMULATED in its title, a banner and a watermark, and a real run's nowhere", () => {
    expect(simulated).toContain("<title>SIMULATED — DR drill evidence — manual-drill-20300304T090000Z-alice</title>");
    expect(simulated).toContain('<p class="banner" role="note">SIMULATED — produced by the offline rehearsal');
    expect(simulated).toContain('<div class="watermark" aria-hidden="true">SIMULATED</div>');
    expect(real).not.toContain("SIMULATED");
  });

  it("has headings in order and tables with captions and header cells", () => {
    const levels = [...real.matchAll(/<h([1-6])[ >]/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeLessThanOrEqual(1);
    const tables = real.split("<table").slice(1);
    expect(tables.length).toBeGreaterThanOrEqual(10);
    for (const t of tables) {
      expect(t).toMatch(/^[^>]*>\n<caption>/);
      expect(t).toMatch(/<th scope="(col|row)">/);
    }
  });

  it("escapes what it quotes from the run", () => {
    const state = drillState();
    state.run.reason = '<script>alert("x")</script> & more';
    const html = renderReportHtml(pageInput(state));

    expect(html).toContain("manual: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more");
    expect(html).not.toContain("<script>");
  });

  it("gives the same bytes for the same run", () => {
    expect(renderReportHtml(pageInput(drillState(), { observed }))).toBe(renderReportHtml(pageInput(drillState(), { observed })));
  });
});
