/**
 * The reconciler's decision (runbooks/domain/reconcile.ts), table-tested: which standing condition
 * starts a run, and when nothing does. Pure: no AWS. What this cannot prove: that the canary's
 * records and the heartbeat read carry these values on AWS (test/state-machines and the rehearsal
 * run the handlers that write and read them).
 */
import type { Authority, ProbeRecord } from "../../lib/control-schema";
import { NO_WRITER_GRACE_MS, planReconcile, UNREACHABLE_GRACE_MS, WRITER_SILENT_GRACE_MS } from "../../runbooks/domain/reconcile";

const P = "us-east-1";
const S = "us-east-2";
const now = Date.parse("2030-03-04T09:10:00Z");
const ago = (ms: number) => new Date(now - ms).toISOString();

/** The secondary became the writer ten minutes ago (a failover fenced the primary). */
const failedOver = (states: Authority["states"] = { [P]: "FENCED", [S]: "ACTIVE" }): Authority => ({
  pk: "authority",
  epoch: 2,
  states,
  changedAt: { [P]: ago(600_000), [S]: ago(600_000) },
  updatedAt: ago(600_000),
  reason: "failover alarm-x: promoted",
  executionId: "arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-dev:alarm-x",
});

/** The primary's canary: the secondary has given no HTTP answer for `silentMs`. */
const silentFor = (silentMs: number): ProbeRecord => ({
  pk: `probe#${P}#${S}`,
  observer: P,
  target: S,
  lastCheckedAt: now - 1000,
  lastHealthyAt: now - silentMs,
  lastAnsweredAt: now - silentMs,
  // The probe after the last answer (every 10 s) was the first to fail.
  firstFailedAt: now - silentMs + 10_000,
  lastStatus: 0,
  consecutiveFailures: Math.max(1, Math.floor(silentMs / 10_000)),
});

const plan = (over: Partial<Parameters<typeof planReconcile>[0]>) =>
  planReconcile({ region: P, peerRegion: S, now, authority: failedOver(), probe: silentFor(60_000), running: false, ...over });

describe("planReconcile: a fenced region and a writer that can no longer write (strong mode)", () => {
  it("starts a writer-silent run when the writer wrote no heartbeat and answered no probe for the grace, and Route 53 no longer routes to it", () => {
    const p = plan({
      strongConsistency: true,
      peerHeartbeatAt: now - WRITER_SILENT_GRACE_MS - 1000,
      probe: silentFor(WRITER_SILENT_GRACE_MS),
      // Both regions unhealthy to Route 53: the failover record fails open to the primary.
      witness: { answers: [P] },
    });
    expect(p).toMatchObject({
      start: true,
      condition: "writer-silent",
      input: { targetRegion: P, trigger: { condition: "writer-silent" } },
    });
  });

  // The sweep (seed 7): the regions cut off from each other, the writer's control-table writes
  // refused, its payments still committed through the witness — silent from here, yet serving.
  it("asks the DNS witness before acting on silence, and acts only when it no longer names the writer", () => {
    const silent = { strongConsistency: true, peerHeartbeatAt: now - 120_000, probe: silentFor(120_000) };
    expect(plan(silent)).toMatchObject({ start: false, askWitness: true });
    expect(plan({ ...silent, witness: { answers: [S] } })).toEqual({
      start: false,
      reason: expect.stringContaining("Route 53 still routes to it"),
    });
    expect(plan({ ...silent, witness: { unanswered: true } })).toEqual({ start: false, reason: expect.stringContaining("gave no answer") });
    expect(plan({ ...silent, witness: { answers: [] } })).toMatchObject({ start: true, condition: "writer-silent" });
  });

  it.each([
    ["its heartbeat is recent (it still commits writes)", { strongConsistency: true, peerHeartbeatAt: now - 5000 }],
    ["its heartbeat could not be read", { strongConsistency: true }],
    [
      "the tables are eventually consistent (a stale heartbeat may be replication's)",
      { strongConsistency: false, peerHeartbeatAt: now - 120_000 },
    ],
    [
      "it answered a probe within the grace",
      { strongConsistency: true, peerHeartbeatAt: now - 120_000, probe: silentFor(WRITER_SILENT_GRACE_MS - 1000) },
    ],
    ["its heartbeat is younger than the grace", { strongConsistency: true, peerHeartbeatAt: now - WRITER_SILENT_GRACE_MS + 1000 }],
    ["a DR run is already running here", { strongConsistency: true, peerHeartbeatAt: now - 120_000, running: true }],
  ])("starts nothing when %s", (_label, over) => {
    expect(plan(over)).toMatchObject({ start: false });
  });

  it("starts nothing for a region that drained itself on its own alarm (it said it cannot serve)", () => {
    const authority = {
      ...failedOver({ [P]: "DRAINED", [S]: "ACTIVE" }),
      executionId: "arn:aws:states:us-east-1:123456789012:execution:dr-orchestrator-us-east-1-dev:alarm-self",
    };
    expect(plan({ authority, strongConsistency: true, peerHeartbeatAt: now - 120_000 })).toMatchObject({ start: false });
  });
});

describe("planReconcile: the conditions it had already", () => {
  it("starts a no-writer run once nobody has been ACTIVE for the grace", () => {
    const authority = { ...failedOver({ [P]: "FENCED", [S]: "FENCED" }), updatedAt: ago(NO_WRITER_GRACE_MS) };
    expect(plan({ authority })).toMatchObject({ start: true, condition: "no-writer" });
  });

  it("starts a writer-unreachable run in a STANDBY region whose writer failed every probe for the grace", () => {
    const authority = failedOver({ [P]: "STANDBY", [S]: "ACTIVE" });
    expect(plan({ authority, probe: silentFor(UNREACHABLE_GRACE_MS + 10_000) })).toMatchObject({
      start: true,
      condition: "writer-unreachable",
    });
  });
});
