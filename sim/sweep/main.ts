/**
 * `npm run sweep`: the randomized sweep (sweep.ts) from the command line. The program is evaluated
 * offline as `npm start` evaluates it (the rehearsal's defaults, and the `--config` settings given,
 * which every replay command repeats), then the runs are drawn, rehearsed, judged and shrunk.
 * The report goes to stdout (text, or `--json`), progress to stderr.
 */
import { evaluateProgram } from "../../infra/offline/evaluate";
import { deploymentFromEvaluation } from "../deployment/deployment";
import { ConfigFlagError, type RehearsalConfig, rehearsalConfig, renderConfiguration } from "../rehearsal/config-flags";
import { loadSdkConfigFiles } from "../rehearsal/main";
import { SIMULATED_NOTICE } from "../rehearsal/output";
import { scenarioNamed } from "../rehearsal/scenarios";
import { parseSweepCli, type SweepCli, sweepHelp, UsageError } from "./cli";
import { STEADY_STORY_MS } from "./steady";
import { type SweepReport, sweep } from "./sweep";
import { describeTimeline, size } from "./timeline";

const progress = (text: string) => process.stderr.write(`${text}\n`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function renderSweep(report: SweepReport): string {
  const lines: string[] = [];
  const held = report.cases.filter((c) => c.failed.length + c.known.length === 0).length;
  lines.push(
    `Base: ${report.base} (faults within a ${report.storyMs / 60_000}-minute story), seed ${report.seed}, ${plural(report.runs, "run")}, ` +
      `shrinking: at most ${plural(report.shrinkRuns, "rehearsal")} per failing check${report.plant.length ? `, planted in every run: ${report.plant.join(" ")}` : ""}`,
  );
  lines.push(`Runs: ${report.runs} — ${held} held every invariant, ${report.runs - held} failed at least one`);
  lines.push("");
  const show = (c: SweepReport["classes"][number]) => {
    const label = c.knownReason ? "KNOWN" : "FAILED";
    lines.push(
      `${label}: ${c.check} — ${c.runs.length} of ${report.runs} runs (${c.runs.map((i) => i + 1).join(", ")})${c.knownReason ? `; known: ${c.knownReason}` : ""}`,
    );
    const how = `${plural(c.shrinking.steps, "shrink step")} in ${plural(c.shrinking.rehearsals, "rehearsal")}${c.shrinking.budgetExhausted ? ", budget exhausted: smaller may exist" : ""}`;
    lines.push(`  minimal timeline: ${plural(size(c.minimal), "event")} (drawn with ${size(c.found)}; ${how})`);
    for (const l of describeTimeline(c.minimal)) lines.push(`    ${l}`);
    lines.push(`  what failed: ${c.detail}`);
    const others = c.minimalFails.filter((f) => f !== c.check);
    if (others.length > 0) lines.push(`  it also fails: ${others.join("; ")}`);
    lines.push(
      c.deterministic
        ? `  rehearsed again: the same figures (fingerprint ${c.fingerprint})`
        : `  rehearsed again: DIFFERENT figures — the simulation is not deterministic here (${c.divergence})`,
    );
    lines.push(`  replay: ${c.replay}`);
    lines.push("");
  };
  const unknown = report.classes.filter((c) => !c.knownReason);
  const known = report.classes.filter((c) => c.knownReason);
  if (report.classes.length === 0) lines.push("Every invariant held in every run.", "");
  for (const c of unknown) show(c);
  if (known.length > 0) {
    lines.push("Known failures (declared by the base scenario; reported, not counted):");
    lines.push("");
    for (const c of known) show(c);
  }
  lines.push(`Repeat this sweep: ${report.command}`);
  const diverged = report.classes.filter((c) => !c.deterministic).length;
  lines.push(
    `Result: ${report.passed ? "PASSED" : "FAILED"} — ${plural(unknown.length, "invariant")} failed${known.length ? `, ${known.length} known` : ""}${diverged ? `, ${diverged} replay(s) not deterministic` : ""}; ${plural(report.rehearsals, "rehearsal")} in all`,
  );
  return lines.join("\n");
}

async function run(options: SweepCli, configuration: RehearsalConfig): Promise<number> {
  const started = performance.now();
  const base = scenarioNamed(options.scenario);
  if (!base) throw new UsageError(`Unknown scenario ${options.scenario}`);
  if (!options.json) {
    console.log("payments-dr — randomized sweep of the offline rehearsal");
    console.log("");
    console.log(SIMULATED_NOTICE);
    console.log("");
  }
  progress(`Evaluating the Pulumi program offline (stack ${configuration.stack}) ...`);
  if (!options.json) console.log(`${renderConfiguration(configuration)}\n`);
  const deployment = deploymentFromEvaluation(await evaluateProgram({ stack: configuration.stack, config: configuration.config }));
  await loadSdkConfigFiles();
  progress(
    `Sweeping ${base.name}: seed ${options.seed}${options.seedGiven ? "" : " (drawn; pass --seed to repeat)"}, ${options.runs} runs ...`,
  );
  const report = await sweep({
    deployment,
    base,
    runs: options.runs,
    seed: options.seed,
    storyMs: STEADY_STORY_MS,
    shrinkRuns: options.shrinkRuns,
    config: options.config,
    plant: options.plant,
    progress,
  });
  const wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  if (options.json) console.log(JSON.stringify({ ...report, wallSeconds }, null, 2));
  else console.log(renderSweep(report));
  progress(`Done in ${wallSeconds} s of wall time.`);
  return report.passed ? 0 : 1;
}

async function main(): Promise<void> {
  let options: SweepCli;
  let configuration: RehearsalConfig;
  try {
    options = parseSweepCli(process.argv.slice(2));
    // Validated as npm start validates it, before anything is evaluated.
    configuration = rehearsalConfig({ config: options.config });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${sweepHelp()}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigFlagError) {
      process.stderr.write(`${error.message}\n\nNothing was rehearsed. Usage: npm run sweep -- --help\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    console.log(sweepHelp());
    return;
  }
  process.exitCode = await run(options, configuration);
}

if (require.main === module) {
  // A rejection nobody handled is a defect of the simulation or of the code under test: say so, fail.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(
      `Unhandled rejection during the sweep: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
    );
    process.exit(1);
  });
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  });
}
