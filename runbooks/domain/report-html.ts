/**
 * The evidence page of a DR run: one self-contained HTML document for the people who review a
 * drill — auditors, examiners, the DR lead. No script, no stylesheet, font or image from anywhere
 * else; it prints on A4. The one renderer: the `write-report` step stores its page in the evidence
 * bucket (Object Lock), `drctl report --html` prints that page, and the offline rehearsal writes
 * the same page from its simulated runs, marked SIMULATED.
 *
 * What it shows, from the run report (report.ts) and what the writer knew besides:
 * - a timeline picture (inline SVG): the outage or drain, detection, each runbook step, the DNS
 *   shift, the first payment acknowledged in the activated region, the failback; traffic and
 *   errors per region under it when the input has them (the rehearsal's clients do; a real run's
 *   runbook sends no payments, and the page says so) — with a title, a description and a table
 *   holding the same data;
 * - the objectives against what was measured, each with how it was measured;
 * - what the run exercised, mapped to PCI DSS v4.0.1 12.10.1/12.10.2, DORA Art. 11, 12 and 24–26
 *   and the FFIEC Business Continuity Management booklet, each naming its evidence — and what was
 *   not exercised, plainly (a backup restore is "not exercised" unless the run did one: a drill's
 *   restore rehearsal, report.json `restoreRehearsal`, with its figures in a section of its own);
 * - the code and configuration that ran, who started and who approved, and the SHA-256 of the
 *   evidence files written before the page (manifest.json, written after it, covers the page).
 *
 * Pure and deterministic: the same input gives the same bytes (no clock, no environment).
 */
import type { EvidenceFile, Provenance } from "./evidence-manifest";
import { sha256sumLines, VERIFY_TEXT } from "./evidence-manifest";
import type { DrReport, HoldPaymentsReport, RestoreRehearsalReport, Verdict } from "./report";

export const PAGE_SCHEMA_VERSION = 1;

/** What the rehearsal (or any observer outside the runbook) saw of the same run. Times are ISO 8601. */
export interface ObservedRun {
  /** Who observed, e.g. "the rehearsal's simulated clients and world". */
  source: string;
  /** The outage the world suffered (a drill's drain is in the report itself). */
  outage: { region: string; at: string; recoveredAt: string | null } | null;
  /** When DNS (the failover name) first answered the activated region after the outage start. */
  dnsAnsweredAt: string | null;
  /** The first payment acknowledged by the activated region after the outage start. */
  firstAckAt: string | null;
  /** Outage start → DNS answers the activated region and a payment is acknowledged there. */
  clientRtoSeconds: number | null;
  /** A failback that followed this run (a separate execution), if one ran. */
  failback: { execution: string; region: string; startedAt: string; endedAt: string | null; status: string } | null;
  payments: { acknowledged: number; lost: number; duplicated: number; acceptedByDemotedRegion: number };
  /** Writes of the payments table not yet replicated when the region stopped. */
  unreplicatedAtOutage: { seconds: number | null; payments: number } | null;
  /** Periods without any acknowledged payment longer than `gapThresholdSeconds`. */
  gaps: { from: string; seconds: number }[];
  gapThresholdSeconds: number;
  notificationsSent: number | null;
  /** Payment attempts per region per bucket: acknowledged (HTTP 202) and failed (any other answer, timeouts, refused connections). */
  traffic: { from: string; bucketSeconds: number; regions: { region: string; acknowledged: number[]; failed: number[] }[] } | null;
}

/**
 * Evidence of a backup restore (a point-in-time copy restored and checked), when a run did one:
 * a drill's restore rehearsal ({@link backupRestoreOf} reads it from the report). Without one the
 * page shows "not exercised: backup restore".
 */
export interface BackupRestoreEvidence {
  summary: string;
  passed: boolean;
  /** Where the evidence is (keys, fields). */
  evidence: string[];
}

export interface ReportPageInput {
  report: DrReport;
  provenance: Provenance | null;
  /** The evidence files written before the page, with their digests. */
  evidence: EvidenceFile[];
  /** Where the files are, for the reader: `s3://<bucket>/reports/<execution>/` or a folder. */
  evidenceLocation: string;
  observed?: ObservedRun | null;
  backupRestore?: BackupRestoreEvidence | null;
}

/** The backup-restore evidence a report carries: a drill's restore rehearsal that ran (passed or failed). */
export function backupRestoreOf(report: DrReport): BackupRestoreEvidence | null {
  const r = report.restoreRehearsal;
  if (!r || r.result === "not-run") return null;
  const mode = r.consistency === "strong" ? "an MRSC" : r.consistency === "eventual" ? "an MREC" : "a";
  const parts = [
    `Point-in-time restore of ${r.sourceTable ?? r.table} (${mode} global table, the ${r.region} replica) to ${r.restorePoint ?? "—"} into a single-Region scratch table`,
    r.secondsToActive !== null ? `ACTIVE within ${round1(r.secondsToActive)} s of the request` : "never ACTIVE in the drill's wait",
  ];
  if (r.checks) parts.push(`checked: ${r.checks.summary}`);
  if (r.cleanup) parts.push(r.cleanup.deleted ? "scratch table deleted" : "scratch table NOT deleted");
  if (r.error) parts.push(`${r.error.name}: ${r.error.cause}`);
  return {
    summary: parts.join("; "),
    passed: r.result === "passed",
    evidence: ["report.json: restoreRehearsal", "this page: Restore rehearsal"],
  };
}

// --- small helpers ------------------------------------------------------------------------------

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
/** Escaped text in which `backquoted` commands become <code>. */
const escCode = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);
const known = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n);
const round1 = (n: number) => Math.round(n * 10) / 10;
const secs = (n: number | null) => (n === null ? "—" : `${round1(n)} s`);
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const iso = (t: number) => new Date(t).toISOString();

/** Seconds as a signed m:ss offset from the time zero: +1:05.3, −0:30. */
function offset(seconds: number): string {
  const r = round1(seconds);
  const sign = r < 0 ? "−" : "+";
  const a = Math.abs(r);
  const m = Math.floor(a / 60);
  const s = a - m * 60;
  const ss = (Number.isInteger(s) ? String(s) : s.toFixed(1)).padStart(Number.isInteger(s) ? 2 : 4, "0");
  return `${sign}${m}:${ss}`;
}

const VERDICT_TEXT: Record<Verdict | "n/a", string> = { pass: "PASS", fail: "FAIL", "not-measured": "not measured", "n/a": "no objective" };
const verdictCell = (v: Verdict | "n/a") => `<td class="verdict ${v}">${VERDICT_TEXT[v]}</td>`;
const judge = (value: number | null, limit: number): Verdict => (value === null ? "not-measured" : value <= limit ? "pass" : "fail");

/** Targets from DESIGN.md ("Targets"), beyond the stack's own RTO/RPO objectives. */
export const DESIGN_TARGETS = { paymentsLost: 0, paymentsDuplicated: 0, plannedMoveWithoutAckSeconds: 5 } as const;

// --- the phases of the picture ------------------------------------------------------------------

export const PHASES = ["outage", "detection", "dns-shift", "first-ack", "failback"] as const;
export type PhaseId = (typeof PHASES)[number];

/** Phase colours: each phase's marker is one exact colour (tests find it in a screenshot); the label says the same in words. */
export const PHASE_COLOURS: Record<PhaseId, string> = {
  outage: "#b71c1c",
  detection: "#e65100",
  "dns-shift": "#0d47a1",
  "first-ack": "#1b5e20",
  failback: "#6a1b9a",
};
const STEP_COLOUR = "#37474f";
const ACK_COLOUR = "#6f9fc8";
const FAILED_COLOUR = "#e57373";

export interface Phase {
  id: PhaseId;
  label: string;
  start: number | null;
  end: number | null;
  /** How the time was obtained, or why there is none. */
  how: string;
  source: string;
}

function runbookTimes(report: DrReport, step: string, test: (event: string) => boolean = () => true): number[] {
  return report.timeline.filter((t) => t.step === step && test(t.event)).map((t) => ms(t.at));
}

