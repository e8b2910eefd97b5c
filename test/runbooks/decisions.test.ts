import type { RegionRecord } from "../../lib/control-record";
import {
  antiFlap,
  approvalRequired,
  assessReplication,
  assessStrongReplication,
  decideAction,
  detectionFromProbe,
  isAutomaticExecution,
  nextActiveEpoch,
  RECENT_PROBE_MS,
  parseNameServer,
  witnessConfirms,
  witnessRegions,
  type ActionInput,
  type PeerHeartbeatReading,
  type RunbookAction,
  type TableReplicaStatus,
} from "../../runbooks/domain/decisions";
import type { Trigger } from "../../runbooks/domain/run";

const P = "us-east-1";
const S = "us-east-2";
const record = (region: string, state: RegionRecord["state"], epoch = 0): RegionRecord => ({
  pk: "authority",
  region,
  state,
  epoch,
  updatedAt: "2025-01-01T00:00:00.000Z",
  reason: "test",
  executionId: "x",
});
// Alarms fire an hour after the records last changed, unless a case says otherwise.
const alarmAbout = (subjectRegion: string, changedAt = "2025-01-01T01:00:00Z"): Trigger => ({
  source: "alarm",
  alarmName: "a",
  alarmArn: "arn:a",
  state: "ALARM",
  changedAt,
  eventId: "e",
  subjectRegion,
});
const manual: Trigger = { source: "manual" };

describe("decideAction", () => {
  // [case, mode, region (runs in), trigger, local state, peer state, expected action, how long ago this region's canary saw the peer healthy]
  const table: [
    string,
    ActionInput["mode"],
    string,
    Trigger,
    RegionRecord["state"] | null,
    RegionRecord["state"] | null,
    RunbookAction,
    number?,
  ][] = [
    ["alarm about the peer, local STANDBY → failover", "failover", S, alarmAbout(P), "STANDBY", "ACTIVE", "failover"],
    [
      "alarm about the peer, peer already DRAINED, local STANDBY → failover",
      "failover",
      S,
      alarmAbout(P),
      "STANDBY",
      "DRAINED",
      "failover",
    ],
    ["alarm about the peer, local ACTIVE → notify only", "failover", P, alarmAbout(S), "ACTIVE", "STANDBY", "no-action"],
    [
      "alarm about the peer, local FENCED → notify only (never auto-activate a fenced region)",
      "failover",
      P,
      alarmAbout(S),
      "FENCED",
      "ACTIVE",
      "no-action",
    ],
    ["alarm about the peer, local DRAINED → notify only", "failover", S, alarmAbout(P), "DRAINED", "ACTIVE", "no-action"],
    [
      "own alarm while ACTIVE, the peer answering healthy → drain self",
      "failover",
      P,
      alarmAbout(P),
      "ACTIVE",
      "STANDBY",
      "drain-self",
      5000,
    ],
    [
      "own alarm 2 min after becoming ACTIVE → notify only (its window may cover the drain before)",
      "failover",
      P,
      alarmAbout(P, "2025-01-01T00:02:00Z"),
      "ACTIVE",
      "STANDBY",
      "no-action",
    ],
    [
      "own alarm 5 min after becoming ACTIVE → drain self",
      "failover",
      P,
      alarmAbout(P, "2025-01-01T00:05:00Z"),
      "ACTIVE",
      "STANDBY",
      "drain-self",
      5000,
    ],
    ["own alarm while STANDBY → notify only", "failover", S, alarmAbout(S), "STANDBY", "ACTIVE", "no-action"],
    ["own alarm while DRAINED → notify only", "failover", P, alarmAbout(P), "DRAINED", "STANDBY", "no-action"],
    ["manual failover into STANDBY → failover", "failover", S, manual, "STANDBY", "ACTIVE", "failover"],
    ["manual failover into FENCED → failover (operator decides)", "failover", S, manual, "FENCED", "ACTIVE", "failover"],
    ["manual failover into ACTIVE → nothing to do", "failover", S, manual, "ACTIVE", "FENCED", "no-action"],
    ["no local record → refuse", "failover", S, alarmAbout(P), null, "ACTIVE", "refuse"],
    ["failback with primary FENCED, secondary ACTIVE → failback", "failback", P, manual, "FENCED", "ACTIVE", "failback"],
    ["failback with both fenced → failback (restores a writer)", "failback", P, manual, "FENCED", "FENCED", "failback"],
    ["failback with primary already ACTIVE → nothing to do", "failback", P, manual, "ACTIVE", "STANDBY", "no-action"],
    ["failback with both ACTIVE → refuse (split brain)", "failback", P, manual, "ACTIVE", "ACTIVE", "refuse"],
    ["failback from the secondary → refuse", "failback", S, manual, "STANDBY", "FENCED", "refuse"],
    ["drill in a healthy pair → drill", "drill", S, manual, "STANDBY", "ACTIVE", "drill"],
    ["drill while the secondary is ACTIVE → refuse", "drill", S, manual, "ACTIVE", "FENCED", "refuse"],
    ["drill while the primary is not ACTIVE → refuse", "drill", S, manual, "STANDBY", "DRAINED", "refuse"],
    ["drill from the primary → refuse", "drill", P, manual, "ACTIVE", "STANDBY", "refuse"],
  ];

  // A rest parameter: jest-each takes a callback with more parameters than a row has values for
  // one that waits for `done`, and the rows without the optional last value would time out.
  it.each(table)("%s", (...row) => {
    const [, mode, region, trigger, localState, peerState, expected, peerHealthyMsAgo] = row;
    const peerRegion = region === P ? S : P;
    const decision = decideAction({
      mode,
      trigger,
      region,
      peerRegion,
      localRole: region === P ? "primary" : "secondary",
      local: localState ? record(region, localState) : undefined,
      peer: peerState ? record(peerRegion, peerState) : undefined,
      ...(peerHealthyMsAgo !== undefined ? { peerHealthyMsAgo } : {}),
    });
    expect(decision.action).toBe(expected);
    expect(decision.reason.length).toBeGreaterThan(10);
  });
});

