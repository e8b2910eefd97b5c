/**
 * The executed state-machine tests run the DEPLOYED DR state machines (rendered by the Pulumi
 * program, evaluated offline) with the real runbook handlers, in the one simulated AWS (sim/):
 * real replication, Lambda and Step Functions semantics, Route 53 health checks and answers
 * following the control records and the fence alarm, CloudWatch alarms evaluated on the metrics
 * the steps publish. The worlds here are quiet: the canaries do not run and EventBridge rules do
 * not start runbooks, so each test sets the scene (items seeded as the canaries would have written
 * them) and starts the execution itself.
 *
 * What this cannot prove: anything the simulation does not model (sim/rehearsal/README.md) — real
 * AWS timing, the real JSONPath engine of Step Functions.
 */
import { controlKeys } from "../../../lib/control-schema";
import { runbookFunctions } from "../../../lib/handlers";
import type { SimulatedAws, TestWorld } from "../../../sim/testing";

/** How often the deployed canary probes its peer (PROBES_PER_MINUTE 6 by default). */
export const PROBE_INTERVAL_MS = 10_000;

/** A world whose clocks Route 53 and CloudWatch keep (answers follow health), but where nothing starts a runbook by itself. */
export function quietWorld(aws: SimulatedAws): TestWorld {
  return aws.world({ background: { alarms: true, route53: true, schedules: false, eventRules: false } });
}

/** The probe record a canary in `observer` keeps about `target` (lib/control-schema.ts probeSchema). */
export function probe(
  observer: string,
  target: string,
  checkedAt: number,
  lastHealthyAt: number,
  failures: number,
): Record<string, unknown> {
  return {
    pk: controlKeys.probe(observer, target),
    observer,
    target,
    lastCheckedAt: checkedAt,
    lastHealthyAt,
    lastStatus: failures > 0 ? 0 : 200,
    consecutiveFailures: failures,
    // As the canary records it: the first probe of the current run of failures.
    ...(failures > 0 ? { firstFailedAt: Math.max(lastHealthyAt, checkedAt - (failures - 1) * PROBE_INTERVAL_MS) } : {}),
  };
}

export function heartbeat(region: string, writtenAt: number): Record<string, unknown> {
  return { pk: controlKeys.heartbeat(region), region, writtenAt, sequence: Math.floor(writtenAt / 1000) };
}

export function regionRecord(region: string, state: string, epoch: number, at: number): Record<string, unknown> {
  return {
    pk: controlKeys.region(region),
    region,
    state,
    epoch,
    updatedAt: new Date(at).toISOString(),
    reason: "seeded by the test",
    executionId: "seed",
  };
}

/** Normal operation, as the canaries would leave it: heartbeats 3 s old, each peer seen healthy 2 s ago. */
export function healthy(aws: SimulatedAws): TestWorld {
  const t = quietWorld(aws);
  const now = t.now();
  for (const r of [t.primary, t.secondary]) {
    t.seed("control", heartbeat(r, now - 3000));
    t.seed("control", probe(r, t.peerOf(r), now - 2000, now - 2000, 0));
  }
  return t;
}

/** The primary went dark 30 s ago; its last heartbeat reached the secondary 2 s before that; the secondary's canary saw 3 failures. */
export async function primaryOutage(aws: SimulatedAws): Promise<TestWorld> {
  const t = healthy(aws);
  t.world.outage(t.primary);
  await t.advance(30_000);
  const now = t.now();
  t.seed("control", heartbeat(t.primary, now - 32_000), [t.secondary]);
  t.seed("control", probe(t.secondary, t.primary, now - 1000, now - 30_000, 3), [t.secondary]);
  return t;
}

/** The input start-execution gives a run started by the secondary's peer-health alarm. */
export function alarmInput(t: TestWorld, subjectRegion: string, eventId = "evt-1") {
  const alarm = t.deployment.alarms.find((a) => a.region === t.secondary && a.name.startsWith("peer-health-"));
  if (!alarm) throw new Error("the deployment has no peer-health alarm in the secondary");
  return {
    mode: "failover",
    targetRegion: t.secondary,
    trigger: {
      source: "alarm",
      alarmName: alarm.name,
      alarmArn: alarm.arn,
      state: "ALARM",
      previousState: "OK",
      changedAt: new Date(t.now() - 5000).toISOString(),
      eventId,
      subjectRegion,
    },
  };
}

/** AWS calls (and DNS queries) made by the DR functions — not by /health answering Route 53's checkers. */
export function runbookCalls(t: TestWorld) {
  const names = new Set(runbookFunctions.flatMap((f) => [t.functionName(t.primary, f.name), t.functionName(t.secondary, f.name)]));
  return t.world.calls.filter((c) => c.caller !== undefined && names.has(c.caller));
}