/** The phases of the run, each with its time or the reason it has none. */
export function phasesOf(input: ReportPageInput): Phase[] {
  const { report, observed } = input;
  const m = report.measurements;
  const activated = report.regions.activated;
  const peer = report.regions.peer;
  const mode = report.execution.mode;
  const outageAt = ms(m.outageStartedAt);
  const phases: Phase[] = [];

  // Outage or drain (or the failback's fence of the secondary).
  if (observed?.outage && mode !== "drill" && mode !== "failback") {
    const o = observed.outage;
    phases.push({
      id: "outage",
      label: `Outage: ${o.region} down${o.recoveredAt ? " until it recovered" : ""}`,
      start: ms(o.at),
      end: o.recoveredAt ? ms(o.recoveredAt) : null,
      how: `the world's outage of ${o.region}; the runbook's own estimate of the start is ${m.outageStartedAt ?? "—"} (${m.outageStartBasis ?? "none"})`,
      source: observed.source,
    });
  } else if (known(outageAt)) {
    const label =
      m.outageStartBasis === "drain"
        ? `Drain: ${peer} drained on purpose (drill)`
        : m.outageStartBasis === "fence"
          ? `Fence: ${peer} fenced for the failback`
          : `Outage: ${peer} stopped answering (estimated start)`;
    phases.push({
      id: "outage",
      label,
      start: outageAt,
      end: null,
      how: `report.json measurements.outageStartedAt, basis ${m.outageStartBasis}${
        m.outageStartBasis === "drain" || m.outageStartBasis === "fence" ? "" : " (an estimate: the true start is no later)"
      }`,
      source: "runbook",
    });
  } else {
    phases.push({
      id: "outage",
      label: "Outage or drain",
      start: null,
      end: null,
      how: "not measured: the run recorded no outage start",
      source: "runbook",
    });
  }

  // Detection.
  const trigger = runbookTimes(report, "trigger")[0];
  const detectionAt =
    m.detectionSeconds !== null && known(outageAt)
      ? outageAt + m.detectionSeconds * 1000
      : (runbookTimes(report, "detection")[0] ?? trigger);
  phases.push(
    known(detectionAt)
      ? {
          id: "detection",
          label: mode === "drill" ? `Detection: the canary saw ${peer} fail` : `Detection: alarm fired about ${peer}`,
          start: detectionAt,
          end: null,
          how:
            mode === "drill"
              ? "the first failing probe of the canary in this region (CheckDetection): report.json measurements.detectionSeconds"
              : "the alarm that started the run: report.json trigger.at",
          source: "runbook",
        }
      : {
          id: "detection",
          label: "Detection",
          start: null,
          end: null,
          how: mode === "failback" ? "not applicable: an operator started the failback" : "not measured: no detection in this run",
          source: "runbook",
        },
  );

  // DNS shift: the runbook's own check of the authoritative DNS witness; else what clients saw.
  const dnsAt = runbookTimes(report, "dns", (e) => e.startsWith("DNS witness answers"))[0];
  const clientDns = ms(observed?.dnsAnsweredAt);
  phases.push(
    known(dnsAt)
      ? {
          id: "dns-shift",
          label: `DNS shift: the failover name answers ${activated}`,
          start: dnsAt,
          end: null,
          how: `the DNS witness record asked of the zone's name servers (ConfirmDnsAnswer)${known(clientDns) ? `; clients' resolvers first got ${activated} at ${iso(clientDns)}` : ""}`,
          source: "runbook",
        }
      : known(clientDns)
        ? {
            id: "dns-shift",
            label: `DNS shift: the failover name answers ${activated}`,
            start: clientDns,
            end: null,
            how: "the first answer of the failover name naming the activated region, as clients resolved it",
            source: observed?.source ?? "observer",
          }
        : {
            id: "dns-shift",
            label: "DNS shift",
            start: null,
            end: null,
            how: "not measured: the DNS witness never answered the activated region in this run",
            source: "runbook",
          },
  );

  // First payment acknowledged in the activated region.
  const ackAt = ms(observed?.firstAckAt);
  phases.push(
    known(ackAt)
      ? {
          id: "first-ack",
          label: `First payment acknowledged in ${activated}`,
          start: ackAt,
          end: null,
          how: `the first HTTP 202 from ${activated} after the outage start`,
          source: observed?.source ?? "observer",
        }
      : {
          id: "first-ack",
          label: `First payment acknowledged in ${activated}`,
          start: null,
          end: null,
          how: observed
            ? `not seen: no payment was acknowledged by ${activated} after the outage start`
            : `not measured: the runbook sends no payments; the first 2xx of ${activated}'s API after the outage start is in its access logs`,
          source: observed?.source ?? "runbook",
        },
  );

  // Failback.
  const fbStart = runbookTimes(report, "peer-failback", (e) => e.includes("started"))[0];
  const fbEnd = runbookTimes(report, "peer-failback", (e) => !e.includes("started"))[0];
  if (mode === "failback") {
    phases.push({
      id: "failback",
      label: `Failback: this run, in ${activated}`,
      start: ms(report.execution.startedAt),
      end: ms(report.execution.finishedAt),
      how: "this execution, start to finish",
      source: "runbook",
    });
  } else if (known(fbStart)) {
    phases.push({
      id: "failback",
      label: `Failback: ${peer} active again`,
      start: fbStart,
      end: known(fbEnd) ? fbEnd : null,
      how: "the drill's failback execution in the primary (StartPrimaryFailback, CheckPrimaryFailback); its own report is in that region",
      source: "runbook",
    });
  } else if (observed?.failback) {
    const f = observed.failback;
    phases.push({
      id: "failback",
      label: `Failback: ${f.region} active again`,
      start: ms(f.startedAt),
      end: f.endedAt ? ms(f.endedAt) : null,
      how: `the separate failback execution ${f.execution} in ${f.region} (${f.status}); its own report is in that region`,
      source: observed.source,
    });
  } else {
    phases.push({
      id: "failback",
      label: "Failback",
      start: null,
      end: null,
      how: "not part of this run: a failback is a separate execution, with its own report in the primary",
      source: "runbook",
    });
  }
  return phases;
}

// --- the picture ----------------------------------------------------------------------------------

const W = 1000;
const GUTTER = 330;
const RIGHT = 20;
const PLOT = W - GUTTER - RIGHT;
const ROW = 20;
const TRAFFIC_H = 64;

function niceStep(rangeSeconds: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (rangeSeconds / s <= 10) return s;
  return 7200;
}

interface Picture {
  svg: string;
  zero: number;
  zeroWhat: string;
}

