/**
 * Every rehearsal scenario, run as users run it — `npm start --silent -- --scenario all`, and the
 * README's own `--json` command line, in child processes — with its figures asserted, the evidence
 * it wrote read back, and the README checked against what it printed; plus the same world with a
 * broken fence, to prove the checks catch a split brain. The three runs go side by side; each is
 * bounded by a CPU budget (test/setup/child-process.ts), not by the wall clock, so a busy machine
 * slows them down without failing them.
 *
 * What this cannot prove: anything the simulation does not model (see the rehearsal's limits in
 * sim/rehearsal/README.md, "What is not modelled") — real AWS timing, IAM, throttling, Route 53 propagation.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { REPORT_KIND, REPORT_SCHEMA_VERSION, reportKeys, type DrReport } from "../../runbooks/domain/report";
import { excerptMarker, staleExcerptLines } from "../../scripts/cli-sessions/excerpts";
import { CHILD_TEST_TIMEOUT_MS, ROOT, runChild, runTsx, type ChildResult } from "../setup/child-process";

interface Check {
  name: string;
  verdict: "pass" | "fail" | "n/a";
  detail: string;
}
interface ScenarioResult {
  scenario: string;
  simulated: boolean;
  summary: {
    rtoSeconds: number | null;
    rpoExposureSeconds: number | null;
    unreplicatedPaymentsAtOutage: number;
    acknowledgedPayments: number;
    acknowledgedPaymentsLost: number;
    duplicatePayments: number;
    writesAfterDemotion: number;
    notificationsSent: number;
    passed: boolean;
    failedChecks: string[];
    knownFailures: string[];
  };
  checks: Check[];
  timeline: { t: string; where: string; kind: string; text: string }[];
  executions: { region: string; name: string; status: string; error: string | null }[];
  virtualSeconds: number;
  reportDir: string | null;
  evidence?: { manifest: string; files: string[] };
}
interface Manifest {
  simulated: boolean;
  args: string[];
  passed: boolean;
  scenarios: { scenario: string; fault: string | null; passed: boolean; dir: string; files: string[] }[];
}

const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** The command lines the README gives for JSON output, exactly as written there. */
const README_JSON_COMMANDS = [...README.matchAll(/`(npm start[^`]*--json[^`]*)`/g)].map((m) => m[1]);
/** The same in the rehearsal's own README, whose code block lists the commands one per line. */
const REHEARSAL_README_JSON_COMMANDS = [
  ...readFileSync(join(ROOT, "sim", "rehearsal", "README.md"), "utf8").matchAll(/^(npm start .*--json\S*)(?:\s+#.*)?$/gm),
].map((m) => m[1].trim());
const ALL_COMMAND = "npm start --silent -- --scenario all";
const SCENARIO_NAMES = [
  "full",
  "drill",
  "drill-secondary-cannot-write",
  "replication-degraded",
  "dns-stuck",
  "flapping",
  "duplicate-events",
  "partition",
  "partition-then-primary-dies",
  "operator-race",
  "failback-interrupted",
  "gray-failure",
  "late-outage",
  "lagging-payments",
  "witness-outage",
];

// Each run writes into its own reports folder (REHEARSAL_REPORTS_DIR), never into reports/.
const dirs = {
  all: mkdtempSync(join(tmpdir(), "rehearsal-all-")),
  json: mkdtempSync(join(tmpdir(), "rehearsal-json-")),
  faulted: mkdtempSync(join(tmpdir(), "rehearsal-faulted-")),
  eventual: mkdtempSync(join(tmpdir(), "rehearsal-eventual-")),
  errors: mkdtempSync(join(tmpdir(), "rehearsal-errors-")),
};
// Left in the folder by "an earlier run": the rehearsal must remove the first (its own scenario's
// folder) and leave the second alone, unlisted.
const STALE_REPORT = join(dirs.all, "rehearsal", "full", "us-east-2", "reports", "alarm-old-run", "report.json");
const OTHER_RUN = join(dirs.all, "rehearsal", "retired-scenario", "rehearsal.json");

/** The npm/node/tsx budgets: a few times what each run needs on a quiet 2-core machine. */
const BUDGET = { all: { cpuSeconds: 120 }, one: { cpuSeconds: 60 }, usage: { cpuSeconds: 20 } };

let allRun: ChildResult;
let jsonRun: ChildResult;
let faultedRun: ChildResult;
let eventualRun: ChildResult;

/** stdout parsed as JSON, or a failure that shows what was printed instead. */
function parsed(run: ChildResult, command: string): ScenarioResult {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout of \`${command}\` is not one JSON document (exit ${run.code}); it starts:\n${run.stdout.slice(0, 300)}`);
  }
}
const jsonResult = (): ScenarioResult => parsed(jsonRun, README_JSON_COMMANDS[0]);
const faulted = (): ScenarioResult => parsed(faultedRun, "the faulted run");
const eventualDegraded = (): ScenarioResult => parsed(eventualRun, "the eventual-mode replication-degraded run");