const reconcileAbout = (subjectRegion: string, condition: "no-writer" | "writer-unreachable" | "writer-silent" = "no-writer"): Trigger => ({
  source: "reconcile",
  condition,
  detail: "seen by the test",
  observedAt: "2025-01-01T01:00:00Z",
  subjectRegion,
  epoch: 4,
});

describe("decideAction: automatic runs re-check the peer and restore a writer", () => {
  // [case, region (runs in), trigger, local state, peer state, peerHealthyMsAgo, expected action, words the reason must contain]
  const table: [string, string, Trigger, RegionRecord["state"], RegionRecord["state"], number | undefined, RunbookAction, string][] = [
    // Drain-self only when the peer can take over: never into "nobody can write".
    [
      "own alarm while ACTIVE, the peer never seen healthy → notify only",
      P,
      alarmAbout(P),
      "ACTIVE",
      "STANDBY",
      undefined,
      "no-action",
      "draining would leave no region to take payments",
    ],
    [
      "own alarm while ACTIVE, the peer last healthy just over 15 s ago → notify only",
      P,
      alarmAbout(P),
      "ACTIVE",
      "STANDBY",
      RECENT_PROBE_MS + 1,
      "no-action",
      "has not seen us-east-2 answer healthy lately",
    ],
    [
      "own alarm while ACTIVE, the peer healthy 15 s ago → drain self",
      P,
      alarmAbout(P),
      "ACTIVE",
      "STANDBY",
      RECENT_PROBE_MS,
      "drain-self",
      "drain it",
    ],
    // An alarm about the peer is stale when the peer answers now.
    [
      "alarm about the peer, which answered healthy 3 s ago → notify only",
      S,
      alarmAbout(P),
      "STANDBY",
      "ACTIVE",
      3000,
      "no-action",
      "saw us-east-1 answer healthy 3 s ago",
    ],
    [
      "alarm about the peer, which answered healthy 15 s ago → notify only",
      S,
      alarmAbout(P),
      "STANDBY",
      "ACTIVE",
      RECENT_PROBE_MS,
      "no-action",
      "the condition no longer holds",
    ],
    [
      "alarm about the peer, last healthy just over 15 s ago → failover",
      S,
      alarmAbout(P),
      "STANDBY",
      "ACTIVE",
      RECENT_PROBE_MS + 1,
      "failover",
      "fail over to us-east-2",
    ],
    [
      "reconciler: the writer unreachable, local STANDBY → failover",
      S,
      reconcileAbout(P, "writer-unreachable"),
      "STANDBY",
      "ACTIVE",
      undefined,
      "failover",
      "the reconciler (writer-unreachable)",
    ],
    [
      "reconciler: the writer answers again → notify only",
      S,
      reconcileAbout(P, "writer-unreachable"),
      "STANDBY",
      "ACTIVE",
      2000,
      "no-action",
      "the condition no longer holds",
    ],
    [
      "reconciler: this region is already ACTIVE → notify only",
      P,
      reconcileAbout(S),
      "ACTIVE",
      "STANDBY",
      undefined,
      "no-action",
      "already ACTIVE",
    ],
    // Nobody ACTIVE: the primary always restores itself; the secondary only while the primary does not answer.
    [
      "no writer, in the primary, the secondary answering → failover",
      P,
      reconcileAbout(S),
      "FENCED",
      "FENCED",
      1000,
      "failover",
      "no region is ACTIVE (us-east-1 FENCED, us-east-2 FENCED)",
    ],
    [
      "no writer, in the primary DRAINED by a drill that stopped → failover",
      P,
      reconcileAbout(S),
      "DRAINED",
      "STANDBY",
      undefined,
      "failover",
      "no region is ACTIVE",
    ],
    [
      "no writer, in the primary, started by an alarm about the peer → failover",
      P,
      alarmAbout(S),
      "FENCED",
      "FENCED",
      undefined,
      "failover",
      "alarm a: no region is ACTIVE",
    ],
    [
      "no writer, in the secondary, the primary answering → notify only (it restores itself)",
      S,
      reconcileAbout(P),
      "STANDBY",
      "DRAINED",
      1000,
      "no-action",
      "the primary us-east-1 is alive",
    ],
    [
      "no writer, in the secondary, the primary silent → failover",
      S,
      reconcileAbout(P),
      "STANDBY",
      "DRAINED",
      undefined,
      "failover",
      "no region is ACTIVE",
    ],
    [
      "no writer, in a FENCED secondary, the primary last healthy long ago → failover",
      S,
      reconcileAbout(P),
      "FENCED",
      "FENCED",
      60_000,
      "failover",
      "us-east-2 takes writes again",
    ],
    // Strong mode: the writer has written nothing (no heartbeat, read strongly) and answered no probe
    // for the reconciler's grace: it cannot commit a payment, so a fenced region restores a writer.
    [
      "reconciler: the writer silent, this region FENCED → failover (restore a writer)",
      P,
      reconcileAbout(S, "writer-silent"),
      "FENCED",
      "ACTIVE",
      undefined,
      "failover",
      "us-east-2 has written nothing and answered nothing",
    ],
    [
      "reconciler: the silent writer answers again → notify only",
      P,
      reconcileAbout(S, "writer-silent"),
      "FENCED",
      "ACTIVE",
      2000,
      "no-action",
      "the condition no longer holds",
    ],
    [
      "an alarm about the writer, this region FENCED → notify only (an operator decides)",
      P,
      alarmAbout(S),
      "FENCED",
      "ACTIVE",
      undefined,
      "no-action",
      "an automatic run never activates a fenced or drained region over a writer",
    ],
    // An operator is never second-guessed by the canary.
    [
      "operator failover while the canary sees the peer healthy → failover",
      S,
      manual,
      "STANDBY",
      "ACTIVE",
      1000,
      "failover",
      "operator failover",
    ],
  ];

  it.each(table)("%s", (_label, region, trigger, localState, peerState, peerHealthyMsAgo, expected, words) => {
    const peerRegion = region === P ? S : P;
    const decision = decideAction({
      mode: "failover",
      trigger,
      region,
      peerRegion,
      localRole: region === P ? "primary" : "secondary",
      local: record(region, localState),
      peer: record(peerRegion, peerState),
      ...(peerHealthyMsAgo !== undefined ? { peerHealthyMsAgo } : {}),
    });
    expect(decision.action).toBe(expected);
    expect(decision.reason).toContain(words);
  });
});

