/**
 * Records real drctl sessions against the offline rehearsal's simulated world and writes them to
 * docs/cli-sessions.md: the sessions shown in the docs are this script's output, not hand-written.
 * There is no AWS account here; drctl runs in-process (runCli) and its SDK clients and DNS
 * queries are answered by the simulated two-region AWS, on the virtual clock (fixed epoch and
 * seed, so the file is the same on every run).
 *
 * docs/runbooks.md and the README quote some of them: their quoted blocks (scripts/cli-sessions/excerpts.ts)
 * are checked against the recording in both modes.
 *
 * Usage: npx tsx scripts/record-cli-sessions.ts           # (re)write docs/cli-sessions.md
 *        npx tsx scripts/record-cli-sessions.ts --check   # exit 1 if the file or an excerpt is not current
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_OFFLINE_CONFIG, evaluateProgram } from "../infra/offline/evaluate";
import { deploymentFromEvaluation } from "../sim/deployment/deployment";
import { REHEARSAL_EPOCH } from "../sim/session";
import { evaluateInChild } from "./cli-sessions/evaluate";
import { staleExcerptLines } from "./cli-sessions/excerpts";
import { GENERATOR, renderSessions } from "./cli-sessions/render";
import { approval, outageAndFailback, quarterlyDrill } from "./cli-sessions/stories";
import { SEED } from "./cli-sessions/world";

export const SESSIONS_FILE = join(__dirname, "..", "docs", "cli-sessions.md");
/** Docs that quote the sessions. */
export const QUOTING_FILES = [join(__dirname, "..", "docs", "runbooks.md"), join(__dirname, "..", "README.md")];

export async function recordSessions(): Promise<string> {
  const variant = evaluateInChild({ ...DEFAULT_OFFLINE_CONFIG, autoFailover: false });
  variant.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const standard = deploymentFromEvaluation(await evaluateProgram());
  const manualApproval = deploymentFromEvaluation(await variant);
  const stories = [await outageAndFailback(standard), await approval(manualApproval), await quarterlyDrill(standard)];
  return renderSessions(stories, { epoch: REHEARSAL_EPOCH, seed: SEED });
}

function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}:\n  file:     ${x[i] ?? "(end of file)"}\n  recorded: ${y[i] ?? "(end of file)"}`;
  }
  return "none";
}

async function main() {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
  const recorded = await recordSessions();
  let ok = true;
  if (!values.check) {
    writeFileSync(SESSIONS_FILE, recorded);
    console.log(`wrote ${SESSIONS_FILE}`);
  } else {
    const current = existsSync(SESSIONS_FILE) ? readFileSync(SESSIONS_FILE, "utf8") : "";
    if (current === recorded) console.log(`${SESSIONS_FILE} is current`);
    else {
      console.error(
        `${SESSIONS_FILE} is not what drctl records now (first difference at ${firstDifference(current, recorded)})\nrun: ${GENERATOR}`,
      );
      ok = false;
    }
  }
  for (const file of QUOTING_FILES) {
    const { excerpts, stale } = staleExcerptLines(readFileSync(file, "utf8"), recorded);
    if (stale.length === 0) {
      console.log(`${file}: ${excerpts} excerpts match the recorded sessions`);
      continue;
    }
    console.error(`${file}: excerpt lines that are not in the recorded sessions (update them from docs/cli-sessions.md):`);
    for (const s of stale) console.error(`  line ${s.line}: ${s.text}`);
    ok = false;
  }
  if (!ok) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
