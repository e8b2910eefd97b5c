/**
 * `npm start`: the offline outage rehearsal (DESIGN.md, "The offline rehearsal"), and `npm run
 * plan` (`--plan`), its first stage alone.
 *
 * Stage 1 evaluates the Pulumi program offline (infra/offline), with the defaults or the stack
 * configuration given by `--stack-file`/`--config` (config-flags.ts, validated before anything
 * runs), prints the offline plan and reads the deployed configuration from it; stage 2 runs the
 * chosen scenario(s) in the simulated world; the result is printed (or `--json`) and the evidence
 * reports are written under reports/rehearsal/<scenario>/, listed in reports/rehearsal/last-run.json.
 * Data goes to stdout, progress to stderr.
 */
import { rmSync } from "node:fs";
import { SFNClient } from "@aws-sdk/client-sfn";
import { evaluateProgram } from "../../infra/offline/evaluate";
import { renderPlan } from "../../infra/offline/plan";
import { awsClient, CLI_CALL_TUNING } from "../../lib/aws-clients";
import { helpText, parseCli, UsageError, type CliOptions } from "./cli";
import { ConfigFlagError, rehearsalConfig, renderConfiguration, type RehearsalConfig } from "./config-flags";
import { deploymentFromEvaluation } from "../deployment/deployment";
import { manifestPath, relativeToCwd, writeEvidence, writeManifest } from "./evidence";
import { renderDeployment, renderResult, resultData, SIMULATED_NOTICE } from "./output";
import { runScenario } from "./runner";
import { withExperiment } from "../fis/rehearsal";
import { scenarioNamed } from "./scenarios";
import { withOperatorActions } from "../sweep/operator-actions";

const progress = (text: string) => process.stderr.write(`${text}\n`);

/** Stage 1: the program evaluated with this configuration, and the plan as printed. */
async function planStage(configuration: RehearsalConfig) {
  const evaluation = await evaluateProgram({ stack: configuration.stack, config: configuration.config });
  const deployment = deploymentFromEvaluation(evaluation);
  // The offline plan (what would be deployed, per region and area, and the key names), with the
  // configuration it was evaluated with after its header.
  const plan = renderPlan(evaluation).split("\n");
  const body = plan.findIndex((l) => l.startsWith("Resources: "));
  const planHeader = [
    ...plan.slice(0, body).filter((l) => l.trim() !== ""),
    renderConfiguration(configuration),
    "",
    ...plan.slice(body),
    "",
  ].join("\n");
  return { deployment, text: renderDeployment(deployment, planHeader).join("\n") };
}

/**
 * The AWS SDK reads ~/.aws/config and ~/.aws/credentials (real file I/O, then cached for the
 * process) the first time a client resolves its configuration. The simulated world's virtual clock
 * keeps firing timers while real I/O is pending, so that first read, made in the middle of a
 * scenario by the operator's first StartExecution, delayed what followed by an amount that depended
 * on how busy the machine was (0.5 s of virtual time on a quiet machine, up to a minute on a busy
 * one). Read once here, before any clock runs, every run of a scenario tells the same story.
 */
export async function loadSdkConfigFiles(): Promise<void> {
  const client = awsClient(SFNClient, "us-east-1", CLI_CALL_TUNING);
  await client.config.useFipsEndpoint();
  client.destroy();
}

/** `npm run plan`: stage 1 alone. */
async function plan(configuration: RehearsalConfig): Promise<number> {
  progress(`Evaluating the Pulumi program offline (stack ${configuration.stack}) ...`);
  console.log((await planStage(configuration)).text);
  return 0;
}

