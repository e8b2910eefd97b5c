import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNBOOK_ERROR_NAMES } from "../../runbooks/domain/errors";
import { composeNotification, snsSubject, whatChanged } from "../../runbooks/domain/notifications";
import { buildReport, isDrReport, renderReportMarkdown, reportKeys } from "../../runbooks/domain/report";
import { dryRunFindings } from "../../runbooks/domain/dry-run";
import type { RunState } from "../../runbooks/domain/steps";
import type { Run } from "../../runbooks/domain/run";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const at = (s: number) => T0 + s * 1000;
const timing = (step: string, s: number) => ({ step, startedAt: at(s) - 100, finishedAt: at(s) });
const regionRecord = (region: string, state: "ACTIVE" | "STANDBY" | "FENCED" | "DRAINED", epoch: number) => ({
  pk: `region#${region}`,
  region,
  state,
  epoch,
  updatedAt: new Date(T0).toISOString(),
  reason: "r",
  executionId: "e",
});

function run(overrides: Partial<Run> = {}): Run {
  return {
    executionName: "drill-1",
    executionId: "arn:aws:states:us-east-2:1:execution:m:drill-1",
    startedAt: T0,
    mode: "drill",
    checkMode: "drill",
    region: "us-east-2",
    peerRegion: "us-east-1",
    primaryRegion: "us-east-1",
    secondaryRegion: "us-east-2",
    localRole: "secondary",
    trigger: { source: "manual" },
    automatic: false,
    requireApproval: false,
    holdSeconds: 60,
    leaseHolder: "drill-1",
    reason: "quarterly drill",
    ...overrides,
  };
}

const replication = {
  ...timing("check-replication", 1),
  verdict: "ok" as const,
  replicasActive: true,
  exposureSeconds: 3,
  peerHeartbeatAgeSeconds: 4,
  lastReplicatedHeartbeatAt: at(-3),
  lastSeenHealthyAt: at(0),
  inDoubtWindow: { from: at(-3), to: at(1) },
  rpoSeconds: 60,
  problems: [],
  summary: "replicas ACTIVE",
  tables: [],
};
const assess = {
  ...timing("assess-regions", 0.5),
  action: "drill" as const,
  reason: "healthy pair",
  local: regionRecord("us-east-2", "STANDBY", 0),
  peer: regionRecord("us-east-1", "ACTIVE", 0),
  needsApproval: false,
  approvalReason: "n/a",
  autoFailover: true,
};

function drillState(overrides: Partial<RunState["steps"]> = {}, error?: RunState["error"]): RunState {
  return {
    run: run(),
    steps: {
      lease: { Payload: { ...timing("acquire-lease", 0.2), acquired: true, suppressed: false, reason: "ok", holder: "drill-1" } },
      assess: { Payload: assess },
      replication: { Payload: replication },
      drain: {
        Payload: {
          ...timing("set-peer-state", 2),
          region: "us-east-1",
          state: "DRAINED",
          previousState: "ACTIVE",
          epoch: 0,
          changedAt: at(2),
          via: "local",
          fenceMetric: { region: "us-east-2", value: 1, publishedAt: at(2) },
        },
      },
      detection: {
        Payload: {
          ...timing("check-detection", 30),
          detected: true,
          detectedAt: at(17),
          detectionSeconds: 15,
          consecutiveFailures: 2,
          drainedAt: at(2),
        },
      },
      promote: {
        Payload: {
          ...timing("promote-local", 45),
          region: "us-east-2",
          previousState: "STANDBY",
          previousEpoch: 0,
          epoch: 1,
          promotedAt: at(45),
          proof: "drained",
        },
      },
      dns: {
        Payload: {
          ...timing("confirm-dns", 92),
          name: "_region.api.x",
          expectedRegion: "us-east-2",
          answers: ["us-east-2"],
          matches: true,
          checkedAt: at(92),
          nameServers: [],
        },
      },
      holdPayments: {
        Payload: {
          ...timing("check-hold-payments", 153),
          checked: true,
          passed: true,
          basis: "payments-accepted",
          region: "us-east-2",
          window: { holdStartedAt: at(92), from: at(92) - (at(92) % 60_000), to: at(152.5) },
          counts: { accepted: 118, failed: 1, refused: 0, redirected: 0 },
          unsuccessful: 1,
          failurePercent: 0.84,
          policy: { allowNoTraffic: false, maxFailurePercent: 1 },
          summary: "118 accepted, 1 failed (500), 0 refused (503), 0 redirected: 0.84 % could not be taken (at most 1 %)",
          error: null,
        },
      },
      peerFailback: {
        Payload: {
          ...timing("start-peer-failback", 160),
          executionArn: "arn:x",
          name: "drill-1-failback",
          region: "us-east-1",
          alreadyStarted: false,
        },
      },
      peerExecution: {
        Payload: {
          ...timing("check-peer-execution", 300),
          executionArn: "arn:x",
          status: "SUCCEEDED",
          done: true,
          startDate: at(160),
          stopDate: at(290),
        },
      },
      ...overrides,
    },
    ...(error ? { error } : {}),
  };
}

