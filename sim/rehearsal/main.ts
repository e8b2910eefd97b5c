/**
 * `npm start`: the offline outage rehearsal (DESIGN.md, "The offline rehearsal").
 *
 * Stage 1 evaluates the Pulumi program offline (infra/offline), with the defaults or the stack
 * configuration given by `--stack-file`/`--config` (config-flags.ts, validated before anything
 * runs), prints the offline plan and reads the deployed configuration from it; stage 2 runs the
 * chosen scenario(s) in the simulated world; the result is printed (or `--json`) and the evidence
 * reports are written under reports/rehearsal/.
 * Data goes to stdout, progress to stderr.
 */
import { evaluateProgram } from "../../infra/offline/evaluate";
import { renderPlan } from "../../infra/offline/plan";
import { helpText, parseCli, UsageError, type CliOptions } from "./cli";
import { ConfigFlagError, rehearsalConfig, renderConfiguration, type RehearsalConfig } from "./config-flags";
import { deploymentFromEvaluation } from "../deployment/deployment";
import { relativeToCwd, writeEvidence } from "./evidence";
import { renderDeployment, renderResult, resultData, SIMULATED_NOTICE } from "./output";
import { runScenario } from "./runner";
import { scenarioNamed } from "./scenarios";

const progress = (text: string) => process.stderr.write(`${text}\n`);

async function rehearse(options: CliOptions, configuration: RehearsalConfig): Promise<number> {
  const started = performance.now();
  if (!options.json) {
    console.log("payments-dr — offline outage rehearsal");
    console.log("");
    console.log(SIMULATED_NOTICE);
    console.log("");
  }
  progress(`Stage 1/2: evaluating the Pulumi program offline (stack ${configuration.stack}) ...`);
  const evaluation = await evaluateProgram({ stack: configuration.stack, config: configuration.config });
  const deployment = deploymentFromEvaluation(evaluation);
  // The offline plan is the first stage (what would be deployed, per region and area, and the
  // key names), with the configuration it was evaluated with after its header.
  const plan = renderPlan(evaluation).split("\n");
  const body = plan.findIndex((l) => l.startsWith("Resources: "));
  const planHeader = [
    ...plan.slice(0, body).filter((l) => l.trim() !== ""),
    renderConfiguration(configuration),
    "",
    ...plan.slice(body),
    "",
  ].join("\n");
  // The evidence says which configuration it was rehearsed with (an empty object: the defaults).
  const nonDefault = Object.fromEntries(configuration.nonDefault.map((c) => [c.key, c.value]));
  if (!options.json) {
    console.log(renderDeployment(deployment, planHeader).join("\n"));
    console.log("");
  }
  const results = [];
  for (const name of options.scenarios) {
    const scenario = scenarioNamed(name);
    if (!scenario) throw new UsageError(`Unknown scenario ${name}`);
    progress(`Stage 2/2: rehearsing "${name}" in the simulated world ...`);
    const result = await runScenario(deployment, scenario, options.fault ? { fault: options.fault } : {});
    const data = { ...resultData(result, undefined), configuration: nonDefault };
    const evidence = writeEvidence(result, data, options.fault);
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
  const wall = Math.round((performance.now() - started) / 100) / 10;
  if (options.json) {
    const deploymentSummary = {
      stack: deployment.stack,
      environment: deployment.environment,
      regions: deployment.regions,
      objectives: deployment.objectives,
    };
    const out =
      results.length === 1
        ? { ...results[0], deployment: deploymentSummary, wallSeconds: wall }
        : {
            simulated: true,
            deployment: deploymentSummary,
            summary: { passed, scenarios: results.map((r) => ({ scenario: r.scenario, ...r.summary })) },
            scenarios: results,
            wallSeconds: wall,
          };
    console.log(JSON.stringify(out, null, 2));
  } else if (results.length > 1) {
    console.log(`All scenarios: ${results.map((r) => `${r.scenario} ${r.summary.passed ? "PASSED" : "FAILED"}`).join(", ")}`);
  }
  progress(`Done in ${wall} s of wall time${options.json ? "" : " (the world was simulated; see the notice at the top)"}.`);
  return passed ? 0 : 1;
}

async function main(): Promise<void> {
  let options: CliOptions;
  let configuration: RehearsalConfig;
  try {
    options = parseCli(process.argv.slice(2));
    if (options.help) {
      console.log(helpText());
      return;
    }
    // Read and validated before anything is evaluated or run.
    configuration = rehearsalConfig(options);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${helpText()}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigFlagError) {
      process.stderr.write(`${error.message}\n\nNothing was rehearsed. Usage: npm start -- --help\n`);
      process.exit(2);
    }
    throw error;
  }
  process.exitCode = await rehearse(options, configuration);
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
