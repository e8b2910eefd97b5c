/**
 * Writes what a rehearsal produced to `reports/` (gitignored): the evidence report of every
 * runbook execution in exactly the format a real run writes to its evidence bucket
 * (runbooks/domain/report.ts: report.json + report.md, marked simulated), under the same key
 * layout, plus the rehearsal's own result as JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isDrReport, renderReportMarkdown, reportKeys, type DrReport } from "../../runbooks/domain/report";
import { REPORTS_DIR } from "../deployment/deployment";
import type { RehearsalResult } from "./runner";

export function writeEvidence(
  result: RehearsalResult,
  data: unknown,
  fault?: string,
  root = REPORTS_DIR,
): { dir: string; files: string[] } {
  const dir = join(root, "rehearsal", fault ? `${result.scenario}+${fault}` : result.scenario);
  const files: string[] = [];
  const write = (path: string, content: string) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
    files.push(path);
  };
  for (const { region, execution, report } of result.reports) {
    if (!isDrReport(report)) continue;
    // The report a runbook wrote in the simulated world is a real report of a simulated run.
    const simulated: DrReport = { ...report, simulated: true };
    const keys = reportKeys(execution);
    write(join(dir, region, keys.json), `${JSON.stringify(simulated, null, 2)}\n`);
    write(join(dir, region, keys.markdown), renderReportMarkdown(simulated));
  }
  write(join(dir, "rehearsal.json"), `${JSON.stringify(data, null, 2)}\n`);
  return { dir, files };
}

export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
