/**
 * Alarm coverage: every alarm the catalogue promises exists for EVERY function, table and
 * replication rule of BOTH regions, wired to that region's alert topic, with the exact
 * treatMissingData chosen in infra/core/alarm-catalog.ts. Derived from what the stack creates
 * (functions, tables, replication rules), not from the catalogue, so a dropped alarm fails here.
 * What mocks cannot prove: that CloudWatch publishes these metrics with these dimensions in that
 * region, or that AWS accepts the alarms.
 */
import { paymentFunctions } from "../../lib/handlers";
import { RTC_MINUTES } from "../../infra/components/storage/transaction-log-storage";
import { resourceName } from "../../infra/core/naming";
import type { Evaluation } from "../../infra/offline/evaluate";
import type { CapturedResource } from "../../infra/offline/mocks";
import { ofType, one, REGIONS, stack } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ENV = "dev";
const REGION_LIST = [REGIONS.primary, REGIONS.secondary];
const ROLE: Record<string, "primary" | "secondary"> = { [REGIONS.primary]: "primary", [REGIONS.secondary]: "secondary" };

interface Metric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}
/** The metrics an alarm reads: its single metric, or every metric of its math query. */
function metricsOf(alarm: CapturedResource): Metric[] {
  if (alarm.inputs.metricName)
    return [{ namespace: alarm.inputs.namespace, metricName: alarm.inputs.metricName, dimensions: alarm.inputs.dimensions ?? {} }];
  return (alarm.inputs.metricQueries ?? [])
    .filter((q: any) => q.metric)
    .map((q: any) => ({ ...q.metric, dimensions: q.metric.dimensions ?? {} }));
}
const alarmsIn = (region: string) => ofType(ev, ALARM, region);
/** Alarms of `region` every one of whose metrics satisfies `match` (and that have at least one). */
const alarmsOn = (region: string, match: (m: Metric) => boolean) =>
  alarmsIn(region).filter((a) => metricsOf(a).length > 0 && metricsOf(a).every(match));
/** The alarm's catalogue key: its physical name without `-{region}-{env}`. */
const keyOf = (a: CapturedResource) => a.inputs.name.replace(`-${a.region}-${ENV}`, "");

function topicArn(region: string): string {
  const arn = ev.outputs.alertTopicArns[ROLE[region]];
  // The output must be the topic that lives in this region, not merely a string that looks like it.
  expect(one(ev, "aws:sns/topic:Topic", (t) => t.region === region && t.state.arn === arn)).toBeDefined();
  return arn;
}
function expectNotifiesOwnTopic(alarm: CapturedResource, region: string) {
  const topic = topicArn(region);
  expect({
    name: alarm.inputs.name,
    enabled: alarm.inputs.actionsEnabled,
    alarm: alarm.inputs.alarmActions,
    ok: alarm.inputs.okActions,
  }).toEqual({
    name: alarm.inputs.name,
    enabled: true,
    alarm: [topic],
    // RegionalAlarms sets okActions on every alarm (recovery is news too).
    ok: [topic],
  });
}

const cases = REGION_LIST.flatMap((region) => paymentFunctions.map((f) => [region, f.name] as const));

