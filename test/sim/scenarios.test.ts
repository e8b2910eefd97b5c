/**
 * Every rehearsal scenario, run as users run it (`npm start -- --scenario all --json`, in a child
 * process), with its figures asserted; plus the same world with a broken fence, to prove the
 * checks catch a split brain. One process runs all scenarios (one offline evaluation of the
 * Pulumi program); the faulted run goes alongside it on the second core.
 *
 * What this cannot prove: anything the simulation does not model (see the rehearsal's limits in
 * sim/rehearsal/README.md, "What is not modelled") — real AWS timing, IAM, throttling, Route 53 propagation.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPORT_KIND, REPORT_SCHEMA_VERSION, reportKeys, type DrReport } from "../../runbooks/domain/report";

const ROOT = join(__dirname, "..", "..");
const reportsDir = mkdtempSync(join(tmpdir(), "rehearsal-reports-"));

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
  };
  checks: Check[];
  timeline: { t: string; where: string; kind: string; text: string }[];
  executions: { region: string; name: string; status: string; error: string | null }[];
  reportDir: string;
}

function rehearse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "sim/rehearsal/main.ts", ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, REHEARSAL_REPORTS_DIR: reportsDir } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let all: { summary: { passed: boolean }; scenarios: ScenarioResult[] };
let faulted: ScenarioResult;
let faultedExit: number;

beforeAll(async () => {
  const [a, f] = await Promise.all([
    rehearse(["--scenario", "all", "--json"]),
    rehearse(["--scenario", "full", "--fault", "unfenced-primary", "--json"]),
  ]);
  if (!a.stdout.trim().startsWith("{")) throw new Error(`the rehearsal did not print JSON (exit ${a.code}):\n${a.stderr}`);
  all = JSON.parse(a.stdout);
  faulted = JSON.parse(f.stdout);
  faultedExit = f.code;
}, 180_000);

afterAll(() => rmSync(reportsDir, { recursive: true, force: true }));

const scenario = (name: string) => {
  const s = all.scenarios.find((x) => x.scenario === name);
  if (!s) throw new Error(`no result for ${name}`);
  return s;
};
const check = (s: ScenarioResult, name: string) => s.checks.find((c) => c.name === name);
const verdict = (s: ScenarioResult, name: string) => check(s, name)?.verdict;

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
  const dir = () => join(reportsDir, "rehearsal", "full");
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
    expect(written.summary).toEqual(scenario("full").summary);
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
  it("detects the exposure, asks for an approval and promotes only after it", () => {
    const s = scenario("replication-degraded");
    expect(s.summary.rpoExposureSeconds).toBeGreaterThan(60);
    expect(verdict(s, "the exposure beyond the RPO was detected")).toBe("pass");
    expect(verdict(s, "the runbook asked for an approval")).toBe("pass");
    expect(verdict(s, "no promotion before the approval")).toBe("pass");
    expect(s.timeline.some((e) => e.kind === "notification" && e.text.includes("APPROVAL NEEDED"))).toBe(true);
  });

  it("gets the payments that were in doubt back when the primary returns: none lost", () => {
    const { summary } = scenario("replication-degraded");
    expect(summary.unreplicatedPaymentsAtOutage).toBeGreaterThan(0);
    expect(summary.acknowledgedPaymentsLost).toBe(0);
    expect(summary.passed).toBe(true);
  });
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
  it("fails the rehearsal when the fence never lands: the recovered primary takes writes next to the new one", () => {
    expect(faulted.summary.passed).toBe(false);
    expect(faulted.summary.writesAfterDemotion).toBeGreaterThan(0);
    expect(faulted.summary.failedChecks).toContain("one writer at a time");
    expect(faultedExit).toBe(1);
  });
});

describe("the command line", () => {
  it("rejects an unknown scenario with exit code 2 and the list of scenarios", async () => {
    const out = await rehearse(["--scenario", "meteor"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Unknown scenario "meteor". Allowed: full, drill/);
  });

  it("rejects an unknown config key with exit code 2 before evaluating anything", async () => {
    const out = await rehearse(["--config", "nope=1"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Unknown config key "nope" \(--config nope=1\)\. Allowed keys .*healthCheckIntervalSeconds/);
    expect(out.stderr).not.toContain("Stage 1/2");
    expect(out.stdout).toBe("");
  });
});
