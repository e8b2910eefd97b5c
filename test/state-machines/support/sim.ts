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
import { type Authority, controlKeys, type RegionState } from "../../../lib/control-schema";
import { runbookFunctions } from "../../../lib/handlers";
import {
  HEARTBEAT_DATA_TABLES,
  type HeartbeatDataTable,
  REPLICATION_HEARTBEAT_KIND,
  replicationHeartbeatKey,
} from "../../../lib/replication-heartbeat";
import { dataConsistencyOf } from "../../../sim/deployment/deployment";
import { reportKeys } from "../../../runbooks/domain/report";
import { RESTORE_TAG } from "../../../runbooks/domain/write-function";
import type { ExecutionRecord } from "../../../sim/stepfunctions/model";
import type { SimulatedAws, TestWorld } from "../../../sim/testing";

/** How often the deployed canary probes its peer (PROBES_PER_MINUTE 6 by default). */
export const PROBE_INTERVAL_MS = 10_000;

/** A world whose clocks Route 53 and CloudWatch keep (answers follow health), but where nothing starts a runbook by itself. */
export function quietWorld(aws: SimulatedAws): TestWorld {
  return aws.world({ background: { alarms: true, route53: true, schedules: false, eventRules: false } });
}

/**
 * A quiet world where the canaries run as deployed (EventBridge Scheduler starts their tickers
 * every minute): heartbeats, probe records and the secondary's PrimaryFenced come from the real
 * canary. Still, no alarm starts a runbook.
 */