function picture(input: ReportPageInput, phases: Phase[]): Picture {
  const { report, observed } = input;
  const steps = report.timeline.map((t) => ({ ...t, t: ms(t.at) })).filter((t) => known(t.t));
  const outage = phases.find((p) => p.id === "outage");
  const zero = known(outage?.start) ? (outage?.start as number) : ms(report.execution.startedAt);
  const zeroWhat = known(outage?.start) ? (outage?.label.split(":")[0].toLowerCase() ?? "outage") : "execution start";
  const traffic = observed?.traffic ?? null;
  const trafficFrom = ms(traffic?.from);
  const buckets = traffic ? Math.max(0, ...traffic.regions.map((r) => r.acknowledged.length)) : 0;
  const trafficTo = known(trafficFrom) && traffic ? trafficFrom + buckets * traffic.bucketSeconds * 1000 : Number.NaN;

  const times = [
    ...phases.flatMap((p) => [p.start, p.end]).filter(known),
    ...steps.map((s) => s.t),
    ms(report.execution.startedAt),
    ms(report.execution.finishedAt),
    ...(known(trafficFrom) ? [trafficFrom, trafficTo] : []),
  ].filter(known);
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (t1 - t0 < 10_000) t1 = t0 + 10_000;
  const pad = (t1 - t0) * 0.02;
  t0 -= pad;
  t1 += pad;
  const x = (t: number) => GUTTER + ((t - t0) / (t1 - t0)) * PLOT;
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [];
  let y = 40;
  const phaseTop = y;
  const rowsText: string[] = [];

  // Phase rows.
  rowsText.push(`<text class="lane" x="8" y="${y - 14}">Phases</text>`);
  for (const p of phases) {
    const cy = y + ROW / 2;
    const colour = PHASE_COLOURS[p.id];
    const g: string[] = [];
    g.push(`<g data-phase="${p.id}"><title>${esc(`${p.label}: ${p.start === null ? p.how : iso(p.start)}`)}</title>`);
    g.push(`<text class="phase" x="8" y="${cy + 4}">${esc(clip(p.label, 50))}</text>`);
    if (known(p.start)) {
      const x0 = x(p.start);
      if (known(p.end) && p.end > p.start) {
        g.push(`<rect class="marker" x="${f(x0)}" y="${cy - 5}" width="${f(Math.max(10, x(p.end) - x0))}" height="10" fill="${colour}"/>`);
      } else {
        g.push(`<rect class="marker" x="${f(x0 - 5)}" y="${cy - 5}" width="10" height="10" fill="${colour}"/>`);
      }
    } else {
      g.push(`<text class="missing" x="${GUTTER + 4}" y="${cy + 4}">${esc(clip(p.how, 90))}</text>`);
    }
    g.push("</g>");
    rowsText.push(g.join(""));
    y += ROW;
  }
  y += 24;
  rowsText.push(`<text class="lane" x="8" y="${y - 8}">Runbook steps (${esc(report.execution.name)})</text>`);
  for (const s of steps) {
    const cy = y + ROW / 2;
    rowsText.push(
      `<g data-step="${esc(s.step)}"><title>${esc(`${s.at} ${s.step}: ${s.event}`)}</title>` +
        `<text class="step" x="20" y="${cy + 4}">${esc(clip(`${s.step} — ${s.event}`, 52))}</text>` +
        `<rect x="${f(x(s.t) - 4)}" y="${cy - 4}" width="8" height="8" fill="${STEP_COLOUR}"/></g>`,
    );
    y += ROW;
  }

  // Traffic and errors per region.
  y += 24;
  if (traffic && known(trafficFrom)) {
    const max = Math.max(1, ...traffic.regions.flatMap((r) => [...r.acknowledged, ...r.failed]));
    const bw = (traffic.bucketSeconds * 1000 * PLOT) / (t1 - t0);
    rowsText.push(
      `<text class="lane" x="8" y="${y - 8}">Payments per ${traffic.bucketSeconds} s: acknowledged (up), failed (down), by the region that answered</text>`,
    );
    for (const r of traffic.regions) {
      const mid = y + TRAFFIC_H / 2;
      const bars: string[] = [];
      r.acknowledged.forEach((n, i) => {
        if (n <= 0) return;
        const h = (n / max) * (TRAFFIC_H / 2 - 2);
        bars.push(
          `<rect x="${f(x(trafficFrom + i * traffic.bucketSeconds * 1000))}" y="${f(mid - h)}" width="${f(Math.max(1, bw - 1))}" height="${f(h)}" fill="${ACK_COLOUR}"/>`,
        );
      });
      r.failed.forEach((n, i) => {
        if (n <= 0) return;
        const h = (n / max) * (TRAFFIC_H / 2 - 2);
        bars.push(
          `<rect x="${f(x(trafficFrom + i * traffic.bucketSeconds * 1000))}" y="${f(mid)}" width="${f(Math.max(1, bw - 1))}" height="${f(h)}" fill="${FAILED_COLOUR}"/>`,
        );
      });
      const acks = r.acknowledged.reduce((a, b) => a + b, 0);
      const failed = r.failed.reduce((a, b) => a + b, 0);
      rowsText.push(
        `<g data-traffic="${esc(r.region)}"><title>${esc(`${r.region}: ${acks} acknowledged, ${failed} failed attempts`)}</title>` +
          `<text class="phase" x="8" y="${mid - 4}">${esc(r.region)}</text>` +
          `<text class="step" x="8" y="${mid + 12}">${acks} acknowledged, ${failed} failed</text>` +
          `<line x1="${GUTTER}" x2="${W - RIGHT}" y1="${mid}" y2="${mid}" class="base"/>${bars.join("")}</g>`,
      );
      y += TRAFFIC_H + 8;
    }
  } else {
    rowsText.push(
      `<text class="lane" x="8" y="${y - 8}">Traffic and errors per region</text>` +
        `<text class="missing" x="8" y="${y + 10}">Not measured by the runbook: a real run sends no payments of its own. The API's request and 5xx metrics of each region for this window are in CloudWatch.</text>`,
    );
    y += 24;
  }
  const bottom = y + 8;

  // Axis and guides, drawn under the rows.
  const step = niceStep((t1 - t0) / 1000);
  const ticks: string[] = [];
  for (let s = Math.ceil((t0 - zero) / 1000 / step) * step; zero + s * 1000 <= t1; s += step) {
    const tx = f(x(zero + s * 1000));
    ticks.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${phaseTop - 6}" y2="${bottom}"/><text class="tick" x="${tx}" y="${phaseTop - 10}" text-anchor="middle">${offset(s)}</text>`,
    );
  }
  const guides = phases
    .filter((p) => known(p.start))
    .map((p) => {
      const gx = f(x(p.start as number));
      return `<line class="guide" x1="${gx}" x2="${gx}" y1="${phaseTop}" y2="${bottom}" stroke="${PHASE_COLOURS[p.id]}"/>`;
    });
  const height = bottom + 28;

  const desc = [
    `Time runs left to right, in minutes:seconds from the ${zeroWhat} (${iso(zero)}).`,
    ...phases.map(
      (p) =>
        `${p.label}: ${known(p.start) ? `${offset((p.start - zero) / 1000)}${known(p.end) ? ` to ${offset((p.end - zero) / 1000)}` : ""}` : p.how}.`,
    ),
    `${steps.length} runbook steps are marked on their own rows.`,
    traffic ? "Under them, payments acknowledged and failed per region." : "Traffic per region was not measured.",
    "The tables after the picture hold the same data.",
  ].join(" ");
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-labelledby="timeline-title timeline-desc" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">`,
    `<title id="timeline-title">Timeline of ${esc(report.execution.mode)} ${esc(report.execution.name)}${report.simulated ? " (SIMULATED)" : ""}</title>`,
    `<desc id="timeline-desc">${esc(desc)}</desc>`,
    `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    ...ticks,
    ...guides,
    ...rowsText,
    `<text class="tick" x="${GUTTER}" y="${height - 8}">minutes:seconds from the ${esc(zeroWhat)} at ${iso(zero)} (UTC)</text>`,
    "</svg>",
  );
  return { svg: out.join("\n"), zero, zeroWhat };
}

// --- sections -------------------------------------------------------------------------------------

function timelineTable(input: ReportPageInput, phases: Phase[], zero: number): string {
  const rows: { t: number | null; lane: string; what: string; source: string }[] = [
    ...phases.map((p) => ({
      t: p.start,
      lane: "Phase",
      what: `${p.label}${known(p.end) ? ` (until ${iso(p.end)}, ${offset((p.end - zero) / 1000)})` : ""} — ${p.how}`,
      source: p.source,
    })),
    ...input.report.timeline.map((t) => ({ t: ms(t.at), lane: `Step: ${t.step}`, what: t.event, source: "runbook" })),
  ];
  rows.sort((a, b) => (a.t ?? Number.POSITIVE_INFINITY) - (b.t ?? Number.POSITIVE_INFINITY));
  const body = rows
    .map(
      (r) =>
        `<tr><td class="time">${r.t === null ? "—" : iso(r.t)}</td><td class="num">${r.t === null ? "—" : offset((r.t - zero) / 1000)}</td><td>${esc(r.lane)}</td><td>${esc(r.what)}</td><td>${esc(r.source)}</td></tr>`,
    )
    .join("\n");
  return `<table>
