/**
 * Writes what a rehearsal produced to `reports/` (gitignored): the evidence of every runbook
 * execution in exactly the format a real run writes to its evidence bucket, under the same key
 * layout — report.json + report.md (runbooks/domain/report.ts), the evidence page report.html
 * (runbooks/domain/report-html.ts) and manifest.json (runbooks/domain/evidence-manifest.ts) —
 * all marked simulated, plus the rehearsal's own result as JSON.
 *
 * The page is the one a real run's write-report step renders, with what only the rehearsal can
 * see added: the outage the world suffered, DNS as clients resolved it, the first payment
 * acknowledged in the activated region, a failback that followed, and payments acknowledged and
 * failed per region (a real run's runbook sends no payments). Who started and approved a run
 * comes from the manifest the real write-report step wrote in the simulated bucket; the commit is
 * the checkout's.
 *
 * Evidence must not mix runs: each scenario's folder is emptied before the run writes into it,
 * and `reports/rehearsal/last-run.json` lists every file the last run wrote, so a folder left by
 * an earlier run of another scenario is never mistaken for this run's.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  buildManifest,
  describeFile,
  type EvidenceFile,
  evidenceKeys,
  isEvidenceManifest,
  type Provenance,
} from "../../runbooks/domain/evidence-manifest";
import { isDrReport, renderReportMarkdown, reportKeys, type DrReport } from "../../runbooks/domain/report";
import { type ObservedRun, renderReportHtml } from "../../runbooks/domain/report-html";
import { REPORTS_DIR } from "../deployment/deployment";
import type { Deployment } from "../deployment/types";
import { GAP_MS, writeGaps } from "./output";
import type { RehearsalResult } from "./runner";

/** The folder a scenario's evidence goes to: `<root>/rehearsal/<scenario>[+<fault>]`. */
export function evidenceDir(scenario: string, fault?: string, root = REPORTS_DIR): string {
  return join(root, "rehearsal", fault ? `${scenario}+${fault}` : scenario);
}

/** The manifest of the last run: `<root>/rehearsal/last-run.json`. */
export function manifestPath(root = REPORTS_DIR): string {
  return join(root, "rehearsal", "last-run.json");
}

/** What the evidence page says about the rehearsal itself: the stack it evaluated and the configuration given. */
export interface EvidenceContext {
  deployment: Deployment;
  /** Settings given with --config/--stack-file (empty: the defaults). */
  configuration: Record<string, unknown>;
}

export function writeEvidence(
  result: RehearsalResult,
  data: unknown,
  fault?: string,
  root = REPORTS_DIR,
  context?: EvidenceContext,
): { dir: string; files: string[] } {
  const dir = evidenceDir(result.scenario, fault, root);
  // This run's evidence only: reports of an earlier run of the same scenario are removed.
  rmSync(dir, { recursive: true, force: true });
  const files: string[] = [];
  const write = (path: string, content: string) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
    files.push(path);
  };
  write(join(dir, "rehearsal.json"), `${JSON.stringify(data, null, 2)}\n`);
  const reports = result.reports.filter((r) => isDrReport(r.report));
  for (const { region, execution, report, manifest } of reports) {
    // The report a runbook wrote in the simulated world is a real report of a simulated run.
    const simulated: DrReport = { ...(report as unknown as DrReport), simulated: true };
    const keys = { ...reportKeys(execution), ...evidenceKeys(execution) };
    const at = (key: string) => join(dir, region, key);
    const name = (key: string) => key.slice(key.lastIndexOf("/") + 1);
    const described = (key: string, body: string): EvidenceFile => describeFile(name(key), relative(dir, at(key)), body);
    const json = `${JSON.stringify(simulated, null, 2)}\n`;
    const markdown = renderReportMarkdown(simulated);
    write(at(keys.json), json);
    write(at(keys.markdown), markdown);
    const before = [described(keys.json, json), described(keys.markdown, markdown)];
    const provenance = isEvidenceManifest(manifest) ? rehearsalProvenance(manifest.provenance, context) : null;
    const html = renderReportHtml({
      report: simulated,
      provenance,
      evidence: before,
      evidenceLocation: `${relativeToCwd(join(at(keys.json), ".."))}/ (files of the rehearsal, not of an evidence bucket)`,
      observed: observedRun(result, simulated, reports.map((r) => r.report as unknown as DrReport).filter(Boolean)),
    });
    write(at(keys.html), html);
    const evidence = buildManifest({
      execution: {
        name: simulated.execution.name,
        id: simulated.execution.id,
        region: simulated.execution.region,
        mode: simulated.execution.mode,
      },
      generatedAt: simulated.generatedAt,
      simulated: true,
      provenance: provenance ?? emptyProvenance(),
      files: [...before, described(keys.html, html)],
    });
    write(at(keys.manifest), `${JSON.stringify(evidence, null, 2)}\n`);
  }
  return { dir, files };
}