describe("isAutomaticExecution", () => {
  it.each([
    ["alarm-3f9c2a", true],
    ["reconcile-no-writer-us-east-2-0123456789abcdef", true],
    ["arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-dev:alarm-3f9c2a", true],
    ["arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-dev:drctl-failover-1", false],
    ["drctl-failback-20250101", false],
    ["drill-x-failback", false],
    ["deployment", false],
    ["my-alarm-run", false],
  ])("%s → %s", (name, automatic) => {
    expect(isAutomaticExecution(name)).toBe(automatic);
  });
});

describe("approvalRequired", () => {
  it.each([
    [{ requireApproval: true, automatic: false, autoFailover: true }, true],
    [{ requireApproval: false, automatic: true, autoFailover: false }, true],
    [{ requireApproval: false, automatic: true, autoFailover: true }, false],
    [{ requireApproval: false, automatic: false, autoFailover: false }, false],
  ])("%j → %s", (input, required) => {
    expect(approvalRequired(input).required).toBe(required);
  });
});

describe("antiFlap", () => {
  const now = 1_000_000_000;
  const last = (agoSeconds: number, executionName = "earlier") => ({
    pk: "auto#x",
    region: S,
    executionName,
    startedAt: now - agoSeconds * 1000,
  });
  it.each([
    ["operator runs are never suppressed", { automatic: false, lastRun: last(1) }, false],
    ["the first automatic run proceeds", { automatic: true, lastRun: undefined }, false],
    ["an automatic run inside the interval is suppressed", { automatic: true, lastRun: last(60) }, true],
    ["an automatic run after the interval proceeds", { automatic: true, lastRun: last(901) }, false],
    ["a retried step does not suppress its own run", { automatic: true, lastRun: last(1, "me"), executionName: "me" }, false],
  ])("%s", (_label, input, suppressed) => {
    const d = antiFlap({ now, minIntervalSeconds: 900, ...input });
    expect(d.suppressed).toBe(suppressed);
    if (suppressed) expect(d.nextAllowedAt).toBe(now - 60_000 + 900_000);
  });

  it("starts the interval over when an operator changed the regions after the last automatic run", () => {
    const d = antiFlap({ now, minIntervalSeconds: 900, automatic: true, lastRun: last(60), operatorChangedAt: now - 30_000 });
    expect(d).toEqual({
      suppressed: false,
      reason: expect.stringContaining("an operator changed the regions 30 s ago, after the last automatic run"),
      lastAutomaticRunAt: now - 60_000,
    });
  });

  it("does not hold a run back behind an automatic run that changed nothing (the regions last changed before it started)", () => {
    const d = antiFlap({ now, minIntervalSeconds: 900, automatic: true, lastRun: last(40), regionsChangedAt: now - 3_600_000 });
    expect(d).toEqual({
      suppressed: false,
      reason: expect.stringContaining("the last automatic run earlier changed nothing"),
      lastAutomaticRunAt: now - 40_000,
    });
  });

  it("still suppresses a run behind an automatic run that changed the regions", () => {
    const d = antiFlap({ now, minIntervalSeconds: 900, automatic: true, lastRun: last(60), regionsChangedAt: now - 50_000 });
    expect(d).toMatchObject({ suppressed: true, nextAllowedAt: now - 60_000 + 900_000 });
  });

  it.each([
    ["before the last automatic run", now - 120_000],
    ["at the same instant as the last automatic run", now - 60_000],
  ])("still suppresses when the operator's change was %s", (_label, operatorChangedAt) => {
    const d = antiFlap({ now, minIntervalSeconds: 900, automatic: true, lastRun: last(60), operatorChangedAt });
    expect(d).toMatchObject({ suppressed: true, nextAllowedAt: now - 60_000 + 900_000 });
  });
});