<caption>The timeline's data: every phase and runbook step (times in UTC; offsets from the time zero of the picture)</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Offset</th><th scope="col">Row</th><th scope="col">What happened</th><th scope="col">Source</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function trafficTable(observed: ObservedRun | null | undefined, zero: number): string {
  const traffic = observed?.traffic;
  if (!traffic) return "";
  const from = ms(traffic.from);
  const n = Math.max(0, ...traffic.regions.map((r) => r.acknowledged.length));
  const head = traffic.regions
    .map((r) => `<th scope="col">${esc(r.region)} acknowledged</th><th scope="col">${esc(r.region)} failed</th>`)
    .join("");
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = from + i * traffic.bucketSeconds * 1000;
    rows.push(
      `<tr><th scope="row">${offset((t - zero) / 1000)}</th>${traffic.regions
        .map((r) => `<td class="num">${r.acknowledged[i] ?? 0}</td><td class="num">${r.failed[i] ?? 0}</td>`)
        .join("")}</tr>`,
    );
  }
  return `<table class="compact">
<caption>The chart's data: payment attempts per ${traffic.bucketSeconds} s and per region that answered (${esc(observed?.source ?? "")})</caption>
<thead><tr><th scope="col">From</th>${head}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

interface ObjectiveRow {
  measure: string;
  objective: string;
  measured: string;
  verdict: Verdict | "n/a";
  how: string;
}

function objectiveRows(input: ReportPageInput): { stack: ObjectiveRow[]; rpo: ObjectiveRow[]; design: ObjectiveRow[] } {
  const { report, observed } = input;
  const m = report.measurements;
  const o = report.objectives;
  const activated = report.regions.activated;
  const peer = report.regions.peer;
  const basis = m.outageStartBasis ? m.outageStartBasis.replace(/-/g, " ") : "none";
  const planned = report.execution.mode === "drill" || report.execution.mode === "failback";
  const stack: ObjectiveRow[] = [
    {
      measure: "RTO, as the runbook measured it",
      objective: `≤ ${o.rtoSeconds} s (rtoSeconds)`,
      measured: secs(m.rtoSeconds),
      verdict: report.evaluation.rto,
      how: `From the outage start (${basis}) to the moment ${activated} was ACTIVE and the DNS witness answered it, from the runbook's own step times (report.json measurements.rtoSeconds).`,
    },
    {
      measure: "RTO, as clients saw it",
      objective: `≤ ${o.rtoSeconds} s (rtoSeconds)`,
      measured: observed ? secs(observed.clientRtoSeconds) : "—",
      verdict: observed ? judge(observed.clientRtoSeconds, o.rtoSeconds) : "not-measured",
      how: observed
        ? `From the outage start to the later of: DNS answering ${activated}, and the first payment acknowledged there (${observed.source}).`
        : `Not measured: the runbook sends no payments. The API access logs of ${activated} give the first acknowledged payment after the outage start.`,
    },
  ];
  const rpo: ObjectiveRow[] = [
    {
      measure: "DR control table (heartbeats): RPO exposure",
      objective: `≤ ${o.rpoSeconds} s (rpoSeconds)`,
      measured: secs(m.rpoExposureSeconds),
      verdict: report.evaluation.rpo,
      how: `CheckReplication read ${peer}'s last heartbeat in ${activated}'s replica: exposure = last time ${peer} was seen healthy − its last replicated heartbeat${
        m.inDoubtWindow ? `; writes of ${peer} from ${m.inDoubtWindow.from ?? "unknown"} to ${m.inDoubtWindow.to} may be missing` : ""
      } (report.json measurements.rpoExposureSeconds, inDoubtWindow).`,
    },
    observed
      ? {
          measure: "Payments table: acknowledged payments lost",
          objective: `${DESIGN_TARGETS.paymentsLost} (RPO 0 for acknowledged payments)`,
          measured: `${observed.payments.lost} of ${observed.payments.acknowledged}${
            observed.unreplicatedAtOutage
              ? `; ${secs(observed.unreplicatedAtOutage.seconds)} of writes (${observed.unreplicatedAtOutage.payments} payments) unreplicated at the outage`
              : ""
          }`,
          verdict: observed.payments.lost <= DESIGN_TARGETS.paymentsLost ? "pass" : "fail",
          how: `Every acknowledgement the clients received checked against the active region's table after replication settled; the unreplicated writes are the replication queue when ${peer} stopped (${observed.source}).`,
        }
      : {
          measure: "Payments table",
          objective: `≤ ${o.rpoSeconds} s (rpoSeconds)`,
          measured: "—",
          verdict: "not-measured",
          how: "Not measured separately: the runbook measures replication on the control table's heartbeats (the same DynamoDB global-table replication). Reconcile acknowledged payments against the table to measure it.",
        },
    {
      measure: "Idempotency table",
      objective: `≤ ${o.rpoSeconds} s (rpoSeconds)`,
      measured: "—",
      verdict: "not-measured",
      how: "Not measured: no check reads its replication.",
    },
    {
      measure: "Transaction log (S3, replicated)",
      objective: `≤ ${o.rpoSeconds} s (rpoSeconds)`,
      measured: "—",
      verdict: "not-measured",
      how: "Not measured: this run did not read the replica bucket (S3 Replication Time Control's 15-minute objective is the design figure, not a measurement).",
    },
  ];
  const gap = observed ? Math.max(0, ...observed.gaps.map((g) => g.seconds)) : null;
  const gapLimit = planned ? DESIGN_TARGETS.plannedMoveWithoutAckSeconds : o.rtoSeconds;
  const design: ObjectiveRow[] = [
    {
      measure: "Acknowledged payments lost",
      objective: `${DESIGN_TARGETS.paymentsLost}`,
      measured: observed ? String(observed.payments.lost) : "—",
      verdict: observed ? (observed.payments.lost <= DESIGN_TARGETS.paymentsLost ? "pass" : "fail") : "not-measured",
      how: observed
        ? "Each acknowledgement checked against the active region's payments table after the world settled."
        : "Not measured by the runbook: reconcile the acknowledgements (API logs) with the payments table.",
    },
    {
      measure: "Payments duplicated",
      objective: `${DESIGN_TARGETS.paymentsDuplicated}`,
      measured: observed
        ? `${observed.payments.duplicated}; ${observed.payments.acceptedByDemotedRegion} accepted by a region after it was demoted`
        : "—",
      verdict: observed ? (observed.payments.duplicated <= DESIGN_TARGETS.paymentsDuplicated ? "pass" : "fail") : "not-measured",
      how: observed
        ? "Payments settled twice, or stored twice under one merchant reference, counted in the final tables."
        : "Not measured by the runbook: look for merchant references stored twice in the payments table.",
    },
    {
      measure: "Longest time without an acknowledged payment",
      objective: planned
        ? `≤ ${DESIGN_TARGETS.plannedMoveWithoutAckSeconds} s (planned drill or failback)`
        : `≤ ${o.rtoSeconds} s (the RTO, for an unplanned failover)`,
      measured: observed
        ? gap === 0
          ? `no gap over ${observed.gapThresholdSeconds} s`
          : observed.gaps.map((g) => `${g.seconds} s from ${g.from}`).join("; ")
        : "—",
      verdict: observed ? judge(gap, gapLimit) : "not-measured",
      how: observed
        ? `Gaps longer than ${observed.gapThresholdSeconds} s between consecutive acknowledgements, any region (clients kept retrying).`
        : "Not measured by the runbook: the API's request metrics of both regions show it.",
    },
  ];
  return { stack, rpo, design };
}

function objectiveTable(caption: string, rows: ObjectiveRow[]): string {
  return `<table>
<caption>${esc(caption)}</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">Objective</th><th scope="col">Measured</th><th scope="col">Verdict</th><th scope="col">How it was measured</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><th scope="row">${esc(r.measure)}</th><td>${esc(r.objective)}</td><td class="measured">${esc(r.measured)}</td>${verdictCell(r.verdict)}<td>${esc(r.how)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>`;
}

function measurementsTable(report: DrReport): string {
  const m = report.measurements;
  const rows: [string, string, string][] = [
    ["Outage start", m.outageStartedAt ? `${m.outageStartedAt} (${m.outageStartBasis})` : "—", "report.json measurements.outageStartedAt"],
    ["Detection time", secs(m.detectionSeconds), "outage start → first failing probe (drill) or → the alarm (failover)"],
    ["DNS shift time", secs(m.dnsShiftSeconds), "drain or fence → the DNS witness answering the activated region"],
    [
      "Replication lag (peer heartbeat age)",
      secs(m.replicationLagSeconds),
      "age of the peer's heartbeat in the local replica at CheckReplication",
    ],
    [
      "In-doubt window",
      m.inDoubtWindow ? `${m.inDoubtWindow.from ?? "unknown"} → ${m.inDoubtWindow.to}` : "—",
      "writes of the peer in this window may be missing",
    ],
    ["Sentinel replication (failback)", secs(m.sentinelReplicationSeconds), "sentinel written through the secondary → seen in the primary"],
    ["Failback duration (drill)", secs(m.failbackSeconds), "the drill's failback execution, start to stop"],
  ];
  return `<table>
<caption>The runbook's other measurements (report.json measurements)</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">Value</th><th scope="col">Meaning</th></tr></thead>
<tbody>
${rows.map(([a, b, c]) => `<tr><th scope="row">${esc(a)}</th><td class="num">${esc(b)}</td><td>${esc(c)}</td></tr>`).join("\n")}
</tbody>
</table>`;
}