const iso = (t: number) => new Date(t).toISOString();
const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * What the rehearsal saw of the run `report` describes: the world's outage of the peer, DNS as
 * clients resolved it, acknowledgements, a failback that followed, and traffic per region.
 */
export function observedRun(result: RehearsalResult, report: DrReport, all: DrReport[]): ObservedRun {
  const activated = report.regions.activated;
  const peer = report.regions.peer;
  const runStart = Date.parse(report.execution.startedAt);
  const runEnd = Date.parse(report.execution.finishedAt);

  // The latest outage of the peer that began before this run started (a drill drains; it has none).
  const downs = result.availability.filter((a) => a.region === peer && !a.up && a.at <= runStart);
  const down = downs.at(-1);
  const up = down ? result.availability.find((a) => a.region === peer && a.up && a.at > down.at) : undefined;
  const outage = down ? { region: peer, at: iso(down.at), recoveredAt: up ? iso(up.at) : null } : null;
  const reported = Date.parse(report.measurements.outageStartedAt ?? "");
  const start = down?.at ?? (Number.isFinite(reported) ? reported : runStart);

  // DNS as clients resolved it: the failover name's answers, as the world's timeline recorded each change.
  const answers = result.timeline
    .filter((e) => e.kind === "dns")
    .map((e) => ({ at: e.at, region: / now answers (\S+)/.exec(e.text)?.[1] }))
    .filter((a) => a.region !== undefined);
  const before = answers.filter((a) => a.at < start).at(-1);
  const after = answers.find((a) => a.at >= start && a.region === activated);
  const dnsAt = after?.at ?? (before?.region === activated ? start : null);
  const firstAck = result.acks.find((a) => a.region === activated && a.at >= start);
  const clientRto = dnsAt !== null && firstAck ? round1((Math.max(dnsAt, firstAck.at) - start) / 1000) : null;

  // A failover's failback is another execution, in the peer (the primary), started after this one.
  const failback =
    report.execution.mode === "failover"
      ? all
          .filter((r) => r.execution.mode === "failback" && r.regions.activated === peer && Date.parse(r.execution.startedAt) > runStart)
          .sort((a, b) => a.execution.startedAt.localeCompare(b.execution.startedAt))[0]
      : undefined;

  const f = result.figures;
  return {
    source: "the rehearsal's simulated clients and world",
    outage,
    dnsAnsweredAt: dnsAt === null ? null : iso(dnsAt),
    firstAckAt: firstAck ? iso(firstAck.at) : null,
    clientRtoSeconds: clientRto,
    failback: failback
      ? {
          execution: failback.execution.name,
          region: failback.regions.activated,
          startedAt: failback.execution.startedAt,
          endedAt: failback.execution.finishedAt,
          status: failback.execution.status,
        }
      : null,
    payments: {
      acknowledged: f.acknowledged,
      lost: f.acknowledgedPaymentsLost,
      duplicated: f.duplicatePayments,
      acceptedByDemotedRegion: f.writesAfterDemotion,
    },
    unreplicatedAtOutage:
      outage && f.unreplicatedWindowSeconds !== null
        ? { seconds: f.unreplicatedWindowSeconds, payments: f.unreplicatedPaymentsAtOutage }
        : null,
    gaps: writeGaps(result).map((g) => ({ from: iso(g.from), seconds: g.seconds })),
    gapThresholdSeconds: GAP_MS / 1000,
    notificationsSent: result.notifications.filter((n) => n.region === report.execution.region && n.at >= runStart && n.at <= runEnd + 1000)
      .length,
    traffic: trafficSeries(result, [report.regions.primary, report.regions.secondary]),
  };
}

/** Attempts per region in buckets of 5–60 s (at most 60 buckets): acknowledged (202) and failed (anything else). */
function trafficSeries(result: RehearsalResult, regions: string[]): ObservedRun["traffic"] {
  if (result.attempts.length === 0) return null;
  const from = result.origin;
  const last = Math.max(...result.attempts.map((a) => a.at));
  const span = (last - from) / 1000;
  const bucketSeconds = [5, 10, 15, 20, 30, 60].find((b) => span / b <= 60) ?? 60;
  const n = Math.floor(span / bucketSeconds) + 1;
  return {
    from: iso(from),
    bucketSeconds,
    regions: regions.map((region) => {
      const acknowledged = new Array<number>(n).fill(0);
      const failed = new Array<number>(n).fill(0);
      for (const a of result.attempts) {
        if (a.region !== region) continue;
        const i = Math.min(n - 1, Math.floor((a.at - from) / 1000 / bucketSeconds));
        if (a.outcome === 202) acknowledged[i] += 1;
        else failed[i] += 1;
      }
      return { region, acknowledged, failed };
    }),
  };
}

