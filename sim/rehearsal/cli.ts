/**
 * Command-line arguments of the rehearsal (`npm start`) and of the offline plan alone (`npm run
 * plan`, which is `main.ts --plan`): one parser, so both take the same `--config` and
 * `--stack-file` flags. Unknown flags, values or positional arguments are a usage error (exit
 * code 2) naming what is allowed.
 */
import { parseArgs } from "node:util";
import { parseConfigAssignment, type ConfigAssignment } from "./config-flags";
import { EXPERIMENT_HELP, ExperimentSpecError, parseExperimentSpec, type ExperimentRun } from "../fis/rehearsal";
import { FAULT_PARAMETERS, FaultSpecError, parseFaultSpec, type TimedFault } from "../experiments";
import { BASES, DEFAULT_SCENARIO, SCENARIOS } from "./scenarios";
import { OPERATOR_MODES, OperatorSpecError, parseOperatorSpec, type OperatorAction } from "../sweep/operator-actions";

export const FAULTS = {
  "unfenced-primary": "the primary's payment functions never see it fenced (a stale write guard): watch the checks catch the split brain",
} as const;
export type FaultName = keyof typeof FAULTS;

export interface CliOptions {
  scenarios: string[];
  json: boolean;
  verbose: boolean;
  fault?: FaultName;
  /** `--fault <action>:<key>=<value>,...` from the fault vocabulary (sim/experiments.ts), in the order given. */
  faults?: { spec: string; timed: TimedFault }[];
  /** `--operator <failover|failback>:region=<region>,at=<duration>`: on-call's manual runs (sim/sweep/operator-actions.ts). */
  operator?: { spec: string; action: OperatorAction }[];
  /** `--config <key>=<value>`, in the order given (the last of a key wins). */
  config?: ConfigAssignment[];
  /** `--stack-file <path>`: a Pulumi stack file whose `config:` the rehearsal uses. */
  stackFile?: string;
  /** `--experiment <name>[:at=<duration>]`: one of the stack's AWS FIS experiment templates, run by the simulated FIS (sim/fis/). */
  experiment?: ExperimentRun;
  /** `--plan` (`npm run plan`): evaluate and print the offline plan, rehearse nothing. */
  plan: boolean;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const names = () => [...SCENARIOS.map((s) => s.name), "all", ...BASES.map((s) => s.name)];

const CONFIG_HELP = [
  "  --config <key>=<value>",
  "                     use this payments-dr stack setting (repeatable; keys without the payments-dr: namespace,",
  "                     as in docs/configuration.md; the value is read as JSON when it parses, else as a string),",
  "                     e.g. --config healthCheckIntervalSeconds=30 --config healthCheckFailureThreshold=2",
  "  --stack-file <path>",
  "                     use the config: map of a Pulumi stack file, e.g. Pulumi.example.yaml (Pulumi.<stack>.yaml",
  "                     also names the stack, which is the default environment); --config flags apply on top of it",
];

/** The flags that rehearse something, which `--plan` refuses. */
const REHEARSAL_ONLY = ["scenario", "json", "verbose", "fault", "operator"] as const;
const PLAN_ALLOWED = "Allowed with npm run plan: --config <key>=<value>, --stack-file <path>, --help";

export function helpText(options: { plan?: boolean } = {}): string {
  if (options.plan) {
    return [
      "Usage: npm run plan -- [--config <key>=<value>]... [--stack-file <path>]",
      "",
      "Evaluates the Pulumi program offline (mocks: no AWS account, no Pulumi CLI) with the defaults or the configuration",
      "given, and prints what it would deploy: resources per region and area, the key names, Route 53 and alarm settings.",
      "It is the first stage of `npm start`, which takes the same flags (`npm run plan` = `npm start -- --plan`).",
      "",
      "Options:",
      ...CONFIG_HELP,
      "  --help             show this help",
      "",
      "Exit code: 0 printed, 2 for a usage error: an unknown flag, or a config key or value the Pulumi program would refuse.",
    ].join("\n");
  }
  const width = Math.max(...[...SCENARIOS, ...BASES].map((s) => s.name.length), 3);
  return [
    "Usage: npm start -- [--scenario <name>] [--config <key>=<value>]... [--stack-file <path>] [--json] [--verbose] [--fault <name>] [--operator <action>] [--plan]",
    "",
    "Rehearses a regional outage of payments-dr offline, end to end: the Pulumi program is evaluated to get the deployed",
    "configuration, and the real Lambda handlers and state machines run against a simulated two-region AWS on a virtual clock.",
    "No AWS account is needed; nothing leaves this process. Reports are written under reports/rehearsal/<scenario>/ (each",
    "run first empties the folders of the scenarios it rehearses) and listed in reports/rehearsal/last-run.json.",
    "",
    "Options:",
    `  --scenario <name>  which story to rehearse (default: ${DEFAULT_SCENARIO}):`,
    ...SCENARIOS.map((s) => `                       ${s.name.padEnd(width)}  ${s.title}`),
    `                       ${"all".padEnd(width)}  every scenario, one after the other`,
    ...BASES.map((s) => `                       ${s.name.padEnd(width)}  ${s.title}; not part of all`),
    ...CONFIG_HELP,
    "  --json             print the result as JSON (summary.rtoSeconds, rpoExposureSeconds, acknowledgedPaymentsLost, ...);",
    "                     run it as `npm start --silent -- --json` so that npm's own banner stays off stdout",
    "  --verbose          show every region-record change in the timeline",
    "  --fault <name>     plant a defect in the simulated world, to see the checks fail:",
    ...Object.entries(FAULTS).map(([k, v]) => `                       ${k}: ${v}`),
    "  --fault <action>:<key>=<value>,...[,at=<duration>][,for=<duration>]",
    "                     inject a fault from the vocabulary (AWS FIS's words; repeatable), at= after T+0, for= how long, e.g.",
    "                     --fault network-partition:from=us-east-1,to=us-east-2,paths=replication,at=30s,for=3m",
    ...Object.entries(FAULT_PARAMETERS).map(([k, v]) => `                       ${k}: ${v}`),
    "  --operator <failover|failback>:region=<region>,at=<duration>",
    "                     on-call starts a run at= after T+0 (repeatable), e.g. --operator failback:region=us-east-1,at=5m",
    ...Object.entries(OPERATOR_MODES).map(([k, v]) => `                       ${k}: ${v}`),
    "  --plan             print the offline plan (the first stage) and stop; the same as `npm run plan`",
    "  --experiment <name>[:at=<duration>]",
    "                     run one of the stack's AWS FIS experiment templates (as deployed; what `drctl drill --experiment`",
    "                     starts) in the scenario, at= after T+0 (default T+0); its durations and stop conditions hold:",
    `                     ${EXPERIMENT_HELP}`,
    "  --help             show this help",
    "",
    "Exit code: 0 when every check passed, 1 when a check failed, 2 for a usage error: an unknown flag or scenario, or a config",
    "key or value the Pulumi program would refuse (it is validated as `pulumi up` validates it, before anything runs).",
  ].join("\n");
}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: "string" },
        json: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        fault: { type: "string", multiple: true },
        operator: { type: "string", multiple: true },
        config: { type: "string", multiple: true },
        "stack-file": { type: "string" },
        experiment: { type: "string" },
        plan: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    const detail = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const plan = argv.includes("--plan");
    throw new UsageError(
      plan
        ? `${detail}. ${PLAN_ALLOWED}`
        : `${detail}. Allowed: --scenario <${names().join("|")}>, --config <key>=<value>, --stack-file <path>, --json, --verbose, --fault <${Object.keys(FAULTS).join("|")}|action:key=value,...>, --operator <failover|failback>:region=<region>,at=<duration>, --plan, --help`,
    );
  }
  const v = parsed.values;
  if (v.plan) {
    const given = REHEARSAL_ONLY.filter((flag) => v[flag] !== undefined && v[flag] !== false);
    if (given.length > 0) {
      const flags = given.map((f) => `--${f}`).join(", ");
      throw new UsageError(
        `${flags}: not a plan option. npm run plan (npm start -- --plan) only prints the offline plan; to rehearse, drop --plan and run npm start. ${PLAN_ALLOWED}`,
      );
    }
  }
  const scenario = v.scenario ?? DEFAULT_SCENARIO;
  if (!names().includes(scenario)) throw new UsageError(`Unknown scenario "${scenario}". Allowed: ${names().join(", ")}`);
  const named = (v.fault ?? []).filter((f) => f in FAULTS);
  if (named.length > 1) throw new UsageError(`--fault ${named.join(", ")}: plant at most one defect`);
  const faults = (v.fault ?? [])
    .filter((f) => !(f in FAULTS))
    .map((spec) => {
      try {
        return { spec, timed: parseFaultSpec(spec) };
      } catch (error) {
        if (!(error instanceof FaultSpecError)) throw error;
        throw new UsageError(
          `--fault ${spec}: ${error.message}. Allowed: ${Object.keys(FAULTS).join(", ")}, or <action>:<key>=<value>,... (npm start -- --help lists the actions)`,
        );
      }
    });
  const operator = (v.operator ?? []).map((spec) => {
    try {
      return { spec, action: parseOperatorSpec(spec) };
    } catch (error) {
      if (!(error instanceof OperatorSpecError)) throw error;
      throw new UsageError(`--operator ${spec}: ${error.message}`);
    }
  });
  const config = (v.config ?? []).map(parseConfigAssignment);
  const stackFile = v["stack-file"];
  if (stackFile === "") throw new UsageError("--stack-file needs a path, e.g. --stack-file Pulumi.example.yaml");
  if (v.plan && v.experiment !== undefined) throw new UsageError(`--experiment: not a plan option. ${PLAN_ALLOWED}`);
  let experiment: ExperimentRun | undefined;
  try {
    experiment = v.experiment === undefined ? undefined : parseExperimentSpec(v.experiment);
  } catch (error) {
    if (!(error instanceof ExperimentSpecError)) throw error;
    throw new UsageError(`--experiment ${v.experiment}: ${error.message}. Allowed: ${EXPERIMENT_HELP}`);
  }
  return {
    scenarios: scenario === "all" ? SCENARIOS.map((s) => s.name) : [scenario],
    json: v.json === true,
    verbose: v.verbose === true,
    ...(named.length > 0 ? { fault: named[0] as FaultName } : {}),
    ...(faults.length > 0 ? { faults } : {}),
    ...(operator.length > 0 ? { operator } : {}),
    ...(config.length > 0 ? { config } : {}),
    ...(stackFile !== undefined ? { stackFile } : {}),
    ...(experiment ? { experiment } : {}),
    plan: v.plan === true,
    help: v.help === true,
  };
}