describe("assessReplication", () => {
  const now = 10_000_000;
  const active = (table: string): TableReplicaStatus => ({
    table,
    tableName: `t-${table}`,
    tableStatus: "ACTIVE",
    localReplicaStatus: "ACTIVE",
  });
  const tables = [active("payments"), active("idempotency"), active("control")];
  /** The peer's heartbeat in every table, written `agoMs` ago (as replicated here), unless `per` says otherwise. */
  const heartbeats = (agoMs: number, per: Record<string, number | "none" | "unreadable"> = {}): PeerHeartbeatReading[] =>
    ["payments", "idempotency", "control"].map((table) => {
      const v = per[table] ?? agoMs;
      if (v === "none") return { table };
      if (v === "unreadable") return { table, error: "AccessDeniedException: not authorized" };
      return { table, writtenAt: now - v };
    });
  // Probes every 10 s: failing since the probe after the last healthy one.
  const probe = (healthyAgoMs: number | undefined) => ({
    pk: "probe#s#p",
    observer: S,
    target: P,
    lastCheckedAt: now - 1000,
    ...(healthyAgoMs === undefined ? {} : { lastHealthyAt: now - healthyAgoMs, firstFailedAt: now - healthyAgoMs + 10_000 }),
    lastStatus: 0,
    consecutiveFailures: 3,
  });
  /** The local canary's latest probe found the peer healthy 1 s ago: it may have written until now. */
  const answering = { ...probe(1000), consecutiveFailures: 0, firstFailedAt: undefined };
  const assess = (overrides: Partial<Parameters<typeof assessReplication>[0]> = {}) =>
    assessReplication({ tables, peerHeartbeats: heartbeats(3000), probe: probe(2000), now, rpoSeconds: 60, peerRegion: P, ...overrides });

  it("computes exposure as last-seen-healthy minus last replicated heartbeat, and the in-doubt window up to now", () => {
    const a = assess({ peerHeartbeats: heartbeats(32_000), probe: probe(30_000) });
    expect(a).toMatchObject({
      verdict: "ok",
      exposureSeconds: 12,
      peerHeartbeatAgeSeconds: 32,
      inDoubtWindow: { from: now - 32_000, to: now },
    });
  });

  it("ends the exposure at the first failing probe, not the last healthy one (the peer may have written until then)", () => {
    // Heartbeat replicated at -32 s; last healthy probe -30 s; first failure -20 s.
    const a = assess({ peerHeartbeats: heartbeats(32_000), probe: probe(30_000) });
    expect(a.exposureSeconds).toBe(12);
  });

  it("counts the exposure until now while the peer still answers", () => {
    const a = assess({ peerHeartbeats: heartbeats(4000), probe: answering });
    expect(a.exposureSeconds).toBe(4);
  });

  it("measures the table that lags most: payments 90 s behind while the control table is current (issue 15)", () => {
    // The primary died 30 s ago (first failure 20 s ago). Its control and idempotency heartbeats
    // reached this replica just before; the payments table's replication is 90 s behind.
    const a = assess({ peerHeartbeats: heartbeats(32_000, { payments: 122_000 }), probe: probe(30_000) });
    expect(a).toMatchObject({
      verdict: "lag-exceeded",
      exposureSeconds: 102,
      peerHeartbeatAgeSeconds: 122,
      lastReplicatedHeartbeatAt: now - 122_000,
      inDoubtWindow: { from: now - 122_000, to: now },
      exposureByTable: [
        { table: "payments", lastReplicatedHeartbeatAt: now - 122_000, heartbeatAgeSeconds: 122, exposureSeconds: 102 },
        { table: "idempotency", lastReplicatedHeartbeatAt: now - 32_000, heartbeatAgeSeconds: 32, exposureSeconds: 12 },
        { table: "control", lastReplicatedHeartbeatAt: now - 32_000, heartbeatAgeSeconds: 32, exposureSeconds: 12 },
      ],
    });
    expect(a.problems).toContain(`RPO exposure 102 s exceeds the objective of 60 s (payments table: ${P}'s heartbeat here is 122 s old)`);
    expect(a.summary).toContain("payments 102 s / 122 s, idempotency 12 s / 32 s, control 12 s / 32 s");
  });

  it("names the worst table and every table's figures in the summary when within the objective", () => {
    const a = assess({ peerHeartbeats: heartbeats(3000, { idempotency: 7000 }), probe: answering });
    expect(a.verdict).toBe("ok");
    expect(a.exposureSeconds).toBe(7);
    expect(a.summary).toBe(
      `replicas ACTIVE; RPO exposure 7 s (objective 60 s), the idempotency table's; per table (exposure / ${P} heartbeat age): payments 3 s / 3 s, idempotency 7 s / 7 s, control 3 s / 3 s`,
    );
  });

  it.each<[string, Partial<Parameters<typeof assessReplication>[0]>, string]>([
    [
      "a local replica UPDATING",
      { tables: [{ ...active("payments"), tableStatus: "UPDATING" }, active("idempotency"), active("control")] },
      "replica-not-ready",
    ],
    [
      "the local replica entry not ACTIVE",
      { tables: [{ ...active("payments"), localReplicaStatus: "INACCESSIBLE_ENCRYPTION_CREDENTIALS" }] },
      "replica-not-ready",
    ],
    ["DescribeTable failing", { tables: [{ ...active("payments"), error: "AccessDenied" }] }, "replica-not-ready"],
    ["exposure over the RPO", { peerHeartbeats: heartbeats(200_000), probe: probe(100_000) }, "lag-exceeded"],
    ["only the payments table over the RPO", { peerHeartbeats: heartbeats(3000, { payments: 90_000 }) }, "lag-exceeded"],
    ["only the idempotency table over the RPO", { peerHeartbeats: heartbeats(3000, { idempotency: 90_000 }) }, "lag-exceeded"],
    ["only the control table over the RPO", { peerHeartbeats: heartbeats(3000, { control: 90_000 }) }, "lag-exceeded"],
    [
      "no heartbeat at all (exposure cannot be bounded)",
      { peerHeartbeats: heartbeats(3000, { payments: "none", idempotency: "none", control: "none" }) },
      "lag-exceeded",
    ],
    ["no heartbeat in the payments table (cannot be bounded)", { peerHeartbeats: heartbeats(3000, { payments: "none" }) }, "lag-exceeded"],
    [
      "the idempotency heartbeat unreadable (cannot be bounded)",
      { peerHeartbeats: heartbeats(3000, { idempotency: "unreadable" }) },
      "lag-exceeded",
    ],
    ["no heartbeat read at all", { peerHeartbeats: [] }, "lag-exceeded"],
    ["no probe record: assume the peer wrote until now", { peerHeartbeats: heartbeats(90_000), probe: undefined }, "lag-exceeded"],
    ["a peer never seen healthy since its last heartbeat", { peerHeartbeats: heartbeats(90_000), probe: probe(95_000) }, "ok"],
    ["every table's heartbeat fresh", {}, "ok"],
  ])("verdict with %s", (_label, overrides, verdict) => {
    const a = assess(overrides);
    expect(a.verdict).toBe(verdict);
    if (verdict !== "ok") expect(a.problems.length).toBeGreaterThan(0);
  });

  it("reports an unknown exposure, and says which table, when one table's heartbeat is missing or unreadable", () => {
    const a = assess({ peerHeartbeats: heartbeats(3000, { payments: "none", idempotency: "unreadable" }), probe: answering });
    expect(a).toMatchObject({
      verdict: "lag-exceeded",
      exposureSeconds: null,
      peerHeartbeatAgeSeconds: null,
      inDoubtWindow: { from: null },
    });
    expect(a.problems).toEqual([
      `no heartbeat from ${P} in the local payments replica: the RPO exposure cannot be bounded`,
      `the idempotency table's heartbeat from ${P} could not be read (AccessDeniedException: not authorized): the RPO exposure cannot be bounded`,
    ]);
    expect(a.exposureByTable).toEqual([
      { table: "payments", lastReplicatedHeartbeatAt: null, heartbeatAgeSeconds: null, exposureSeconds: null },
      { table: "idempotency", lastReplicatedHeartbeatAt: null, heartbeatAgeSeconds: null, exposureSeconds: null },
      { table: "control", lastReplicatedHeartbeatAt: now - 3000, heartbeatAgeSeconds: 3, exposureSeconds: 3 },
    ]);
    expect(a.summary).toContain("payments unknown, idempotency unknown, control 3 s / 3 s");
  });
});

