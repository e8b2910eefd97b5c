/**
 * Command-line arguments of the rehearsal. Unknown flags, values or positional arguments are a
 * usage error (exit code 2) naming what is allowed.
 */
import { parseArgs } from "node:util";
import { DEFAULT_SCENARIO, SCENARIOS } from "./scenarios";

export const FAULTS = { "unfenced-primary": "writes that fence or drain the primary are silently dropped: watch the checks catch the split brain" } as const;
export type FaultName = keyof typeof FAULTS;

export interface CliOptions {
  scenarios: string[];
  json: boolean;
  verbose: boolean;
  fault?: FaultName;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const names = () => [...SCENARIOS.map((s) => s.name), "all"];

export function helpText(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length), 3);
  return [
    "Usage: npm start -- [--scenario <name>] [--json] [--verbose] [--fault <name>]",
    "",
    "Rehearses a regional outage of payments-dr offline, end to end: the Pulumi program is evaluated to get the deployed",
    "configuration, and the real Lambda handlers and state machines run against a simulated two-region AWS on a virtual clock.",
    "No AWS account is needed; nothing leaves this process. Reports are written under reports/rehearsal/.",
    "",
    "Options:",
    `  --scenario <name>  which story to rehearse (default: ${DEFAULT_SCENARIO}):`,
    ...SCENARIOS.map((s) => `                       ${s.name.padEnd(width)}  ${s.title}`),
    `                       ${"all".padEnd(width)}  every scenario, one after the other`,
    "  --json             print the result as JSON (summary.rtoSeconds, rpoExposureSeconds, acknowledgedPaymentsLost, ...)",
    "  --verbose          show every region-record change in the timeline",
    "  --fault <name>     inject a defect into the simulated world, to see the checks fail:",
    ...Object.entries(FAULTS).map(([k, v]) => `                       ${k}: ${v}`),
    "  --help             show this help",
    "",
    "Exit code: 0 when every check passed, 1 when a check failed, 2 for a usage error.",
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
        fault: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    const detail = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${detail}. Allowed: --scenario <${names().join("|")}>, --json, --verbose, --fault <${Object.keys(FAULTS).join("|")}>, --help`);
  }
  const v = parsed.values;
  const scenario = v.scenario ?? DEFAULT_SCENARIO;
  if (!names().includes(scenario)) throw new UsageError(`Unknown scenario "${scenario}". Allowed: ${names().join(", ")}`);
  if (v.fault !== undefined && !(v.fault in FAULTS)) throw new UsageError(`Unknown fault "${v.fault}". Allowed: ${Object.keys(FAULTS).join(", ")}`);
  return {
    scenarios: scenario === "all" ? SCENARIOS.map((s) => s.name) : [scenario],
    json: v.json === true,
    verbose: v.verbose === true,
    ...(v.fault ? { fault: v.fault as FaultName } : {}),
    help: v.help === true,
  };
}
