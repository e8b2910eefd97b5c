/**
 * Command-line arguments of `npm run sweep`. Unknown flags, bad values or positional arguments are
 * a usage error (exit code 2) naming what is allowed, as `npm start`'s are (sim/rehearsal/cli.ts).
 */
import { parseArgs } from "node:util";
import { FaultSpecError, parseFaultSpec, type TimedFault } from "../experiments";
import { FAULTS, type FaultName, UsageError } from "../rehearsal/cli";
import { type ConfigAssignment, parseConfigAssignment } from "../rehearsal/config-flags";
import { BASES, SCENARIOS } from "../rehearsal/scenarios";

export { UsageError };

export const DEFAULT_BASE = "steady";
export const DEFAULT_RUNS = 10;
export const DEFAULT_SHRINK_RUNS = 15;
const MAX_RUNS = 10_000;

export interface SweepCli {
  runs: number;
  /** Given, or drawn from the wall clock (and printed, so the sweep can be repeated). */
  seed: number;
  seedGiven: boolean;
  scenario: string;
  shrinkRuns: number;
  /** `--plant`: in every run, not shrunk — a defect planted in the world, or a fault for the whole story (or as timed). */
  plant: Plant[];
  /** `--config <key>=<value>`, as npm start takes it (validated before anything runs; the replay commands carry it). */
  config: ConfigAssignment[];
  json: boolean;
  help: boolean;
}

/** What `--plant` adds to every run: a named defect (`unfenced-primary`) or a fault spec; replayed as `--fault <spec>`. */
export type Plant = { spec: string; defect: FaultName } | { spec: string; fault: TimedFault };

const scenarioNames = () => [...BASES, ...SCENARIOS].map((s) => s.name);

export function sweepHelp(): string {
  return [
    "Usage: npm run sweep -- [--runs <n>] [--seed <n>] [--scenario <name>] [--shrink-runs <n>] [--config <key>=<value>]... [--plant <defect|fault>]... [--json]",
    "",
    "The randomized sweep: rehearses a base scenario offline under timelines of faults (the --fault vocabulary of npm start)",
    "and on-call's manual runs, drawn from a seed; holds every run to the invariants every scenario is held to (no acknowledged",
    "payment lost or duplicated, one writer at a time, never zero ACTIVE while a region can serve, every run ended and notified,",
    "no automatic failback, ...); shrinks the first timeline failing each check to a smaller one that still fails it, rehearses",
    "that one again to confirm the same figures, and prints the npm start command that replays it.",
    "",
    "Options:",
    `  --runs <n>         timelines to draw and rehearse (default ${DEFAULT_RUNS}; each takes a few seconds)`,
    "  --seed <n>         the generator's seed, an integer (default: drawn from the clock and printed); the same seed draws the",
    "                     same timelines",
    `  --scenario <name>  the base the timelines are injected into (default ${DEFAULT_BASE}): ${scenarioNames().join(", ")}`,
    `  --shrink-runs <n>  rehearsals each failing check may spend shrinking its timeline (default ${DEFAULT_SHRINK_RUNS}; 0: no shrinking)`,
    "  --config <key>=<value>",
    "                     rehearse this payments-dr stack setting, as npm start takes it (repeatable), e.g. --config dataConsistency=eventual",
    "  --plant <name|action:key=value,...>",
    "                     add to every run, not shrunk (repeatable), to see the sweep find what it breaks: a defect planted in the",
    `                     world (${Object.keys(FAULTS).join(", ")}) or a fault as --fault takes it (for the whole story unless timed),`,
    "                     e.g. --plant lambda-invocation-error:function=promote-local,region=us-east-2",
    "  --json             print the report as JSON (run it as `npm run sweep --silent -- ... --json` to keep npm's banner off stdout)",
    "  --help             show this help",
    "",
    "Exit code: 0 when every invariant held (failures the base declares known are reported, not counted) and every minimal",
    "timeline replayed with the same figures, 1 otherwise, 2 for a usage error.",
  ].join("\n");
}

const ALLOWED = `Allowed: --runs <n>, --seed <n>, --scenario <${scenarioNames().join("|")}>, --shrink-runs <n>, --config <key>=<value>, --plant <${Object.keys(FAULTS).join("|")}|action:key=value,...>, --json, --help`;

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} ${value}: an integer from ${min} to ${max}`);
  return n;
}

export function parseSweepCli(argv: string[], now: () => number = Date.now): SweepCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        runs: { type: "string" },
        seed: { type: "string" },
        scenario: { type: "string" },
        "shrink-runs": { type: "string" },
        plant: { type: "string", multiple: true },
        config: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    const detail = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${detail}. ${ALLOWED}`);
  }
  const v = parsed.values;
  const scenario = v.scenario ?? DEFAULT_BASE;
  if (!scenarioNames().includes(scenario)) throw new UsageError(`Unknown scenario "${scenario}". Allowed: ${scenarioNames().join(", ")}`);
  const plant = (v.plant ?? []).map((spec): Plant => {
    if (spec in FAULTS) return { spec, defect: spec as FaultName };
    try {
      return { spec, fault: parseFaultSpec(spec) };
    } catch (error) {
      if (!(error instanceof FaultSpecError)) throw error;
      throw new UsageError(
        `--plant ${spec}: ${error.message}. Allowed: ${Object.keys(FAULTS).join(", ")}, or <action>:<key>=<value>,... as --fault takes it`,
      );
    }
  });
  if (plant.filter((p) => "defect" in p).length > 1) throw new UsageError("--plant: plant at most one defect");
  const seed = integer("seed", v.seed, -(2 ** 31), 2 ** 31 - 1);
  return {
    runs: integer("runs", v.runs, 1, MAX_RUNS) ?? DEFAULT_RUNS,
    seed: seed ?? now() % 2 ** 31,
    seedGiven: seed !== undefined,
    scenario,
    shrinkRuns: integer("shrink-runs", v["shrink-runs"], 0, MAX_RUNS) ?? DEFAULT_SHRINK_RUNS,
    plant,
    config: (v.config ?? []).map(parseConfigAssignment),
    json: v.json === true,
    help: v.help === true,
  };
}