describe("Lambda errors and throttles", () => {
  it.each(cases)("alarms in %s on exactly one Errors and one Throttles metric of %s, to the region's topic", (region, name) => {
    const fn = one(ev, "aws:lambda/function:Function", (f) => f.region === region && f.inputs.name === resourceName(name, region, ENV));
    for (const metricName of ["Errors", "Throttles"]) {
      const found = alarmsOn(
        region,
        (m) => m.namespace === "AWS/Lambda" && m.metricName === metricName && m.dimensions.FunctionName === fn.inputs.name,
      );
      expect(found.map((a) => a.inputs.name)).toEqual([resourceName(`${name}-${metricName.toLowerCase()}`, region, ENV)]);
      expect(found[0].inputs).toMatchObject({
        statistic: "Sum",
        period: 60,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      expectNotifiesOwnTopic(found[0], region);
    }
  });

  it.each(REGION_LIST)("has no Lambda alarm in %s on a function that is not in that region", (region) => {
    const functions = new Set(ofType(ev, "aws:lambda/function:Function", region).map((f) => f.inputs.name));
    const targets = alarmsOn(region, (m) => m.namespace === "AWS/Lambda").flatMap((a) =>
      metricsOf(a).map((m) => m.dimensions.FunctionName),
    );
    expect(targets.length).toBe(2 * paymentFunctions.length);
    expect(targets.filter((t) => !functions.has(t))).toEqual([]);
  });
});

describe("DynamoDB global tables", () => {
  const tables = () => Object.values(ev.outputs.tableNames as Record<string, string>);
  const tableCases = REGION_LIST.flatMap((region) =>
    ["payments-global-dev", "payments-idempotency-global-dev", "dr-control-global-dev"].map((t) => [region, t] as const),
  );

  it("alarms on the three global tables the stack creates", () => {
    expect(tables().sort()).toEqual(
      tableCases
        .slice(0, 3)
        .map(([, t]) => t)
        .sort(),
    );
  });

  // Strong mode (the default): no replication-latency alarm, since "Global tables configured for
  // multi-Region strong consistency (MRSC) do not publish a ReplicationLatency metric"
  // (V2globaltables_HowItWorks); eventual mode's: data-layer-eventual.test.ts.
  it.each(tableCases)("alarms in %s on the local replica of %s: errors and throttles, no replication latency", (region, table) => {
    // The table has a replica in this region (created in the primary with the peer as replica).
    const resource = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === table);
    expect([resource.region, ...resource.inputs.replicas.map((r: any) => r.regionName)]).toContain(region);
    const onTable = (names: string[]) =>
      alarmsOn(region, (m) => m.namespace === "AWS/DynamoDB" && names.includes(m.metricName) && m.dimensions.TableName === table);

    expect(onTable(["ReplicationLatency"])).toEqual([]);

    const errors = onTable(["SystemErrors"]);
    const throttles = onTable(["ReadThrottleEvents", "WriteThrottleEvents"]);
    expect(errors).toHaveLength(1);
    expect(throttles).toHaveLength(1);
    expect(
      metricsOf(throttles[0])
        .map((m) => m.metricName)
        .sort(),
    ).toEqual(["ReadThrottleEvents", "WriteThrottleEvents"]);
    for (const math of [errors[0], throttles[0]]) {
      // The returned expression must read every metric it queries, or some are silently unused.
      const queries = math.inputs.metricQueries as any[];
      const returned = queries.filter((q) => q.returnData);
      expect(returned).toHaveLength(1);
      for (const q of queries.filter((q) => q.metric)) expect(returned[0].expression).toMatch(new RegExp(`\\b${q.id}\\b`));
      expect(math.inputs).toMatchObject({ threshold: 0, comparisonOperator: "GreaterThanThreshold" });
    }
    for (const a of [...errors, ...throttles]) expectNotifiesOwnTopic(a, region);
  });
});

describe("S3 transaction-log replication", () => {
  const bucketOfArn = (arn: string) => arn.replace(/^arn:aws:s3:::/, "");
  const rules = () =>
    ofType(ev, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").flatMap((c) =>
      (c.inputs.rules as any[]).map((rule) => ({
        region: c.region as string,
        source: c.inputs.bucket,
        destination: bucketOfArn(rule.destination.bucket),
        rule,
      })),
    );

  it("replicates in both directions, each rule with replication metrics enabled", () => {
    expect(rules().map((r) => [r.region, r.rule.id, r.rule.status, r.rule.destination.metrics?.status])).toEqual([
      [REGIONS.primary, "primary-to-secondary", "Enabled", "Enabled"],
      [REGIONS.secondary, "secondary-to-primary-failback", "Enabled", "Enabled"],
    ]);
  });

  it("alarms on latency and failed operations of every rule, in the source bucket's region", () => {
    for (const { region, source, destination, rule } of rules()) {
      // S3 publishes replication metrics in the source bucket's Region, per rule.
      const dims = { SourceBucket: source, DestinationBucket: destination, RuleId: rule.id };
      for (const [metricName, threshold] of [
        ["ReplicationLatency", RTC_MINUTES * 60],
        ["OperationsFailedReplication", 0],
      ] as const) {
        const found = alarmsOn(region, (m) => m.namespace === "AWS/S3" && m.metricName === metricName && m.dimensions.RuleId === rule.id);
        expect(found.map((a) => ({ dims: a.inputs.dimensions, threshold: a.inputs.threshold }))).toEqual([{ dims, threshold }]);
        expectNotifiesOwnTopic(found[0], region);
      }
    }
  });

  it("has no S3 alarm on a rule, bucket pair or region the stack does not configure", () => {
    const configured = rules().map((r) => JSON.stringify([r.region, r.source, r.destination, r.rule.id]));
    const alarmed = ofType(ev, ALARM)
      .filter((a) => a.inputs.namespace === "AWS/S3")
      .map((a) =>
        JSON.stringify([a.region, a.inputs.dimensions.SourceBucket, a.inputs.dimensions.DestinationBucket, a.inputs.dimensions.RuleId]),
      );
    expect(alarmed.length).toBe(2 * configured.length);
    expect(alarmed.filter((a) => !configured.includes(a))).toEqual([]);
  });
});

describe("treatMissingData", () => {
  type Missing = "breaching" | "notBreaching" | "ignore" | "missing";
  /** One row per alarm kind: the metric(s) it reads, optionally its key, and the value chosen (why in the comment). */
  const TABLE: { kind: string; metrics: string; key?: RegExp; value: Missing }[] = [
    // AWS/DynamoDB alarms always ignore missing data whatever is set; saying so keeps it honest.
    // (Replication latency alarms exist in eventual mode only: data-layer-eventual.test.ts.)
    { kind: "DynamoDB system errors", metrics: "AWS/DynamoDB:SystemErrors", value: "ignore" },
    { kind: "DynamoDB throttles", metrics: "AWS/DynamoDB:ReadThrottleEvents+AWS/DynamoDB:WriteThrottleEvents", value: "ignore" },
    // No invocations means no errors or throttles.
    { kind: "Lambda errors", metrics: "AWS/Lambda:Errors", value: "notBreaching" },
    { kind: "Lambda throttles", metrics: "AWS/Lambda:Throttles", value: "notBreaching" },
    // No traffic is not an error.
    { kind: "API 5xx", metrics: "AWS/ApiGateway:5XXError", value: "notBreaching" },
    // No traffic is not a failure to record payments.
    { kind: "payment failures", metrics: "PaymentsDR:PaymentFailed", value: "notBreaching" },
    // SQS stops publishing for idle queues.
    {
      kind: "processing DLQ depth",
      metrics: "AWS/SQS:ApproximateNumberOfMessagesVisible",
      key: /^processing-dlq-depth$/,
      value: "notBreaching",
    },
    {
      kind: "transaction-log DLQ depth",
      metrics: "AWS/SQS:ApproximateNumberOfMessagesVisible",
      key: /^transaction-log-dlq-depth$/,
      value: "notBreaching",
    },
    {
      kind: "async-failures queue depth",
      metrics: "AWS/SQS:ApproximateNumberOfMessagesVisible",
      key: /^async-failures-depth$/,
      value: "notBreaching",
    },
    // No new transaction-log objects means no replication metric.
    { kind: "S3 replication latency", metrics: "AWS/S3:ReplicationLatency", value: "notBreaching" },
    { kind: "S3 failed replication", metrics: "AWS/S3:OperationsFailedReplication", value: "notBreaching" },
    // A gap in Route 53 metrics is not evidence of failure; the peer's canary watches independently.
    { kind: "Route 53 endpoint health", metrics: "AWS/Route53:HealthCheckStatus", value: "ignore" },
    // A silent canary says nothing about the peer; canary-silent covers it.
    { kind: "peer health", metrics: "PaymentsDR:PeerHealthy", key: /^peer-health$/, value: "notBreaching" },
    // Here missing data IS the failure: the region is blind to its peer.
    { kind: "canary silent", metrics: "PaymentsDR:PeerHealthy", key: /^canary-silent$/, value: "breaching" },
    // Too-old heartbeats need a canary; canary-silent covers its absence.
    { kind: "peer heartbeat age", metrics: "PaymentsDR:PeerHeartbeatAgeSeconds", value: "notBreaching" },
    // A fence is lifted only by an explicit 0 (failback), never by silence: keep the last state.
    { kind: "primary fenced", metrics: "PaymentsDR:PrimaryFenced", value: "ignore" },
  ];
  const signature = (a: CapturedResource) => [...new Set(metricsOf(a).map((m) => `${m.namespace}:${m.metricName}`))].sort().join("+");
  const rowsFor = (a: CapturedResource) => TABLE.filter((row) => row.metrics === signature(a) && (!row.key || row.key.test(keyOf(a))));

  it.each(TABLE.map((row) => [row.kind, row.value, row] as const))("treats missing data of every %s alarm as %s", (_kind, value, row) => {
    const alarms = ofType(ev, ALARM).filter((a) => rowsFor(a).includes(row));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.map((a) => [a.inputs.name, a.inputs.treatMissingData])).toEqual(alarms.map((a) => [a.inputs.name, value]));
  });

  it("knows the kind of every alarm in the stack (exactly one row each), and each says why in its description", () => {
    const unmatched = ofType(ev, ALARM)
      .filter((a) => rowsFor(a).length !== 1)
      .map((a) => `${a.inputs.name} (${signature(a)}): ${rowsFor(a).length} rows`);
    expect(unmatched).toEqual([]);
    for (const a of ofType(ev, ALARM))
      expect([a.inputs.name, a.inputs.alarmDescription]).toEqual([a.inputs.name, expect.stringMatching(/missing data/i)]);
  });
});