describe("assessStrongReplication", () => {
  const now = 10_000_000;
  const active = (table: string): TableReplicaStatus => ({
    table,
    tableName: `t-${table}`,
    tableStatus: "ACTIVE",
    localReplicaStatus: "ACTIVE",
  });
  const tables = [active("payments"), active("idempotency"), active("control")];
  const quorum = { read: true, write: true };
  // The secondary's canary: the primary last healthy `healthyAgoMs` ago, failing since one probe later (or answering).
  const probe = (healthyAgoMs: number, failures: number) => ({
    pk: "probe#s#p",
    observer: S,
    target: P,
    lastCheckedAt: now - 1000,
    lastHealthyAt: now - healthyAgoMs,
    lastStatus: failures > 0 ? 0 : 200,
    consecutiveFailures: failures,
    ...(failures > 0 ? { firstFailedAt: now - healthyAgoMs + 10_000 } : {}),
  });
  const assess = (overrides: Partial<Parameters<typeof assessStrongReplication>[0]> = {}) =>
    assessStrongReplication({ tables, quorum, probe: probe(30_000, 3), now, rpoSeconds: 60, peerRegion: P, ...overrides });

  it("reports exposure 0 by construction, no heartbeat figures, and the in-doubt window from the last healthy probe until now", () => {
    const a = assess();
    expect(a).toEqual({
      verdict: "ok",
      replicasActive: true,
      exposureSeconds: 0,
      peerHeartbeatAgeSeconds: null,
      lastReplicatedHeartbeatAt: null,
      lastSeenHealthyAt: now - 30_000,
      // Not from the first failing probe (now - 20 s): a request sent between the two may be one the peer never answered.
      inDoubtWindow: { from: now - 30_000, to: now },
      rpoSeconds: 60,
      problems: [],
      summary: expect.stringContaining("RPO exposure 0 s for acknowledged payments (objective 60 s)"),
    });
    expect(a.summary).toContain(`requests ${P} left unanswered since ${new Date(now - 30_000).toISOString()} are in doubt`);
  });

  it("stays ok however long the peer has been silent: nothing acknowledged can be missing", () => {
    expect(assess({ probe: probe(3_600_000, 360) })).toMatchObject({ verdict: "ok", exposureSeconds: 0 });
  });

  it("opens the in-doubt window at the first failure when the peer was never seen healthy, and leaves it open-ended without a probe record", () => {
    const neverHealthy = { ...probe(0, 3), lastHealthyAt: undefined, firstFailedAt: now - 25_000 };
    expect(assess({ probe: neverHealthy }).inDoubtWindow).toEqual({ from: now - 25_000, to: now });
    const none = assess({ probe: undefined });
    expect(none.inDoubtWindow).toEqual({ from: null, to: now });
    expect(none.summary).not.toContain("since");
  });

  it.each<[string, Partial<Parameters<typeof assessStrongReplication>[0]>, string]>([
    [
      "a strong read failing",
      { quorum: { read: false, write: false, error: "InternalServerError" } },
      "cannot read strongly (InternalServerError)",
    ],
    [
      "an acknowledged write failing",
      { quorum: { read: true, write: false, error: "InternalServerError" } },
      "cannot write strongly (InternalServerError)",
    ],
    [
      "a local replica UPDATING",
      { tables: [{ ...active("payments"), tableStatus: "UPDATING" }, active("idempotency"), active("control")] },
      "payments table t-payments is UPDATING, not ACTIVE",
    ],
    [
      "DescribeTable failing",
      { tables: [{ ...active("payments"), error: "AccessDenied" }, active("idempotency"), active("control")] },
      "DescribeTable failed: AccessDenied",
    ],
  ])("fails with replica-not-ready on %s", (_label, overrides, problem) => {
    const a = assess(overrides);
    expect(a).toMatchObject({ verdict: "replica-not-ready", replicasActive: false, exposureSeconds: 0 });
    expect(a.problems).toEqual([expect.stringContaining(problem)]);
    expect(a.summary).toBe(a.problems.join("; "));
  });

  it("names the peer and the witness when this region cannot reach a quorum", () => {
    const a = assess({ quorum: { read: false, write: false } });
    expect(a.problems).toEqual([
      `this region cannot read strongly (no answer): it reaches neither ${P} nor the witness, so it cannot take writes`,
    ]);
  });

  it("is not ready without any table to check", () => {
    expect(assess({ tables: [] })).toMatchObject({ verdict: "replica-not-ready", replicasActive: false });
  });
});