const options = { now: at(305), rpoSeconds: 60, rtoSeconds: 300, environment: "prod" };

describe("buildReport", () => {
  it("measures a drill from the drain: detection, DNS shift, RTO, RPO exposure, failback duration", () => {
    const r = buildReport(drillState(), options);
    expect(r).toMatchObject({
      kind: "payments-dr/run-report",
      outcome: "drill-completed",
      execution: { name: "drill-1", status: "SUCCEEDED", durationSeconds: 305, error: null },
      measurements: {
        outageStartBasis: "drain",
        detectionSeconds: 15,
        dnsShiftSeconds: 90,
        rtoSeconds: 90,
        rpoExposureSeconds: 3,
        replicationLagSeconds: 4,
        failbackSeconds: 130,
        inDoubtWindow: { from: new Date(at(-3)).toISOString(), to: new Date(at(1)).toISOString() },
      },
      evaluation: { rto: "pass", rpo: "pass", passed: true },
    });
    expect(r.timeline.map((t) => t.step)).toEqual(
      expect.arrayContaining(["start", "drain", "detection", "promote", "dns", "peer-failback"]),
    );
    const offsets = r.timeline.map((t) => t.offsetSeconds);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(r.regions.changes.map((c) => `${c.region} ${c.state}`)).toEqual(["us-east-1 DRAINED", "us-east-2 ACTIVE"]);
    expect(isDrReport(JSON.parse(JSON.stringify(r)))).toBe(true);
  });

  it("fails the evaluation when the RTO is missed or the drain went undetected", () => {
    const slow = buildReport(drillState({ dns: { Payload: { ...drillState().steps.dns!.Payload, checkedAt: at(400) } } }), options);
    expect(slow.evaluation).toMatchObject({ rto: "fail", passed: false });
    expect(slow.evaluation.notes.join(" ")).toContain("exceeds the objective of 300 s");
    const blind = buildReport(
      drillState({
        detection: { Payload: { ...drillState().steps.detection!.Payload, detected: false, detectedAt: null, detectionSeconds: null } },
      }),
      options,
    );
    expect(blind.evaluation.passed).toBe(false);
    expect(blind.evaluation.notes.join(" ")).toContain("did not detect");
  });

  it("reports a failed run with its error and what it had changed", () => {
    const r = buildReport(
      drillState(
        { promote: undefined, dns: undefined, peerFailback: undefined, peerExecution: undefined },
        { Error: "EpochConflictError", Cause: "moved" },
      ),
      options,
    );
    expect(r).toMatchObject({
      outcome: "failed",
      execution: { status: "FAILED", error: { name: "EpochConflictError", cause: "moved" } },
      evaluation: { passed: false },
    });
    expect(r.measurements.rtoSeconds).toBeNull();
  });

  it("estimates a failover's outage start from the last healthy probe and says so", () => {
    const state: RunState = {
      run: run({
        mode: "failover",
        checkMode: "failover",
        executionName: "f-1",
        trigger: {
          source: "alarm",
          alarmName: "a",
          alarmArn: "b",
          state: "ALARM",
          changedAt: new Date(at(25)).toISOString(),
          eventId: "e",
          subjectRegion: "us-east-1",
        },
        automatic: true,
      }),
      steps: {
        assess: { Payload: { ...assess, action: "failover" } },
        replication: { Payload: replication },
        fence: {
          Payload: {
            ...timing("set-peer-state", 30),
            region: "us-east-1",
            state: "FENCED",
            epoch: 0,
            changedAt: at(30),
            via: "local",
            fenceMetric: null,
          },
        },
        promote: {
          Payload: {
            ...timing("promote-local", 41),
            region: "us-east-2",
            previousState: "STANDBY",
            previousEpoch: 0,
            epoch: 1,
            promotedAt: at(41),
            proof: "fenced",
          },
        },
        dns: {
          Payload: {
            ...timing("confirm-dns", 100),
            name: "n",
            expectedRegion: "us-east-2",
            answers: ["us-east-2"],
            matches: true,
            checkedAt: at(100),
            nameServers: [],
          },
        },
      },
    };
    const r = buildReport(state, options);
    expect(r.measurements).toMatchObject({
      outageStartBasis: "last-healthy-probe",
      detectionSeconds: 25,
      dnsShiftSeconds: 70,
      rtoSeconds: 100,
    });
    expect(r.evaluation.notes.join(" ")).toContain("outage start estimated");
    expect(r.outcome).toBe("failed-over");
  });
});