// --- requirements ---------------------------------------------------------------------------------

type Coverage = "exercised" | "partly exercised" | "not exercised" | "not a test";

interface Requirement {
  framework: string;
  ref: string;
  asks: string;
  coverage: Coverage;
  thisRun: string;
  evidence: string[];
}

/** What the run exercised, mapped to the requirements reviewers ask about. Paraphrases, not the texts. */
export function requirementsOf(input: ReportPageInput, phases: Phase[]): { rows: Requirement[]; notExercised: string[] } {
  const { report, provenance, observed } = input;
  const backupRestore = input.backupRestore ?? backupRestoreOf(report);
  const e = report.execution;
  const activated = report.regions.activated;
  const peer = report.regions.peer;
  const m = report.measurements;
  const date = e.startedAt.slice(0, 10);
  const isTest = e.mode === "drill" || report.trigger.source === "drill";
  const promoted = report.regions.changes.find((c) => c.region === activated && c.state === "ACTIVE");
  const contained = report.regions.changes.find((c) => c.region === peer && (c.state === "FENCED" || c.state === "DRAINED"));
  const failback = phases.find((p) => p.id === "failback" && p.start !== null);
  const rtoRpo = report.evaluation.rto !== "not-measured" || report.evaluation.rpo !== "not-measured";
  const failed = e.status === "FAILED";
  const kindOfRun = isTest
    ? `a ${e.mode === "drill" ? "drill" : "drill's failback"} (a planned test) on ${date}`
    : `a real ${e.mode} on ${date} (an activation of the plan, not a scheduled test)`;
  const switchover = promoted
    ? `${activated} took over at ${promoted.at} (epoch ${promoted.epoch})${failed ? "; the run then FAILED (see Notes)" : ""}`
    : `no switchover: ${activated} was not made ACTIVE (outcome ${report.outcome})`;
  const who = provenance
    ? `started ${provenance.startedHow}${provenance.startedBy && !provenance.startedHow.includes(provenance.startedBy) ? ` (${provenance.startedBy})` : ""}; approval ${
        provenance.approval.approved === null
          ? provenance.approval.required
            ? "required, no answer recorded"
            : "not required"
          : `${provenance.approval.approved ? "given" : "refused"} by ${provenance.approval.by ?? "an operator"}`
      }`
    : "who started and approved it is not recorded (no manifest)";
  const hold = report.holdPayments && report.holdPayments.result !== "not-run" ? report.holdPayments : null;
  const holdFigures = hold?.counts
    ? `${hold.counts.accepted} accepted, ${hold.counts.failed} failed (500), ${hold.counts.refused - hold.counts.redirected} refused (503), ${hold.counts.redirected} redirected`
    : null;
  const holdText = hold
    ? hold.result === "passed"
      ? `${hold.region} took payments while it held the traffic: ${holdFigures}, as its payment path reported them to CloudWatch (${hold.failurePercent} % could not be taken; at most ${hold.policy?.maxFailurePercent} %): passed.`
      : hold.result === "unproven"
        ? `Not proven: no payment reached ${hold.region} during the hold (${holdFigures}); the drill input accepted that (allowNoTraffic).`
        : hold.result === "failed"
          ? `${hold.region} did NOT take the payments sent to it during the hold: ${holdFigures} (${hold.error?.name}); the drill failed back, then failed.`
          : `What ${hold.region}'s payment path reported during the hold could not be read (${hold.error?.name}); the drill failed back, then failed.`
    : null;
  const restoreRow: Requirement = backupRestore
    ? {
        framework: "DORA",
        ref: "Art. 12(2)",
        asks: "Backup, restoration and recovery procedures are tested periodically.",
        coverage: "exercised",
        thisRun: `${backupRestore.summary} (${backupRestore.passed ? "passed" : "FAILED"})`,
        evidence: backupRestore.evidence,
      }
    : {
        framework: "DORA",
        ref: "Art. 12(2)",
        asks: "Backup, restoration and recovery procedures are tested periodically.",
        coverage: "not exercised",
        thisRun:
          "Not exercised: backup restore. No point-in-time copy of a table was restored and checked in this run; replication (not a backup) was measured.",
        evidence: [],
      };
  const rows: Requirement[] = [
    {
      framework: "PCI DSS v4.0.1",
      ref: "12.10.1 — roles, responsibilities, communication",
      asks: "The incident response plan names roles, responsibilities and communication and contact strategies, including notifying payment brands and acquirers.",
      coverage: "partly exercised",
      thisRun: `Roles: ${who}. Communication: the runbook notified the region's alert topic at the start, at each decision and at the end${
        observed?.notificationsSent != null ? ` (${observed.notificationsSent} notifications)` : ""
      }. Notifying payment brands and acquirers is a people process outside this system: not exercised.`,
      evidence: [
        "this page: Configuration and code (started by, approval)",
        "report.json: decisions",
        "the alert topic's subscribers' inboxes",
      ],
    },
    {
      framework: "PCI DSS v4.0.1",
      ref: "12.10.1 — containment and mitigation",
      asks: "Incident response procedures with specific containment and mitigation activities.",
      coverage: contained ? "exercised" : "not exercised",
      thisRun: contained
        ? `${peer} was ${contained.state} at ${contained.at} by ${contained.step}, so only one region accepts payments${
            report.stopPeerWrites
              ? `; direct stop of ${report.stopPeerWrites.functionName}: ${report.stopPeerWrites.stopped ? "done" : "not done"}`
              : ""
          }.`
        : `${peer} was not fenced or drained by this run.`,
      evidence: ["report.json: regions.changes", "report.json: stopPeerWrites", "this page: Timeline (fence or drain step)"],
    },
    {
      framework: "PCI DSS v4.0.1",
      ref: "12.10.1 — business recovery and continuity",
      asks: "Business recovery and continuity procedures.",
      coverage: promoted ? "exercised" : "not exercised",
      thisRun: `${switchover}; RTO ${secs(m.rtoSeconds)} against ${report.objectives.rtoSeconds} s${failback ? "; failback included" : ""}.`,
      evidence: ["report.json: regions.changes, measurements.rtoSeconds", "this page: Timeline, Objectives"],
    },
    {
      framework: "PCI DSS v4.0.1",
      ref: "12.10.1 — data backup processes",
      asks: "Data backup processes.",
      coverage: backupRestore ? "exercised" : "not exercised",
      thisRun: backupRestore
        ? `${backupRestore.summary} (${backupRestore.passed ? "passed" : "FAILED"})`
        : "Not exercised: backup restore. Point-in-time recovery and AWS Backup copies exist (stack configuration) but none was restored here.",
      evidence: backupRestore ? backupRestore.evidence : [],
    },
    {
      framework: "PCI DSS v4.0.1",
      ref: "12.10.2",
      asks: "At least once every 12 months the incident response plan is reviewed, updated as needed and tested, including every element of 12.10.1.",
      coverage: isTest ? "partly exercised" : "not a test",
      thisRun: isTest
        ? `This is one test, on ${date}, covering the elements marked exercised above${
            backupRestore ? `, data backup included (a restore of a backup, ${backupRestore.passed ? "passed" : "FAILED"})` : ""
          }. The elements marked not exercised need their own tests within the same 12 months; the date of the previous test is in the previous run's report.`
        : `This was ${kindOfRun}: it shows the plan working, it is not the yearly test.`,
      evidence: [
        "report.json: execution.startedAt, execution.mode",
        ...(backupRestore ? ["report.json: restoreRehearsal"] : []),
        "the evidence bucket's reports/ folder (every run's report)",
      ],
    },
    {
      framework: "DORA",
      ref: "Art. 11(6)",
      asks: "ICT business continuity and response and recovery plans are tested at least yearly and after substantive changes, including switchover from the primary ICT infrastructure to redundant capacity.",
      coverage: isTest ? (promoted ? "exercised" : "partly exercised") : "not a test",
      thisRun: `This was ${kindOfRun}: ${switchover}. The code and configuration tested are listed below, so a test after a substantive change can be shown to be of that change.`,
      evidence: ["report.json: regions.changes, timeline", "this page: Timeline, Configuration and code", "manifest.json: provenance"],
    },
    {
      framework: "DORA",
      ref: "Art. 12(4)",
      asks: "Redundant ICT capacity sufficient to keep business needs met.",
      coverage:
        hold && (hold.result === "passed" || hold.result === "failed")
          ? "exercised"
          : promoted && !failed && !hold
            ? "exercised"
            : promoted
              ? "partly exercised"
              : "not exercised",
      thisRun: [
        holdText,
        observed
          ? `${activated} served payments: ${observed.payments.acknowledged} acknowledged in the run, the first in ${activated} at ${observed.firstAckAt ?? "—"}.`
          : hold
            ? null
            : `${activated} became ACTIVE and DNS answered it; payments served there are in its API metrics (not measured by the runbook).`,
      ]
        .filter((x) => x !== null)
        .join(" "),
      evidence: [
        ...(hold ? ["report.json: holdPayments", "this page: Payments during the hold"] : []),
        ...(observed
          ? ["this page: Timeline (first payment acknowledged, traffic per region)", "rehearsal.json: summary"]
          : hold
            ? []
            : [
                "report.json: regions.changes, measurements.dnsShiftSeconds",
                "CloudWatch: the API's request count in the activated region",
              ]),
      ],
    },
    restoreRow,
    {
      framework: "DORA",
      ref: "Art. 12(6)",
      asks: "Recovery time and recovery point objectives are set for each function and met.",
      coverage: rtoRpo ? "exercised" : "not exercised",
      thisRun: `RTO ${secs(m.rtoSeconds)} (objective ${report.objectives.rtoSeconds} s, ${VERDICT_TEXT[report.evaluation.rto]}); RPO exposure ${secs(
        m.rpoExposureSeconds,
      )} (objective ${report.objectives.rpoSeconds} s, ${VERDICT_TEXT[report.evaluation.rpo]}). RPO is measured on the control table only; other data stores are listed as not measured.`,
      evidence: ["report.json: measurements, objectives, evaluation", "this page: Objectives"],
    },
    {
      framework: "DORA",
      ref: "Art. 12(7)",
      asks: "After recovery, checks and reconciliations keep data integrity.",
      coverage: observed
        ? "exercised"
        : e.mode === "failback" && m.sentinelReplicationSeconds !== null
          ? "partly exercised"
          : "not exercised",
      thisRun: observed
        ? `Every acknowledged payment checked against the active region's table: ${observed.payments.lost} lost, ${observed.payments.duplicated} duplicated.`
        : m.sentinelReplicationSeconds !== null
          ? `The failback proved replication with a sentinel (${secs(m.sentinelReplicationSeconds)}); payments were not reconciled by the runbook.`
          : "Not exercised by the runbook: reconcile acknowledged payments with the payments table after the run.",
      evidence: observed
        ? ["this page: Objectives (payments lost, duplicated)", "rehearsal.json: checks"]
        : ["report.json: measurements.sentinelReplicationSeconds"],
    },
    {
      framework: "DORA",
      ref: "Art. 24–25",
      asks: "A digital operational resilience testing programme, with tests (including scenario-based and end-to-end tests) of the ICT systems supporting critical functions at least yearly.",
      coverage: isTest ? "partly exercised" : "not a test",
      thisRun: isTest
        ? "One scenario-based, end-to-end test of the payment API's regional failover and failback. The programme itself (its plan, schedule, independence of testers, remediation) is documented outside this report."
        : `This was ${kindOfRun}.`,
      evidence: ["this page", "report.json", "manifest.json"],
    },
    {
      framework: "DORA",
      ref: "Art. 26",
      asks: "Threat-led penetration testing (TLPT) for entities designated by their authority.",
      coverage: "not exercised",
      thisRun: "Not exercised: a DR drill is not a TLPT.",
      evidence: [],
    },
    {
      framework: "FFIEC BCM booklet (2019)",
      ref: "Exercises and tests",
      asks: "Exercises and tests validate that continuity objectives (recovery times and points) can be met, and their results are documented and reported.",
      coverage: isTest && rtoRpo ? "exercised" : rtoRpo ? "partly exercised" : "not exercised",
      thisRun: `RTO and RPO measured against the objectives (${report.evaluation.passed ? "PASSED" : "FAILED"}); this page and report.json are the documented result.`,
      evidence: ["this page: Objectives", "report.json: evaluation"],
    },
    {
      framework: "FFIEC BCM booklet (2019)",
      ref: "Data backup and replication",
      asks: "Data is backed up and replicated so it can be recovered within the objectives.",
      coverage: backupRestore ? "exercised" : "partly exercised",
      thisRun: backupRestore
        ? `Replication measured (RPO exposure ${secs(m.rpoExposureSeconds)}); ${backupRestore.summary} (${backupRestore.passed ? "passed" : "FAILED"}).`
        : `Replication measured (RPO exposure ${secs(m.rpoExposureSeconds)}). Not exercised: backup restore.`,
      evidence: ["report.json: measurements.rpoExposureSeconds, replicationLagSeconds", ...(backupRestore?.evidence ?? [])],
    },
  ];
  const notExercised = [
    ...(hold?.result === "unproven"
      ? [
          `The payment path in ${hold.region}: no payment reached it during the hold, so this drill did not show it takes payments (DORA Art. 12(4)).`,
        ]
      : []),
    ...(backupRestore
      ? []
      : ["Backup restore: no point-in-time copy of a table was restored and checked (DORA Art. 12(2), PCI 12.10.1 data backup)."]),
    "Notifying payment brands and acquirers, and the analysis of legal reporting duties (PCI 12.10.1): people processes outside this system.",
    "Reference to the payment brands' own incident procedures (PCI 12.10.1).",
    "RPO of the idempotency table and of the S3 transaction log: not measured.",
    ...(observed
      ? []
      : [
          "Payments lost or duplicated, and the time clients went without an acknowledgement: not measured by the runbook (it sends no payments).",
        ]),
    "Loss of the secondary region, or of both; a cyber-attack scenario; threat-led penetration testing (DORA Art. 26).",
    ...(report.simulated
      ? ["Everything on this page: it is SIMULATED — no AWS account was involved, so it is not evidence about the production system."]
      : []),
  ];
  return { rows, notExercised };
}