describe("both regions alike", () => {
  /** Route 53 publishes health-check metrics only in us-east-1 (ROUTE53_METRICS_REGION). */
  const PRIMARY_ONLY = ["primary-endpoint-health", "secondary-endpoint-health"];
  /** Published in the secondary by the fence step; the primary's Route 53 guard watches it there. */
  const SECONDARY_ONLY = ["primary-fenced"];

  it("creates the same alarms in both regions except the documented region-specific ones", () => {
    const keys = (region: string) => alarmsIn(region).map(keyOf).sort();
    const [east1, east2] = [keys(REGIONS.primary), keys(REGIONS.secondary)];
    expect(east1).toEqual(expect.arrayContaining(PRIMARY_ONLY));
    expect(east2).toEqual(expect.arrayContaining(SECONDARY_ONLY));
    const shared1 = east1.filter((k) => !PRIMARY_ONLY.includes(k));
    const shared2 = east2.filter((k) => !SECONDARY_ONLY.includes(k));
    expect(shared1).toEqual(shared2);
    expect(east1.length - PRIMARY_ONLY.length).toBe(east2.length - SECONDARY_ONLY.length);
    // Per region: 2 per table (strong mode: no replication latency), 2 per function, and 10 regional
    // ones (API, payment failures, 3 queues, 2 S3, 3 canary).
    expect(shared1).toHaveLength(2 * 3 + 2 * paymentFunctions.length + 10);
    expect(new Set(east1).size).toBe(east1.length);
    expect(new Set(east2).size).toBe(east2.length);
  });
});