beforeAll(async () => {
  for (const file of [STALE_REPORT, OTHER_RUN]) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "{}\n");
  }
  expect(README_JSON_COMMANDS.length).toBeGreaterThan(0);
  const [a, j, f, e] = await Promise.all([
    runChild(ALL_COMMAND, [], { shell: true, env: { REHEARSAL_REPORTS_DIR: dirs.all }, budget: BUDGET.all }),
    runChild(README_JSON_COMMANDS[0], [], { shell: true, env: { REHEARSAL_REPORTS_DIR: dirs.json }, budget: BUDGET.one }),
    runTsx("sim/rehearsal/main.ts", ["--scenario", "full", "--fault", "unfenced-primary", "--json"], {
      env: { REHEARSAL_REPORTS_DIR: dirs.faulted },
      budget: BUDGET.one,
    }),
    runTsx("sim/rehearsal/main.ts", ["--scenario", "replication-degraded", "--config", "dataConsistency=eventual", "--json"], {
      env: { REHEARSAL_REPORTS_DIR: dirs.eventual },
      budget: BUDGET.one,
    }),
  ]);
  allRun = a;
  jsonRun = j;
  faultedRun = f;
  eventualRun = e;
}, CHILD_TEST_TIMEOUT_MS);

afterAll(() => {
  for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
});

/** A scenario's result as the `all` run wrote it (rehearsal.json: the result as --json prints it). */
const results = new Map<string, ScenarioResult>();
const scenario = (name: string): ScenarioResult => {
  if (!results.has(name)) {
    const file = join(dirs.all, "rehearsal", name, "rehearsal.json");
    if (!existsSync(file)) throw new Error(`no result for ${name}: ${file} was not written`);
    results.set(name, JSON.parse(readFileSync(file, "utf8")));
  }
  return results.get(name)!;
};
const check = (s: ScenarioResult, name: string) => s.checks.find((c) => c.name === name);
const verdict = (s: ScenarioResult, name: string) => check(s, name)?.verdict;

describe(ALL_COMMAND, () => {
  it("passes every scenario's checks and exits 0", () => {
    const failed = SCENARIO_NAMES.flatMap((name) =>
      existsSync(join(dirs.all, "rehearsal", name, "rehearsal.json"))
        ? scenario(name).summary.failedChecks.map((check) => `${name}: ${check}`)
        : [`${name}: no result written`],
    );
    // A run that stopped before writing a result shows why.
    const stderr = failed.some((f) => f.endsWith("no result written")) ? allRun.stderr.slice(-3000) : "";
    expect({ code: allRun.code, failed, stderr }).toEqual({ code: 0, failed: [], stderr: "" });
  });
});