/** The drill's payment check (report.json holdPayments): what the drilled region's payment path reported during the hold. */
function holdPaymentsSection(h: HoldPaymentsReport): string {
  const verdict = { passed: "passed", unproven: "passed, UNPROVEN", failed: "FAILED", "not-checked": "NOT CHECKED", "not-run": "not run" }[
    h.result
  ];
  const rows: [string, string, string][] = [
    ["Result", verdict, h.error ? `${h.error.name}: ${h.error.cause}` : h.summary],
    [
      "Window",
      h.window ? `${h.window.from} → ${h.window.to}` : "—",
      h.window
        ? `the hold started ${h.window.holdStartedAt} (DNS answered ${h.region}); CloudWatch counts from the start of that minute`
        : "the figures were not read",
    ],
  ];
  if (h.counts) {
    rows.push(
      ["Accepted", String(h.counts.accepted), "202: create-payment's PaymentAccepted in this region"],
      ["Failed", String(h.counts.failed), "500: PaymentFailed (the payment could not be recorded)"],
      [
        "Refused",
        String(h.counts.refused - h.counts.redirected),
        "503: WriteRefused without a redirect (the write guard refused; the region was the writer)",
      ],
      ["Redirected", String(h.counts.redirected), "307: WriteRedirected (sent on to the other region); not judged"],
      [
        "Could not be taken",
        h.failurePercent === null ? "—" : `${h.failurePercent} %`,
        "(failed + refused) / (accepted + failed + refused)",
      ],
    );
  }
  if (h.policy)
    rows.push([
      "Threshold",
      `≤ ${h.policy.maxFailurePercent} %`,
      h.policy.allowNoTraffic ? "a hold without payments passes, unproven (allowNoTraffic)" : "a hold without payments fails",
    ]);
  return `<table>
<caption>Payments during the hold: what the drilled region's payment path reported to CloudWatch (report.json holdPayments); a lower bound, since the last seconds may not have reached CloudWatch yet</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">Value</th><th scope="col">How, or what it means</th></tr></thead>
<tbody>
${rows.map(([a, b, c2]) => `<tr><th scope="row">${esc(a)}</th><td class="num">${esc(b)}</td><td>${esc(c2)}</td></tr>`).join("\n")}
</tbody>
</table>`;
}