describe("renderReportMarkdown", () => {
  it("renders the verdict, objectives, decisions and timeline, escaping table cells", () => {
    const md = renderReportMarkdown(
      buildReport(drillState({ assess: { Payload: { ...assess, reason: "a | b" } } }), { ...options, simulated: true }),
    );
    expect(md).toContain("# DR drill report — drill-1");
    expect(md).toContain("> Simulated");
    expect(md).toContain("**Result: PASSED**");
    expect(md).toContain("| RTO | 90 s | 300 s | PASS |");
    expect(md).toContain("a \\| b");
    expect(md).toMatch(/## Timeline[\s\S]*drained on purpose/);
  });

  it("keys reports by execution", () => {
    expect(reportKeys("drill-1")).toEqual({ json: "reports/drill-1/report.json", markdown: "reports/drill-1/report.md" });
  });
});

describe("notifications", () => {
  const opts = { now: at(100), environment: "prod", rpoSeconds: 60, rtoSeconds: 300 };

  it("says what failed, what had changed and where to look", () => {
    const n = composeNotification(
      "failed",
      drillState(
        { promote: undefined, dns: undefined, peerFailback: undefined, peerExecution: undefined },
        { Error: "DnsNotShiftedError", Cause: "stuck" },
      ),
      opts,
    );
    expect(n.subject).toBe("[payments-dr prod] drill in us-east-2: FAILED DnsNotShiftedError");
    expect(n.message).toContain("us-east-1 DRAINED (drill)");
    expect(n.message).toContain('"DnsNotShiftedError" in docs/runbooks.md');
    expect(n.message).toContain("Elapsed: 100 s");
    expect(n.attributes).toEqual({ event: "failed", mode: "drill", region: "us-east-2", execution: "drill-1" });
  });

  it("reports measured figures at the end", () => {
    const n = composeNotification("succeeded", drillState(), opts);
    expect(n.subject).toContain("drill-completed");
    expect(n.message).toContain("RTO 90 s (objective 300 s)");
  });

  it("keeps SNS subjects ASCII and at most 100 characters", () => {
    const s = snsSubject(`ünïcode ${"x".repeat(200)}`);
    expect(s.length).toBe(100);
    expect(s).toMatch(/^[\x20-\x7E]+$/);
  });

  it("says nothing changed when nothing did", () => {
    expect(whatChanged({ run: run(), steps: {} })).toBe("no region state was changed.");
  });
});

describe("dryRunFindings", () => {
  const base = {
    run: run({ mode: "dry-run", checkMode: "drill" }),
    leaseCheck: { ...timing("inspect-lease", 0), leaseFree: true, automaticRunWouldBeSuppressed: false, antiFlapReason: "none" },
    assessment: assess,
    replication,
    dns: {
      ...timing("confirm-dns", 1),
      name: "n",
      expectedRegion: "us-east-2",
      answers: ["us-east-1"],
      matches: false,
      checkedAt: at(1),
      nameServers: [],
    },
  };

  it("is ready when every precondition holds (DNS answering the peer is expected before a drill)", () => {
    expect(dryRunFindings(base)).toMatchObject({ ready: true, cause: "drill in us-east-2: ready" });
  });

  it.each([
    [
      "the lease is held",
      {
        leaseCheck: {
          ...base.leaseCheck,
          leaseFree: false,
          heldBy: { pk: "lease", holder: "x", mode: "failover" as const, region: "us-east-1", acquiredAt: 1, expiresAt: 2 },
        },
      },
      "lease",
    ],
    ["the decision differs", { assessment: { ...assess, action: "refuse" as const, reason: "no" } }, "decision"],
    ["replication is unsafe", { replication: { ...replication, verdict: "lag-exceeded" as const, summary: "too old" } }, "replication"],
    ["DNS cannot be queried", { dns: { ...base.dns, answers: [], error: "ETIMEOUT" } }, "dns"],
  ])("is not ready when %s", (_label, overrides, check) => {
    const r = dryRunFindings({ ...base, ...overrides });
    expect(r.ready).toBe(false);
    expect(r.findings.find((f) => f.check === check)?.ok).toBe(false);
    expect(r.cause).toContain(`${check}:`);
  });
});

describe("the on-call guide", () => {
  it("explains every error name a run can end with, in docs/runbooks.md's error table", () => {
    const doc = readFileSync(join(__dirname, "../../docs/runbooks.md"), "utf8");
    const table = doc.slice(doc.indexOf("## Error names and what to do"));
    const explained = new Set(
      [...table.matchAll(/^\| ((?:`\w+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`(\w+)`/g)].map((x) => x[1])),
    );
    expect(RUNBOOK_ERROR_NAMES.filter((name) => !explained.has(name))).toEqual([]);
  });
});