describe("the full rehearsal (primary outage, automatic failover, recovery, manual failback)", () => {
  it("says it is simulated and passes every check", () => {
    const s = scenario("full");
    expect(s.simulated).toBe(true);
    expect(s.summary.failedChecks).toEqual([]);
    expect(s.summary.passed).toBe(true);
  });

  it("recovers within the objective and DESIGN's 120 s target", () => {
    const { rtoSeconds } = scenario("full").summary;
    expect(rtoSeconds).not.toBeNull();
    expect(rtoSeconds).toBeGreaterThan(20); // detection alone takes three 10 s periods
    expect(rtoSeconds).toBeLessThanOrEqual(120);
  });

  it("loses no acknowledged payment and charges none twice", () => {
    const { summary } = scenario("full");
    expect(summary.acknowledgedPayments).toBeGreaterThan(300);
    expect(summary.acknowledgedPaymentsLost).toBe(0);
    expect(summary.duplicatePayments).toBe(0);
    expect(summary.writesAfterDemotion).toBe(0);
  });

  it("fails over automatically in the secondary and fails back in the primary", () => {
    const s = scenario("full");
    expect(s.executions.filter((e) => e.region === "us-east-2" && e.name.startsWith("alarm-peer-health")).map((e) => e.status)).toEqual([
      "SUCCEEDED",
    ]);
    expect(s.executions.find((e) => e.name.startsWith("failback-"))?.status).toBe("SUCCEEDED");
    expect(s.summary.notificationsSent).toBeGreaterThanOrEqual(6);
    expect(s.timeline.some((e) => e.kind === "dns" && e.text.includes("now answers us-east-2"))).toBe(true);
  });

  // Regression: the failback confirmed DNS while Route 53 was failing open to the primary, then
  // marked the secondary STANDBY before the fence alarm had cleared, and DNS answered the STANDBY
  // secondary (which refuses writes) for a few seconds. The failback now waits for the alarm.
  it("waits for the fence alarm before trusting DNS, so DNS never answers the STANDBY secondary after the failback", () => {
    const s = scenario("full");
    const states = s.timeline
      .filter((e) => e.kind === "state" && e.text.startsWith("failback-"))
      .map((e) => e.text.slice(e.text.indexOf(": ") + 2))
      .join(" → ");
    expect(states).toMatch(/ClearPrimaryFenceMetric → CheckFenceAlarm.*ConfirmDnsAnswer.*MarkSecondaryStandby/);
    const done = s.timeline.findIndex((e) => e.kind === "execution" && /^execution failback-\S+ SUCCEEDED/.test(e.text));
    expect(done).toBeGreaterThan(0);
    expect(
      s.timeline
        .slice(done)
        .filter((e) => e.kind === "dns")
        .map((e) => e.text),
    ).not.toContainEqual(expect.stringContaining("answers us-east-2"));
    expect(verdict(s, "DNS answers the writer after the failback")).toBe("pass");
    expect(verdict(scenario("drill"), "DNS answers the writer after the failback")).toBe("pass");
  });
});