/** The restore rehearsal's figures (report.json restoreRehearsal). */
function restoreSection(r: RestoreRehearsalReport): string {
  const c = r.checks;
  const rows: [string, string, string][] = [
    [
      "Result",
      r.result === "passed" ? "passed" : r.result === "failed" ? "FAILED" : "not run",
      r.error ? `${r.error.name}: ${r.error.cause}` : "restored, checked and deleted",
    ],
    [
      "Source",
      `${r.sourceTable ?? r.table} (${r.region})`,
      r.consistency
        ? `${r.consistency === "strong" ? "MRSC" : "MREC"} global table: its ${r.region} replica's point-in-time recovery; the copy is a single-Region table`
        : "—",
    ],
    [
      "Restore point",
      r.restorePoint ?? "—",
      r.restorableWindow
        ? `DynamoDB's restorable window at the request: ${r.restorableWindow.earliest} to ${r.restorableWindow.latest}`
        : "—",
    ],
    [
      "Scratch table",
      r.scratchTable ?? "—",
      "RestoreTableToPointInTime target; no stream, TTL, tags, alarms, PITR or deletion protection come with it",
    ],
    [
      "Time to ACTIVE",
      secs(r.secondsToActive),
      r.activeAt
        ? `request ${r.requestedAt} → first DescribeTable that saw ACTIVE, ${r.activeAt} (the one before, ${r.lastSeenNotActiveAt}, did not): an upper bound`
        : "not ACTIVE within the drill's wait",
    ],
  ];
  if (c) {
    rows.push(
      [
        "Payments acknowledged ≥ 60 s before the restore point",
        `copy ${c.copy.before} / source ${c.source.before}`,
        "counted by Scan in both tables; must be equal",
      ],
      ["Items written after the restore point, in the copy", String(c.copy.after), "must be 0"],
      [
        "Items within 60 s before it (not judged)",
        `copy ${c.copy.boundary} / source ${c.source.boundary}`,
        "their writes may have committed either side of it",
      ],
      [
        "Payments compared attribute by attribute",
        `${c.spotChecks.filter((s) => s.result === "identical").length} of ${c.spotChecks.filter((s) => s.result !== "changed").length} identical`,
        c.spotChecks
          .map(
            (s) =>
              `${s.key} (acknowledged ${s.acknowledgedAt}): ${s.result}${s.differences.length ? ` in ${s.differences.join(", ")}` : ""}`,
          )
          .join("; ") || "none",
      ],
      ["Items read", `${c.itemsRead}`, `${c.pages} Scan pages, checked ${c.checkedAt}`],
    );
  }
  rows.push([
    "Scratch table deleted",
    r.cleanup ? (r.cleanup.deleted ? "yes" : "NO") : "—",
    r.cleanup?.detail ?? "the cleanup did not run",
  ]);
  return `<table>
<caption>Restore rehearsal: a point-in-time copy restored, checked against its source and deleted (report.json restoreRehearsal)</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">Value</th><th scope="col">How, or what it means</th></tr></thead>
<tbody>
${rows.map(([a, b, c2]) => `<tr><th scope="row">${esc(a)}</th><td class="num">${esc(b)}</td><td>${esc(c2)}</td></tr>`).join("\n")}
</tbody>
</table>`;
}

function requirementsTable(rows: Requirement[]): string {
  return `<table>
<caption>Requirements and what this run supplies towards each (the requirement texts are paraphrased; the assessor decides whether they are met)</caption>
<thead><tr><th scope="col">Requirement</th><th scope="col">What it asks</th><th scope="col">Coverage</th><th scope="col">This run</th><th scope="col">Evidence</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><th scope="row">${esc(r.framework)} ${esc(r.ref)}</th><td>${esc(r.asks)}</td><td class="coverage ${r.coverage.replace(/ /g, "-")}">${esc(
        r.coverage,
      )}</td><td>${esc(r.thisRun)}</td><td>${r.evidence.length > 0 ? `<ul>${r.evidence.map((e) => `<li>${esc(e)}</li>`).join("")}</ul>` : "none"}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>`;
}

// --- provenance and evidence -------------------------------------------------------------------

function provenanceSection(p: Provenance | null): string {
  if (!p) {
    return `<p class="missing">Not recorded: this page was rendered from report.json alone (the run wrote no manifest.json), so who started and approved it and the code and configuration that ran are not known to it. Ask for the execution's input (Step Functions execution history) and the deploy's record.</p>`;
  }
  const a = p.approval;
  const people: [string, string][] = [
    ["Started by", p.startedBy ?? "not recorded (the execution input names nobody)"],
    ["How", p.startedHow],
    ["Ticket", p.ticket ?? "none given"],
    [
      "Approval",
      a.approved === null
        ? a.required
          ? `required (${a.requiredBecause ?? "see decisions"}), no answer recorded`
          : "not required for this run"
        : `${a.approved ? "approved" : "rejected"} by ${a.by ?? "an operator (not named)"}${a.comment ? ` — “${a.comment}”` : ""}${
            a.requiredBecause ? ` (required because ${a.requiredBecause})` : ""
          }`,
    ],
    ["Evidence written by", p.writtenBy],
  ];
  const facts = (caption: string, list: Provenance["code"]) => `<table>
<caption>${esc(caption)}</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead>
<tbody>
${list.map((f) => `<tr><th scope="row">${esc(f.label)}</th><td class="mono">${f.value === null ? '<span class="missing">not recorded</span>' : esc(f.value)}</td><td>${escCode(f.note)}</td></tr>`).join("\n")}
</tbody>
</table>`;
  return `<table>
<caption>People</caption>
<tbody>
${people.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("\n")}
</tbody>
</table>
${facts("Code tested", p.code)}
${facts("Configuration tested", p.configuration)}`;
}

function evidenceSection(input: ReportPageInput): string {
  const files = input.evidence;
  const rows = files
    .map(
      (f) =>
        `<tr><th scope="row">${esc(f.name)}</th><td class="mono">${esc(f.location)}</td><td class="num">${f.bytes}</td><td class="mono hash">${f.sha256}</td><td class="mono hash">${esc(
          f.sha256Base64,
        )}</td><td class="mono">${f.versionId ? esc(f.versionId) : "—"}</td></tr>`,
    )
    .join("\n");
  return `<p>Files of this run in ${esc(input.evidenceLocation)}, written before this page, with the SHA-256 of their bytes. <code>manifest.json</code>, written after this page, lists the same and this page's own digest (a page cannot carry its own).</p>
<table>
<caption>SHA-256 manifest of the evidence files</caption>
<thead><tr><th scope="col">File</th><th scope="col">Location</th><th scope="col">Bytes</th><th scope="col">SHA-256 (hex, as sha256sum prints)</th><th scope="col">SHA-256 (base64, as S3 reports ChecksumSHA256)</th><th scope="col">S3 version</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">none recorded</td></tr>'}
</tbody>
</table>
<p>In <code>sha256sum</code> format (save as <code>SHA256SUMS</code> next to the files, then <code>sha256sum -c SHA256SUMS</code>):</p>
<pre>${esc(sha256sumLines(files))}</pre>
<p>${escCode(VERIFY_TEXT)}</p>`;
}