async function rehearse(options: CliOptions, configuration: RehearsalConfig, args: string[]): Promise<number> {
  const started = performance.now();
  if (!options.json) {
    console.log("payments-dr — offline outage rehearsal");
    console.log("");
    console.log(SIMULATED_NOTICE);
    console.log("");
  }
  // A run that stops half-way must not leave the previous run's list looking like its own.
  rmSync(manifestPath(), { force: true });
  progress(`Stage 1/2: evaluating the Pulumi program offline (stack ${configuration.stack}) ...`);
  const { deployment, text: planText } = await planStage(configuration);
  // The evidence says which configuration it was rehearsed with (an empty object: the defaults).
  const nonDefault = Object.fromEntries(configuration.nonDefault.map((c) => [c.key, c.value]));
  if (!options.json) {
    console.log(planText);
    console.log("");
  }
  await loadSdkConfigFiles();
  const results = [];
  const written: { scenario: string; fault?: string; passed: boolean; dir: string; files: string[] }[] = [];
  for (const name of options.scenarios) {
    const named = scenarioNamed(name);
    if (!named) throw new UsageError(`Unknown scenario ${name}`);
    const scenario = withOperatorActions(named, options.operator?.map((o) => o.action) ?? []);
    progress(`Stage 2/2: rehearsing "${name}" in the simulated world ...`);
    const result = await runScenario(deployment, withExperiment(scenario, options.experiment, deployment), {
      ...(options.fault ? { fault: options.fault } : {}),
      ...(options.faults ? { faults: options.faults.map((f) => f.timed) } : {}),
    });
    // A planted defect names the evidence folder; injected faults are written "faults" (the specs are in the result).
    const faultLabel = options.fault ?? (options.faults || options.operator ? "faults" : undefined);
    const data = {
      ...resultData(result, undefined),
      configuration: nonDefault,
      ...(options.experiment ? { experiment: options.experiment.spec } : {}),
      ...(options.faults ? { faults: options.faults.map((f) => f.spec) } : {}),
      ...(options.operator ? { operator: options.operator.map((o) => o.spec) } : {}),
    };
    const evidence = writeEvidence(result, data, faultLabel, undefined, { deployment, configuration: nonDefault });
    written.push({ scenario: name, ...(faultLabel ? { fault: faultLabel } : {}), passed: result.passed, ...evidence });
    const withDir = { ...data, reportDir: relativeToCwd(evidence.dir) };
    results.push(withDir);
    if (!options.json) {
      console.log(renderResult(result, { verbose: options.verbose }));
      console.log(
        `Evidence: ${result.reports.length} runbook report(s) in the format a real run writes, and the rehearsal's result, under ${relativeToCwd(evidence.dir)}/`,
      );
      console.log("");
    }
  }
  const passed = results.every((r) => r.summary.passed);
  const manifest = relativeToCwd(writeManifest(written, args));
  const files = written.flatMap((w) => w.files).map(relativeToCwd);
  const wall = Math.round((performance.now() - started) / 100) / 10;
  if (options.json) {
    const deploymentSummary = {
      stack: deployment.stack,
      environment: deployment.environment,
      regions: deployment.regions,
      objectives: deployment.objectives,
    };
    const evidence = { manifest, files };
    const out =
      results.length === 1
        ? { ...results[0], deployment: deploymentSummary, evidence, wallSeconds: wall }
        : {
            simulated: true,
            deployment: deploymentSummary,
            summary: { passed, scenarios: results.map((r) => ({ scenario: r.scenario, ...r.summary })) },
            scenarios: results,
            evidence,
            wallSeconds: wall,
          };
    console.log(JSON.stringify(out, null, 2));
    progress(`Evidence: this run wrote ${files.length} files, listed in ${manifest}.`);
  } else {
    if (results.length > 1) {
      console.log(`All scenarios: ${results.map((r) => `${r.scenario} ${r.summary.passed ? "PASSED" : "FAILED"}`).join(", ")}`);
      console.log("");
    }
    console.log(`Files this run wrote (listed in ${manifest}; anything else under reports/ is from earlier runs):`);
    for (const file of files) console.log(`  ${file}`);
    console.log("");
  }
  progress(`Done in ${wall} s of wall time${options.json ? "" : " (the world was simulated; see the notice at the top)"}.`);
  return passed ? 0 : 1;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let options: CliOptions;
  let configuration: RehearsalConfig;
  try {
    options = parseCli(args);
    if (options.help) {
      console.log(helpText({ plan: options.plan }));
      return;
    }
    // Read and validated before anything is evaluated or run.
    configuration = rehearsalConfig(options);
  } catch (error) {
    const planning = args.includes("--plan");
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${helpText({ plan: planning })}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigFlagError) {
      process.stderr.write(
        `${error.message}\n\n${planning ? "Nothing was evaluated. Usage: npm run plan -- --help" : "Nothing was rehearsed. Usage: npm start -- --help"}\n`,
      );
      process.exit(2);
    }
    throw error;
  }
  process.exitCode = options.plan ? await plan(configuration) : await rehearse(options, configuration, args);
}

if (require.main === module) {
  // A rejection nobody handled is a defect of the simulation or of the code under test: say so, fail.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(
      `Unhandled rejection during the rehearsal: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
    );
    process.exit(1);
  });
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  });
}