describe("small rules", () => {
  it("takes a new epoch past both regions' epochs", () => {
    expect(nextActiveEpoch(record(S, "STANDBY", 1), record(P, "FENCED", 4))).toBe(5);
    expect(nextActiveEpoch(undefined, undefined)).toBe(1);
  });

  it("confirms the witness only when every answer names the region", () => {
    expect(witnessRegions([["us-east-", "2"], [" us-east-2 "]])).toEqual(["us-east-2", "us-east-2"]);
    expect(witnessConfirms(["us-east-2"], "us-east-2")).toBe(true);
    expect(witnessConfirms(["us-east-2", "us-east-1"], "us-east-2")).toBe(false);
    expect(witnessConfirms([], "us-east-2")).toBe(false);
  });

  it.each([
    ["192.0.2.53", { address: "192.0.2.53" }],
    ["192.0.2.53:5353", { address: "192.0.2.53:5353" }],
    ["[2001:db8::1]:53", { address: "[2001:db8::1]:53" }],
    ["2001:db8::1", { address: "2001:db8::1" }],
    ["ns-1.awsdns-01.org.", { host: "ns-1.awsdns-01.org" }],
    ["ns-2.awsdns-02.com:53", { host: "ns-2.awsdns-02.com", port: 53 }],
  ])("parses name server %s", (entry, expected) => {
    expect(parseNameServer(entry)).toEqual(expected);
  });

  it("estimates the first failing probe after a drain", () => {
    const drainedAt = 1_000_000;
    const probeAt = (checkedAgo: number, failures: number) => ({
      pk: "p",
      observer: S,
      target: P,
      lastCheckedAt: drainedAt + checkedAgo,
      lastStatus: 0,
      consecutiveFailures: failures,
    });
    expect(detectionFromProbe(probeAt(25_000, 2), drainedAt, 10_000)).toMatchObject({
      detected: true,
      detectedAt: drainedAt + 15_000,
      detectionSeconds: 15,
    });
    expect(detectionFromProbe(probeAt(5_000, 9), drainedAt, 10_000)).toMatchObject({ detected: true, detectedAt: drainedAt });
    expect(detectionFromProbe(probeAt(-1, 3), drainedAt, 10_000).detected).toBe(false);
    expect(detectionFromProbe({ ...probeAt(5000, 0) }, drainedAt, 10_000).detected).toBe(false);
    expect(detectionFromProbe(undefined, drainedAt, 10_000).detected).toBe(false);
  });
});