function decisionsSection(report: DrReport): string {
  const d = report.decisions;
  const notes = report.evaluation.notes;
  return `${
    d.length > 0
      ? `<table>
<caption>Decisions the runbook took</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Step</th><th scope="col">Decision</th><th scope="col">Reason</th></tr></thead>
<tbody>
${d.map((x) => `<tr><td class="time">${esc(x.at)}</td><td>${esc(x.step)}</td><td>${esc(x.decision)}</td><td>${esc(x.reason)}</td></tr>`).join("\n")}
</tbody>
</table>`
      : "<p>No decisions recorded.</p>"
  }
<h3>Notes</h3>
${notes.length > 0 ? `<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "<p>None.</p>"}`;
}

/** The page's only style. Verdict, coverage and banner colours are never a phase colour: a phase's colour on screen is its marker. */
const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; color: #111; margin: 24px auto; max-width: 1040px; padding: 0 16px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #999; } h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 12.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; text-align: left; }
thead th { background: #eceff1; } tbody th { font-weight: 600; }
.num, .time { text-align: right; white-space: nowrap; } .time { text-align: left; } .measured { min-width: 7em; } .mono, pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11.5px; }
.hash { word-break: break-all; } pre { background: #f5f5f5; border: 1px solid #ddd; padding: 8px; white-space: pre-wrap; word-break: break-all; }
.verdict { font-weight: 700; white-space: nowrap; } .verdict.pass { color: #256029; } .verdict.fail { color: #9a0007; } .verdict.not-measured, .verdict.n\\/a { color: #555; font-weight: 400; font-style: italic; }
.coverage { white-space: nowrap; font-weight: 600; } .coverage.not-exercised { color: #9a0007; } .coverage.exercised { color: #256029; }
.missing { color: #555; font-style: italic; }
.result { font-size: 16px; } .result strong.passed { color: #256029; } .result strong.failed { color: #9a0007; }
.banner { border: 3px solid #9a0007; color: #9a0007; padding: 8px 12px; font-weight: 700; font-size: 16px; }
.watermark { position: fixed; z-index: -1; top: 45%; left: 0; right: 0; text-align: center; font-size: 110px; font-weight: 800; color: rgba(183, 28, 28, 0.07); transform: rotate(-24deg); pointer-events: none; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
figure { margin: 8px 0; } figcaption { font-size: 12.5px; color: #333; }
svg.timeline { max-width: 100%; height: auto; border: 1px solid #ccc; font-family: system-ui, "DejaVu Sans", Arial, sans-serif; }
svg .lane { font-size: 12px; font-weight: 700; fill: #111; } svg .phase { font-size: 12px; font-weight: 600; fill: #111; } svg .step { font-size: 11px; fill: #222; }
svg .missing { font-size: 11px; font-style: italic; fill: #555; } svg .tick { font-size: 10.5px; fill: #333; }
svg .grid { stroke: #e0e0e0; stroke-width: 1; } svg .guide { stroke-width: 1.5; stroke-dasharray: 4 3; opacity: 0.8; } svg .base { stroke: #999; stroke-width: 1; }
table.compact td, table.compact th { padding: 1px 6px; }
@page { size: A4; margin: 12mm; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, figure { break-inside: avoid; } .watermark { color: rgba(183, 28, 28, 0.1); } }
`;

/** The page, as one string of HTML. */
export function renderReportHtml(input: ReportPageInput): string {
  const { report, observed } = input;
  const e = report.execution;
  const phases = phasesOf(input);
  const { svg, zero, zeroWhat } = picture(input, phases);
  const objectives = objectiveRows(input);
  const { rows, notExercised } = requirementsOf(input, phases);
  const sim = report.simulated;
  const title = `${sim ? "SIMULATED — " : ""}DR ${e.mode} evidence — ${e.name}`;
  const p = input.provenance;
  const facts: [string, string][] = [
    ["Environment", report.environment ?? "—"],
    [
      "Regions",
      `activated ${report.regions.activated} (peer ${report.regions.peer}); primary ${report.regions.primary}, secondary ${report.regions.secondary}`,
    ],
    ["Execution", e.id],
    ["Started / finished", `${e.startedAt} / ${e.finishedAt} (${e.durationSeconds} s)`],
    ["Trigger", `${report.trigger.source}: ${report.trigger.summary}${report.trigger.at ? ` at ${report.trigger.at}` : ""}`],
    ["Started by", p ? (p.startedBy ?? "not recorded") : "not recorded (no manifest)"],
    [
      "Approved by",
      p
        ? p.approval.approved === null
          ? p.approval.required
            ? "approval required; no answer recorded"
            : "no approval required"
          : `${p.approval.by ?? "an operator"} (${p.approval.approved ? "approved" : "rejected"})`
        : "not recorded (no manifest)",
    ],
  ];
  if (e.error) facts.push(["Error", `${e.error.name}: ${e.error.cause}`]);
  const passed = report.evaluation.passed;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="payments-dr report-html v${PAGE_SCHEMA_VERSION}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${sim ? '<div class="watermark" aria-hidden="true">SIMULATED</div>' : ""}
<header>
<h1>${esc(`DR ${e.mode} evidence — ${e.name}`)}</h1>
${
  sim
    ? `<p class="banner" role="note">SIMULATED — produced by the offline rehearsal (npm start): the real runbook code ran against a simulated AWS on a virtual clock. It shows what a real run's page contains; it is not evidence about the production system.</p>`
    : ""
}
<p class="result">Result (the runbook's own evaluation of RTO and RPO against the stack's objectives): <strong class="${passed ? "passed" : "failed"}">${
    passed ? "PASSED" : "FAILED"
  }</strong> — outcome <code>${esc(report.outcome)}</code>, execution ${esc(e.status)}.</p>
<dl class="facts">
${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("\n")}
</dl>
<nav aria-label="Sections"><p><a href="#timeline">Timeline</a> · <a href="#objectives">Objectives</a>${
    report.holdPayments ? ' · <a href="#hold-payments">Payments during the hold</a>' : ""
  }${
    report.restoreRehearsal ? ' · <a href="#restore">Restore rehearsal</a>' : ""
  } · <a href="#requirements">Requirements</a> · <a href="#provenance">Code and configuration</a> · <a href="#evidence">Evidence files</a> · <a href="#decisions">Decisions</a></p></nav>
</header>
<main>
<section id="timeline" aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline</h2>
<figure>
${svg}
<figcaption>The run on one time axis (offsets from the ${esc(zeroWhat)}, ${iso(zero)}): the phases, each runbook step on its own row${
    observed?.traffic ? ", and the payments each region acknowledged or failed" : ""
  }. Hover a row for its full text; the tables below hold the same data.</figcaption>
</figure>
<h3>Timeline data</h3>
${timelineTable(input, phases, zero)}
${observed?.traffic ? `<h3>Traffic data</h3>\n${trafficTable(observed, zero)}` : '<p class="missing">Traffic and errors per region: not measured by the runbook (a real run sends no payments of its own).</p>'}
</section>
<section id="objectives" aria-labelledby="h-objectives">
<h2 id="h-objectives">Objectives and what was measured</h2>
${objectiveTable("The stack's objectives: RTO", objectives.stack)}
<h3>RPO per data store</h3>
${objectiveTable("RPO (rpoSeconds) by data store", objectives.rpo)}
<h3>Further targets (DESIGN.md), not part of the runbook's verdict</h3>
${objectiveTable("Payments and availability targets", objectives.design)}
<h3>Other measurements</h3>
${measurementsTable(report)}
</section>
${
  report.holdPayments
    ? `<section id="hold-payments" aria-labelledby="h-hold-payments">
<h2 id="h-hold-payments">Payments during the hold</h2>
${holdPaymentsSection(report.holdPayments)}
</section>
`
    : ""
}${
  report.restoreRehearsal
    ? `<section id="restore" aria-labelledby="h-restore">
<h2 id="h-restore">Restore rehearsal</h2>
${restoreSection(report.restoreRehearsal)}
</section>
`
    : ""
}<section id="requirements" aria-labelledby="h-requirements">
<h2 id="h-requirements">What this run exercised, mapped to requirements</h2>
${requirementsTable(rows)}
<h3>Not exercised</h3>
<ul class="not-exercised">
${notExercised.map((n) => `<li>${esc(n)}</li>`).join("\n")}
</ul>
</section>
<section id="provenance" aria-labelledby="h-provenance">
<h2 id="h-provenance">Configuration and code tested; who started and approved</h2>
${provenanceSection(p)}
</section>
<section id="evidence" aria-labelledby="h-evidence">
<h2 id="h-evidence">Evidence files</h2>
${evidenceSection(input)}
</section>
<section id="decisions" aria-labelledby="h-decisions">
<h2 id="h-decisions">Decisions and notes</h2>
${decisionsSection(report)}
</section>
</main>
<footer><p class="missing">Generated ${esc(report.generatedAt)} from report.json (${esc(report.kind)} v${report.schemaVersion}) by payments-dr's report page v${PAGE_SCHEMA_VERSION}.${
    sim ? " SIMULATED." : ""
  }</p></footer>
</body>
</html>
`;
}