let checkout: { commit: string | null; dirty: boolean } | undefined;
/** The commit of this checkout, once per process (null when git cannot say). */
function commitOfCheckout(): { commit: string | null; dirty: boolean } {
  if (!checkout) {
    const git = (args: string[]) =>
      execFileSync("git", args, { cwd: join(__dirname, "..", ".."), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    try {
      checkout = { commit: git(["rev-parse", "HEAD"]).trim(), dirty: git(["status", "--porcelain", "--untracked-files=no"]).trim() !== "" };
    } catch {
      checkout = { commit: null, dirty: false };
    }
  }
  return checkout;
}

/** The provenance the real write-report step recorded, with what the rehearsal knows and it cannot: the commit, the stack's settings. */
function rehearsalProvenance(recorded: Provenance, context: EvidenceContext | undefined): Provenance {
  const { commit, dirty } = commitOfCheckout();
  const code = [
    {
      label: "Commit",
      value: commit ? `${commit}${dirty ? " (with uncommitted changes to tracked files)" : ""}` : null,
      note: commit ? "git rev-parse HEAD of the checkout that ran the rehearsal" : "not recorded: git could not say",
    },
    {
      label: "Handlers",
      value: "run from source (tsx), unmodified, one copy per function with its deployed environment",
      note: "the rehearsal builds no bundles, so bundle hashes do not apply; the code file digest below is of the source file",
    },
    { label: "Node.js", value: process.version, note: "the rehearsal's runtime (Lambda runs nodejs24.x)" },
    ...recorded.code.filter((f) => f.label !== "Commit" && f.label !== "Other functions' bundles"),
  ];
  const d = context?.deployment;
  const endpoint = d?.healthChecks.find((c) => c.type === "HTTPS");
  const configuration = [
    ...recorded.configuration.filter((f) => f.label !== "Other stack settings"),
    ...(d
      ? [
          { label: "Stack", value: d.stack, note: "the Pulumi program evaluated offline (npm run plan prints it)" },
          {
            label: "Settings given",
            value: Object.keys(context.configuration).length > 0 ? JSON.stringify(context.configuration) : "none: the defaults",
            note: "--config and --stack-file given to npm start",
          },
          {
            label: "Health checks",
            value: endpoint ? `every ${endpoint.intervalSeconds} s, unhealthy after ${endpoint.failureThreshold} failures` : null,
            note: "Route 53 endpoint checks as the program configures them",
          },
          {
            label: "DNS TTL",
            value: `${d.records.find((r) => r.name === d.witnessName)?.ttlSeconds ?? "?"} s`,
            note: "the failover records' TTL",
          },
          {
            label: "Tables",
            value: d.tables.map((t) => `${t.name} ${t.consistency}${t.witness ? ` (witness ${t.witness})` : ""}`).join("; "),
            note: "DynamoDB global tables and their consistency mode",
          },
        ]
      : []),
  ];
  return {
    ...recorded,
    code,
    configuration,
    writtenBy: `the offline rehearsal (npm start), from what ${recorded.writtenBy} recorded in the simulated world`,
  };
}

function emptyProvenance(): Provenance {
  return {
    startedBy: null,
    startedHow: "not recorded",
    ticket: null,
    approval: { required: false, requiredBecause: null, approved: null, by: null, comment: null },
    code: [],
    configuration: [],
    writtenBy: "the offline rehearsal (npm start); the run wrote no manifest in the simulated world",
  };
}

/** What `last-run.json` holds. Paths are relative to the folder the manifest is in. */
export interface RunManifest {
  simulated: true;
  /** Wall-clock time the run finished (the rehearsal's own timeline is virtual). */
  finishedAt: string;
  /** The command line's arguments, as given. */
  args: string[];
  passed: boolean;
  scenarios: { scenario: string; fault: string | null; passed: boolean; dir: string; files: string[] }[];
  note: string;
}

/** Writes `last-run.json` (replacing the previous one) and returns its path. */
export function writeManifest(
  runs: { scenario: string; fault?: string; passed: boolean; dir: string; files: string[] }[],
  args: string[],
  root = REPORTS_DIR,
): string {
  const path = manifestPath(root);
  const base = join(path, "..");
  const manifest: RunManifest = {
    simulated: true,
    finishedAt: new Date().toISOString(),
    args,
    passed: runs.every((r) => r.passed),
    scenarios: runs.map((r) => ({
      scenario: r.scenario,
      fault: r.fault ?? null,
      passed: r.passed,
      dir: relative(base, r.dir),
      files: r.files.map((f) => relative(base, f)),
    })),
    note: "Every file the last rehearsal wrote, relative to this folder. Other folders here are from earlier runs of other scenarios.",
  };
  mkdirSync(base, { recursive: true });
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