describe("decideAction: a primary that drained itself (gray failure) is not restored over a live secondary", () => {
  const drainedBySelf = (): RegionRecord => ({
    ...record(P, "DRAINED", 3),
    executionId: "arn:aws:states:us-east-1:123456789012:execution:dr-orchestrator-us-east-1-dev:alarm-payment-failures-us-east-1-dev-1",
  });
  const decide = (region: string, local: RegionRecord, peer: RegionRecord, peerAnsweredMsAgo?: number) =>
    decideAction({
      mode: "failover",
      trigger: reconcileAbout(region === P ? S : P),
      region,
      peerRegion: region === P ? S : P,
      localRole: region === P ? "primary" : "secondary",
      local,
      peer,
      ...(peerAnsweredMsAgo !== undefined ? { peerAnsweredMsAgo } : {}),
    });

  it("the secondary takes over although the drained primary still answers", () => {
    const d = decide(S, record(S, "STANDBY", 3), drainedBySelf(), 1000);
    expect(d).toMatchObject({ action: "failover", reason: expect.stringContaining("drained itself on its own alarm") });
  });

  it("the primary does not restore itself while the secondary is alive, and does when it is not", () => {
    expect(decide(P, drainedBySelf(), record(S, "STANDBY", 3), 1000)).toMatchObject({
      action: "no-action",
      reason: expect.stringContaining("us-east-2 takes over"),
    });
    expect(decide(P, drainedBySelf(), record(S, "STANDBY", 3)).action).toBe("failover");
  });

  it("a primary drained by a drill (an operator's run) is still restored by itself", () => {
    const byDrill = {
      ...drainedBySelf(),
      executionId: "arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-dev:drill-20300304",
    };
    expect(decide(P, byDrill, record(S, "STANDBY", 3), 1000).action).toBe("failover");
    expect(decide(S, record(S, "STANDBY", 3), byDrill, 1000).action).toBe("no-action");
  });
});

describe("decideAction: a reconciler's writer-silent run takes one last look", () => {
  const decide = (peerAnsweredMsAgo?: number) =>
    decideAction({
      mode: "failover",
      trigger: reconcileAbout(S, "writer-silent"),
      region: P,
      peerRegion: S,
      localRole: "primary",
      local: record(P, "FENCED", 2),
      peer: record(S, "ACTIVE", 2),
      ...(peerAnsweredMsAgo !== undefined ? { peerAnsweredMsAgo } : {}),
    });

  it("restores a writer when the writer has not answered lately, and not when it answered just now (AssessRegions' last look)", () => {
    expect(decide().action).toBe("failover");
    expect(decide(60_000).action).toBe("failover");
    expect(decide(0)).toEqual({
      action: "no-action",
      reason: expect.stringContaining("us-east-2 answered 0 s ago, so the writer is back"),
    });
  });
});
