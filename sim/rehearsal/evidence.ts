/**
 * Writes what a rehearsal produced to `reports/` (gitignored): the evidence report of every
 * runbook execution in exactly the format a real run writes to its evidence bucket
 * (runbooks/domain/report.ts: report.json + report.md, marked simulated), under the same key
 * layout, plus the rehearsal's own result as JSON.
 *
 * Evidence must not mix runs: each scenario's folder is emptied before the run writes into it,
 * and `reports/rehearsal/last-run.json` lists every file the last run wrote, so a folder left by
 * an earlier run of another scenario is never mistaken for this run's.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isDrReport, renderReportMarkdown, reportKeys, type DrReport } from "../../runbooks/domain/report";
import { REPORTS_DIR } from "../deployment/deployment";
import type { RehearsalResult } from "./runner";

/** The folder a scenario's evidence goes to: `<root>/rehearsal/<scenario>[+<fault>]`. */
export function evidenceDir(scenario: string, fault?: string, root = REPORTS_DIR): string {
  return join(root, "rehearsal", fault ? `${scenario}+${fault}` : scenario);
}

/** The manifest of the last run: `<root>/rehearsal/last-run.json`. */
export function manifestPath(root = REPORTS_DIR): string {
  return join(root, "rehearsal", "last-run.json");
}

export function writeEvidence(
  result: RehearsalResult,
  data: unknown,
  fault?: string,
  root = REPORTS_DIR,
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
  for (const { region, execution, report } of result.reports) {
    if (!isDrReport(report)) continue;
    // The report a runbook wrote in the simulated world is a real report of a simulated run.
    const simulated: DrReport = { ...report, simulated: true };
    const keys = reportKeys(execution);
    write(join(dir, region, keys.json), `${JSON.stringify(simulated, null, 2)}\n`);
    write(join(dir, region, keys.markdown), renderReportMarkdown(simulated));
  }
  return { dir, files };
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