export function liveWorld(aws: SimulatedAws): TestWorld {
  return aws.world({ background: { alarms: true, route53: true, schedules: true, eventRules: false } });
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

/** `region`'s replication heartbeat in a data table, as the canary writes it in eventual mode (lib/replication-heartbeat.ts). */
export function dataHeartbeat(table: HeartbeatDataTable, region: string, writtenAt: number): Record<string, unknown> {
  const key = table === "payments" ? "paymentId" : "id";
  return {
    [key]: replicationHeartbeatKey(region),
    kind: REPLICATION_HEARTBEAT_KIND,
    region,
    writtenAt,
    sequence: Math.floor(writtenAt / 1000),
  };
}

/**
 * `region`'s heartbeats as its canary leaves them: the control table's and, in eventual mode (where
 * CheckReplication measures every table), the payments and idempotency tables' — each `writtenAt`
 * unless `per` says otherwise (a table that lags).
 */
export function heartbeats(
  t: TestWorld,
  region: string,
  writtenAt: number,
  options: { regions?: readonly string[]; per?: Partial<Record<HeartbeatDataTable, number>> } = {},
): void {
  t.seed("control", heartbeat(region, writtenAt), options.regions);
  if (dataConsistencyOf(t.deployment) !== "eventual") return;
  for (const table of HEARTBEAT_DATA_TABLES) {
    t.seed(table, dataHeartbeat(table, region, options.per?.[table] ?? writtenAt), options.regions);
  }
}

/**
 * The authority with `states` changed (the others as `t`'s primary replica holds them), at `epoch`:
 * what a test seeds to start from a given situation.
 */
export function authorityWith(t: TestWorld, states: Record<string, RegionState>, epoch: number, at: number): Authority {
  const current = t.control(t.primary, controlKeys.authority()) as Authority | undefined;
  const when = new Date(at).toISOString();
  return {
    pk: controlKeys.authority(),
    epoch,
    states: { ...current?.states, ...states },
    changedAt: { ...current?.changedAt, ...Object.fromEntries(Object.keys(states).map((r) => [r, when])) },
    updatedAt: when,
    reason: "seeded by the test",
    executionId: "seed",
  };
}

/** As the canaries would leave it in normal operation: heartbeats 3 s old, each peer seen healthy 2 s ago. */
export function canariesSawBothHealthy(t: TestWorld): void {
  const now = t.now();
  for (const r of [t.primary, t.secondary]) {
    heartbeats(t, r, now - 3000);
    t.seed("control", probe(r, t.peerOf(r), now - 2000, now - 2000, 0));
  }
}

/** Normal operation (a quiet world, or a live one with `canaries`), as the canaries would leave it. */
export function healthy(aws: SimulatedAws, options: { canaries?: boolean } = {}): TestWorld {
  const t = options.canaries ? liveWorld(aws) : quietWorld(aws);
  canariesSawBothHealthy(t);
  return t;
}

/**
 * After an automatic failover — the state failover.test.ts shows a run leaves: the primary FENCED
 * (epoch 0) and the secondary ACTIVE (epoch 1) in both replicas, the primary's write function
 * stopped (reserved concurrency 0, the value before it in the restore tag), and the fence alarm in
 * ALARM because the secondary's canary republished PrimaryFenced=1 from the FENCED record and
 * CloudWatch evaluated it at the end of the minute; Route 53 answers the secondary. The world is
 * left 1 s into a minute, with fresh heartbeats.
 */
export async function failedOver(aws: SimulatedAws, options: { canaries?: boolean } = {}): Promise<TestWorld> {
  const t = healthy(aws, options);
  const at = t.now() - 30_000;
  t.seed("control", authorityWith(t, { [t.primary]: "FENCED", [t.secondary]: "ACTIVE" }, 1, at));
  const write = t.functionName(t.primary, "create-payment");
  const before = t.world.lambda.getReserved(t.primary, write);
  t.world.lambda.tag(t.primary, write, { [RESTORE_TAG]: before === null ? "unreserved" : String(before) });
  t.world.lambda.setReserved(t.primary, write, 0);
  await t.invoke(t.secondary, "canary", { offsetSeconds: 0 });
  // CloudWatch evaluates the alarm at the end of the minute the datapoint landed in.
  await t.alignTo(60_000);
  await t.advance(1000);
  // Without running canaries, what they would have written by now (the secondary's probes of the FENCED primary fail).
  if (!options.canaries) {
    const now = t.now();
    for (const r of [t.primary, t.secondary]) heartbeats(t, r, now - 3000);
    t.seed("control", probe(t.primary, t.secondary, now - 2000, now - 2000, 0));
    t.seed("control", probe(t.secondary, t.primary, now - 2000, at, 3));
  }
  const fence = fenceAlarm(t);
  if (t.world.alarms.state(fence.name, fence.region) !== "ALARM") throw new Error("failedOver: the fence alarm is not in ALARM");
  if (witnessAnswer(t) !== t.secondary) throw new Error(`failedOver: DNS answers ${witnessAnswer(t)}, not ${t.secondary}`);
  return t;
}

/** The alarm Route 53's primary guard watches: PrimaryFenced in the secondary. */
export function fenceAlarm(t: TestWorld) {
  return t.alarm(t.secondary, "primary-fenced-");
}

/** What the zone's name servers answer for the DNS witness now. */
export function witnessAnswer(t: TestWorld): string | undefined {
  return t.world.route53.answer(t.deployment.witnessName, "TXT")?.values.join(",");
}

/** The PrimaryFenced datapoints published in the secondary (by the runbooks and the canary), oldest first. */
export function primaryFencedData(t: TestWorld): { value: number; at: number; caller?: string }[] {
  return t
    .calls({ service: "cloudwatch", operation: "PutMetricData", region: t.secondary })
    .flatMap((c) =>
      c.outcome === "ok"
        ? (c.input.MetricData as { MetricName: string; Value: number }[])
            .filter((d) => d.MetricName === "PrimaryFenced")
            .map((d) => ({ value: d.Value, at: c.at, ...(c.caller ? { caller: c.caller } : {}) }))
        : [],
    );
}

/** The evidence report of execution `name` in `region`'s evidence bucket (JSON parsed, or the Markdown), undefined if none. */
export function reportOf(t: TestWorld, region: string, name: string): Record<string, any> | undefined {
  const body = reportBody(t, region, name, "json");
  return body === undefined ? undefined : (JSON.parse(body) as Record<string, any>);
}

export function reportBody(t: TestWorld, region: string, name: string, kind: "json" | "markdown"): string | undefined {
  const bucket = t.deployment.buckets.find((b) => b.region === region && b.objectLock);
  if (!bucket) throw new Error(`the deployment has no evidence bucket in ${region}`);
  const key = reportKeys(name)[kind];
  return t.world.s3.keys(bucket.name, key).includes(key) ? t.world.s3.get(region, bucket.name, key).body : undefined;
}

/**
 * Once `when` holds for a change of the control table — written through a replica's endpoint
 * (`local`) or arriving by replication — `then` runs, once, in the same instant.
 */
export function onControlChange(
  t: TestWorld,
  when: (item: Record<string, unknown> | undefined, change: { region: string; local: boolean }) => boolean,
  then: () => void,
): void {
  let done = false;
  t.world.dynamodb.onChange((change) => {
    if (done || change.table !== t.tables.control || !when(change.new, change)) return;
    done = true;
    then();
  });
}

/** The state output of every exit of `state` in an execution, from its history (GetExecutionHistory's StateExited events), in order. */
export function outputsOf(record: ExecutionRecord, state: string): Record<string, any>[] {
  return (record.history?.events ?? [])
    .filter((e) => e.type.endsWith("StateExited") && e.details?.name === state)
    .map((e) => JSON.parse(String(e.details?.output)) as Record<string, any>);
}

/** A loop bound of the deployed DR machine of `region`: the NumericGreaterThanEquals of Choice `state` on `$.loops.<loop>.count`. */
export function loopBound(t: TestWorld, region: string, state: string): number {
  const machine = t.deployment.stateMachines.find((m) => m.region === region && m.type === "STANDARD");
  const choices = (machine?.definition.States[state]?.Choices ?? []) as { Variable?: string; NumericGreaterThanEquals?: number }[];
  const bound = choices.find((c) => c.Variable?.startsWith("$.loops.") && typeof c.NumericGreaterThanEquals === "number");
  if (!bound) throw new Error(`${state} in ${region}'s DR machine has no loop bound`);
  return bound.NumericGreaterThanEquals as number;
}

/** The primary went dark 30 s ago; its last heartbeat reached the secondary 2 s before that; the secondary's canary saw 3 failures. */
export async function primaryOutage(aws: SimulatedAws): Promise<TestWorld> {
  const t = healthy(aws);
  t.world.outage(t.primary);
  await t.advance(30_000);
  const now = t.now();
  heartbeats(t, t.primary, now - 32_000, { regions: [t.secondary] });
  t.seed("control", probe(t.secondary, t.primary, now - 1000, now - 30_000, 3), [t.secondary]);
  return t;
}

/** The input start-execution gives a run started by the secondary's peer-health alarm. */
export function alarmInput(t: TestWorld, subjectRegion: string, eventId = "evt-1") {
  return alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion, eventId, changedAt: t.now() - 5000 });
}