describe("the full rehearsal's evidence under REHEARSAL_REPORTS_DIR", () => {
  const dir = () => join(dirs.all, "rehearsal", "full");
  /** Every runbook report written, as `<region>/reports/<execution>/report.json` (a real run's evidence-bucket keys). */
  const reports = () =>
    readdirSync(dir(), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((region) => readdirSync(join(dir(), region.name, "reports")).map((execution) => ({ region: region.name, execution })));

  it("writes rehearsal.json: the result as --json prints it, marked simulated, with every summary figure", () => {
    const written = JSON.parse(readFileSync(join(dir(), "rehearsal.json"), "utf8"));
    expect(written.simulated).toBe(true);
    expect(written.scenario).toBe("full");
    expect(Object.keys(written.summary)).toEqual(
      expect.arrayContaining([
        "rtoSeconds",
        "rpoExposureSeconds",
        "acknowledgedPaymentsLost",
        "duplicatePayments",
        "notificationsSent",
        "passed",
        "failedChecks",
      ]),
    );
    expect(written.summary).toEqual(jsonResult().summary);
    expect(written.configuration).toEqual({});
  });

  it("writes a report.json in the run-report schema, marked simulated, for the failover and the failback", () => {
    const found = reports();
    expect(found.map((r) => `${r.region} ${r.execution.replace(/-[0-9a-fT]+$/, "")}`)).toEqual(
      expect.arrayContaining(["us-east-2 alarm-peer-health-us-east-2-dev", "us-east-1 failback"]),
    );
    for (const { region, execution } of found) {
      const report = JSON.parse(readFileSync(join(dir(), region, reportKeys(execution).json), "utf8")) as DrReport;
      expect(report).toMatchObject({
        kind: REPORT_KIND,
        schemaVersion: REPORT_SCHEMA_VERSION,
        simulated: true,
        environment: "dev",
        objectives: { rpoSeconds: 60, rtoSeconds: 300 },
      });
      expect(report.execution).toMatchObject({ name: execution, region, status: "SUCCEEDED" });
      expect(["failover", "failback", "drill"]).toContain(report.execution.mode);
      expect(report.regions).toMatchObject({ primary: "us-east-1", secondary: "us-east-2", activated: region });
      expect(report.measurements).toHaveProperty("rtoSeconds");
      expect(report.measurements).toHaveProperty("rpoExposureSeconds");
      expect(typeof report.evaluation.passed).toBe("boolean");
      expect(report.timeline.length).toBeGreaterThan(0);
      // Each report belongs to an execution the rehearsal's result lists.
      expect(scenario("full").executions).toContainEqual(expect.objectContaining({ region, name: execution }));
    }
    const failover = found.find((r) => r.region === "us-east-2")!;
    expect(JSON.parse(readFileSync(join(dir(), failover.region, reportKeys(failover.execution).json), "utf8"))).toMatchObject({
      outcome: "failed-over",
      evaluation: { passed: true },
    });
  });

  it("writes the Markdown rendering of each report next to it", () => {
    const found = reports();
    expect(found.length).toBeGreaterThan(0);
    for (const { region, execution } of found) {
      const md = join(dir(), region, reportKeys(execution).markdown);
      expect(existsSync(md)).toBe(true);
      const text = readFileSync(md, "utf8");
      expect(text).toMatch(new RegExp(`^# DR \\w+ report — ${execution}\n`));
      expect(text).toContain("Simulated");
    }
  });
});

describe("the drill", () => {
  it("drains, holds, fails back through the primary and writes a passing evidence report", () => {
    const s = scenario("drill");
    expect(verdict(s, "the drill succeeded")).toBe("pass");
    expect(verdict(s, "its failback ran in the primary and succeeded")).toBe("pass");
    expect(verdict(s, "the evidence report says PASSED")).toBe("pass");
    expect(s.summary.rtoSeconds).toBeLessThanOrEqual(120);
    expect(s.summary.acknowledgedPaymentsLost).toBe(0);
    expect(s.summary.duplicatePayments).toBe(0);
  });

  // Regression: the api-5xx alarm used to be a DR trigger and counted the 503s a drained region
  // returns on purpose, so three minutes after the drain it fired on the freshly failed-back
  // primary, which drained itself, and the secondary took over for real.
  it("leaves the primary ACTIVE and serving after the drill", () => {
    const s = scenario("drill");
    expect(verdict(s, "ends with us-east-1 ACTIVE, us-east-2 STANDBY")).toBe("pass");
    expect(verdict(s, "no automatic run acted during or after the drill")).toBe("pass");
    expect(s.summary.passed).toBe(true);
  });
});

describe("replication beyond the RPO, then an outage", () => {
  // Strong mode (the default): an acknowledged write is already durable in a second region, so a
  // lagging link leaves nothing acknowledged behind and no approval is asked for.
  it("in strong mode, reports exposure 0 and fails over without an approval", () => {
    const s = scenario("replication-degraded");
    expect(s.summary.rpoExposureSeconds).toBe(0);
    expect(verdict(s, "nothing acknowledged was left behind")).toBe("pass");
    expect(verdict(s, "no approval was needed")).toBe("pass");
    expect(verdict(s, "the failover succeeded on its own")).toBe("pass");
    expect(s.summary.acknowledgedPaymentsLost).toBe(0);
    expect(s.summary.passed).toBe(true);
  });

  // Eventual mode: the runbook sees the exposure, and a human decides (the approval's wait is a
  // known failure of the zero-ACTIVE allowance, stated in the scenario).
  it("in eventual mode, detects the exposure, asks for an approval and promotes only after it", () => {
    const s = eventualDegraded();
    expect(s.summary.rpoExposureSeconds).toBeGreaterThan(60);
    expect(verdict(s, "the exposure beyond the RPO was detected")).toBe("pass");
    expect(verdict(s, "the runbook asked for an approval")).toBe("pass");
    expect(verdict(s, "no promotion before the approval")).toBe("pass");
    expect(s.timeline.some((e) => e.kind === "notification" && e.text.includes("APPROVAL NEEDED"))).toBe(true);
  });

  it("in eventual mode, gets the payments that were in doubt back when the primary returns: none lost", () => {
    const { summary } = eventualDegraded();
    expect(summary.unreplicatedPaymentsAtOutage).toBeGreaterThan(0);
    expect(summary.acknowledgedPaymentsLost).toBe(0);
    expect(summary.failedChecks.every((c) => summary.knownFailures.includes(c))).toBe(true);
  });
});

describe("adversarial scenarios, strong mode", () => {
  it.each(["partition", "partition-then-primary-dies", "operator-race", "failback-interrupted"])(
    "%s: nothing acknowledged lost or duplicated, never two ACTIVE, every run ended and notified",
    (name) => {
      const s = scenario(name);
      expect(s.summary.acknowledgedPaymentsLost).toBe(0);
      expect(s.summary.duplicatePayments).toBe(0);
      expect(verdict(s, "never two ACTIVE regions")).toBe("pass");
      expect(s.summary.failedChecks).toEqual([]);
    },
  );
});

describe("DNS that never moves", () => {
  it("waits a bounded time, fails with DnsNotShiftedError and notifies", () => {
    const s = scenario("dns-stuck");
    expect(verdict(s, "the failover ended with DnsNotShiftedError")).toBe("pass");
    expect(verdict(s, "the DNS wait was bounded")).toBe("pass");
    expect(verdict(s, "on-call was notified of the failure")).toBe("pass");
    expect(s.executions.find((e) => e.region === "us-east-2")?.error).toBe("DnsNotShiftedError");
    expect(s.summary.passed).toBe(true);
  });
});

describe("a flapping primary", () => {
  it("fails over once and never ping-pongs back", () => {
    const s = scenario("flapping");
    expect(verdict(s, "at most one automatic run acted")).toBe("pass");
    expect(verdict(s, "ends with us-east-1 FENCED, us-east-2 ACTIVE")).toBe("pass");
    expect(s.summary.acknowledgedPaymentsLost).toBe(0);
    expect(s.summary.passed).toBe(true);
  });
});

describe("a duplicated alarm event", () => {
  it("starts exactly one execution", () => {
    const s = scenario("duplicate-events");
    expect(verdict(s, "the alarm event was delivered twice")).toBe("pass");
    expect(verdict(s, "exactly one execution started")).toBe("pass");
    expect(verdict(s, "the second delivery started nothing")).toBe("pass");
    expect(s.executions.filter((e) => e.region === "us-east-2" && e.name.startsWith("alarm-peer-health"))).toHaveLength(1);
    expect(s.summary.passed).toBe(true);
  });
});

describe("the checks catch a broken fence", () => {
  it("fails the rehearsal when the fence never reaches the primary's write path: the recovered primary takes writes next to the new one", () => {
    const { summary } = faulted();
    expect(summary.passed).toBe(false);
    expect(summary.writesAfterDemotion).toBeGreaterThan(0);
    expect(summary.failedChecks).toContain("one writer at a time");
    expect(faultedRun.code).toBe(1);
  });
});

describe("the command line", () => {
  const rehearse = (...args: string[]) =>
    runTsx("sim/rehearsal/main.ts", args, { env: { REHEARSAL_REPORTS_DIR: dirs.errors }, budget: BUDGET.usage });

  it(
    "rejects an unknown scenario with exit code 2 and the list of scenarios",
    async () => {
      const out = await rehearse("--scenario", "meteor");
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(/Unknown scenario "meteor". Allowed: full, drill/);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    "rejects an unknown config key with exit code 2 before evaluating anything",
    async () => {
      const out = await rehearse("--config", "nope=1");
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(/Unknown config key "nope" \(--config nope=1\)\. Allowed keys .*healthCheckIntervalSeconds/);
      expect(out.stderr).not.toContain("Stage 1/2");
      expect(out.stdout).toBe("");
      expect(readdirSync(dirs.errors)).toEqual([]);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});

describe("--json, run exactly as the README shows it", () => {
  it("the READMEs give the command with npm's --silent, which keeps npm's banner off stdout", () => {
    expect(REHEARSAL_README_JSON_COMMANDS.length).toBeGreaterThan(0);
    for (const command of [...README_JSON_COMMANDS, ...REHEARSAL_README_JSON_COMMANDS]) {
      expect(command).toMatch(/^npm start (--silent|-s) -- /);
    }
  });

  it(`prints only JSON on stdout: ${README_JSON_COMMANDS[0]}`, () => {
    expect({ code: jsonRun.code, stderr: jsonRun.code === 0 ? "" : jsonRun.stderr.slice(-3000) }).toEqual({ code: 0, stderr: "" });
    expect(jsonRun.stdout.startsWith("{")).toBe(true);
    expect(jsonResult()).toMatchObject({ simulated: true, scenario: "full", summary: { passed: true } });
    // Progress went to stderr, where it belongs.
    expect(jsonRun.stderr).toContain("Stage 1/2: evaluating the Pulumi program offline");
  });

  it("prints the result the evidence holds: the same run as the text output's, figure for figure", () => {
    const written = scenario("full");
    for (const key of ["summary", "checks", "timeline", "executions", "virtualSeconds"] as const) {
      expect({ key, value: jsonResult()[key] }).toEqual({ key, value: written[key] });
    }
  });
});

describe("which files the last run wrote", () => {
  const manifestOf = (root: string): Manifest => JSON.parse(readFileSync(join(root, "rehearsal", "last-run.json"), "utf8"));
  /** Every file under a folder, relative to `base`. */
  const filesUnder = (dir: string, base: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(base, join(d.parentPath, d.name)))
      .sort();

  it("empties a scenario's folder before writing it: an earlier run's report is gone", () => {
    expect(existsSync(STALE_REPORT)).toBe(false);
  });

  it("lists in reports/rehearsal/last-run.json exactly the files each scenario's folder now holds", () => {
    const manifest = manifestOf(dirs.all);
    const base = join(dirs.all, "rehearsal");
    expect(manifest).toMatchObject({ simulated: true, args: ["--scenario", "all"], passed: true });
    expect(manifest.scenarios.map((s) => s.scenario)).toEqual(SCENARIO_NAMES);
    for (const s of manifest.scenarios) {
      expect(s.files.length).toBeGreaterThanOrEqual(1);
      expect([...s.files].sort()).toEqual(filesUnder(join(base, s.dir), base));
    }
  });

  it("leaves other folders alone and out of the list", () => {
    expect(existsSync(OTHER_RUN)).toBe(true);
    expect(manifestOf(dirs.all).scenarios.flatMap((s) => s.files)).not.toContain(relative(join(dirs.all, "rehearsal"), OTHER_RUN));
  });

  it("prints the list after the results, naming the manifest", () => {
    const lines = allRun.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("Files this run wrote (listed in "));
    expect(at).toBeGreaterThan(0);
    expect(lines[at]).toContain(join("rehearsal", "last-run.json"));
    const printed = lines.slice(at + 1, lines.indexOf("", at)).map((l) => l.trim());
    const base = join(dirs.all, "rehearsal");
    expect(printed.map((p) => relative(base, p)).sort()).toEqual(
      manifestOf(dirs.all)
        .scenarios.flatMap((s) => s.files)
        .sort(),
    );
  });

  it("names them in the --json output too, as its own manifest does", () => {
    const manifest = manifestOf(dirs.json);
    expect(manifest.scenarios.map((s) => s.scenario)).toEqual(["full"]);
    const base = join(dirs.json, "rehearsal");
    expect(jsonResult().evidence?.manifest).toBe(join(base, "last-run.json"));
    expect(
      jsonResult()
        .evidence?.files.map((f) => relative(base, f))
        .sort(),
    ).toEqual([...manifest.scenarios[0].files].sort());
    expect(jsonRun.stderr).toMatch(/Evidence: this run wrote \d+ files, listed in .*last-run\.json/);
  });
});

describe("the README agrees with what the rehearsal printed", () => {
  // Wall-clock figures differ from run to run; every other character must match.
  const wallFree = (text: string) => text.replace(/\d+(\.\d+)? s of wall time/g, "N s of wall time");

  it("quotes lines of `npm start`'s output in Quick start (update the block marked <!-- excerpt of npm start --> from a fresh run)", () => {
    const printed = wallFree(`${allRun.stdout}\n${allRun.stderr}`)
      .split("\n")
      // The README's run writes to reports/; this one wrote to a temporary folder.
      .map((l) => l.replaceAll(dirs.all, "reports"))
      .join("\n");
    const { excerpts, stale } = staleExcerptLines(wallFree(README), printed, excerptMarker("npm start"));
    expect(excerpts).toBe(1);
    expect(stale).toEqual([]);
  });

  it("states each scenario's virtual time, RTO, losses and duplicates as npm start reports them (README, Measurements)", () => {
    const rows = new Map(
      [...README.matchAll(/^\| (\S+) \| [^|]+ \| (\d+) s \| (?:([\d.]+) s|not reached)[^|]* \| (\d+) \| (\d+) \|$/gm)].map((m) => [
        m[1],
        m.slice(2).map((x) => (x === undefined ? null : Number(x))),
      ]),
    );
    expect([...rows.keys()]).toEqual(SCENARIO_NAMES);
    for (const [name, [virtualSeconds, rto, lost, duplicates]] of rows) {
      const { summary, virtualSeconds: printed } = scenario(name);
      expect({ name, virtualSeconds, rto, lost, duplicates }).toEqual({
        name,
        virtualSeconds: printed,
        rto: summary.rtoSeconds,
        lost: summary.acknowledgedPaymentsLost,
        duplicates: summary.duplicatePayments,
      });
    }
  });
});