/**
 * The input start-execution gives a run started in `region` by its deployed alarm `alarm` (a name
 * prefix: "peer-health-" is about the peer, "payment-failures-" about the region itself), which
 * changed state at `changedAt` (default now).
 */
export function alarmRun(
  t: TestWorld,
  options: { region: string; alarm: string; subjectRegion: string; eventId: string; changedAt?: number },
) {
  const alarm = t.alarm(options.region, options.alarm);
  return {
    mode: "failover",
    targetRegion: options.region,
    trigger: {
      source: "alarm",
      alarmName: alarm.name,
      alarmArn: alarm.arn,
      state: "ALARM",
      previousState: "OK",
      changedAt: new Date(options.changedAt ?? t.now()).toISOString(),
      eventId: options.eventId,
      subjectRegion: options.subjectRegion,
    },
  };
}

/** AWS calls (and DNS queries) made by the DR functions — not by /health answering Route 53's checkers. */
export function runbookCalls(t: TestWorld) {
  const names = new Set(runbookFunctions.flatMap((f) => [t.functionName(t.primary, f.name), t.functionName(t.secondary, f.name)]));
  return t.world.calls.filter((c) => c.caller !== undefined && names.has(c.caller));
}

/** Whether a call only reads: DNS queries, STS credentials, and Get/Describe/List/Query/Scan operations. */
export function isRead(call: { service: string; operation: string }): boolean {
  return call.service === "dns" || call.service === "sts" || /^(Get|BatchGet|Describe|List|Query|Scan)/.test(call.operation);
}

/**
 * Clients paying while a drill holds traffic: every `everyMs`, while `region`'s running drill is
 * in HoldTraffic, one new payment through `region`'s real create-payment (as API Gateway would
 * invoke it), so what the payment path reports there is what the drill's check reads. Returns the
 * answers (status code, and when it came) and what stops it.
 */
export function paymentsDuringHold(
  t: TestWorld,
  region: string,
  everyMs = 2000,
): { answers: { status: number; at: number }[]; before: (at: number) => number[]; stop: () => void } {
  const answers: { status: number; at: number }[] = [];
  let n = 0;
  const stop = t.world.clock.every(everyMs, () => {
    const holding = t.executions(region).some((e) => e.status === "RUNNING" && e.states.at(-1)?.name === "HoldTraffic");
    if (!holding) return;
    n += 1;
    const body = JSON.stringify({ amount: 1000 + n, currency: "EUR", merchantReference: `drill-${n}`, sourceReference: "tok_visa_4242" });
    const headers = { "content-type": "application/json", "Idempotency-Key": `drill-hold-payment-${t.now()}-${n}` };
    void t
      .beginInvoke(region, "create-payment", {
        httpMethod: "POST",
        path: "/payments",
        resource: "/payments",
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        body,
        isBase64Encoded: false,
        pathParameters: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        stageVariables: null,
        requestContext: {},
      })
      .then((r) => answers.push({ status: (r as { statusCode: number }).statusCode, at: t.now() }));
  });
  return { answers, before: (at) => answers.filter((a) => a.at < at).map((a) => a.status), stop };
}
