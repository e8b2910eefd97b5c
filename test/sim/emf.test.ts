/**
 * Powertools metrics reach the simulated CloudWatch: what a function writes as embedded metric
 * format (EMF) becomes datapoints in its own region's metric store, at the document's timestamp
 * (the world's virtual clock), as CloudWatch Logs extracts them; a document that breaks the EMF
 * specification is dropped and counted, never thrown; and none of it reaches the test's stdout.
 *
 * What this cannot prove: CloudWatch Logs' extraction delay (none here), or that AWS reads the
 * specification's silent corners as harshly as sim/cloudwatch/emf.ts does.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { EmfIngestion, extractEmf } from "../../sim/cloudwatch/emf";
import { MetricStore } from "../../sim/cloudwatch/metrics";
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { InvocationLog } from "../../sim/lambda/function-log";
import { loadHandler } from "../../sim/lambda/loader";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { postPayment } from "../functions/support/events";
import { stack } from "../support/stack";

const NOW = Date.parse("2030-03-04T09:00:00.000Z");

/** A valid document: one directive, two dimension sets, a value array. */
function document(overrides: { root?: Record<string, unknown>; aws?: Record<string, unknown>; directive?: Record<string, unknown> } = {}) {
  return JSON.stringify({
    _aws: {
      Timestamp: NOW - 5_000,
      CloudWatchMetrics: [
        {
          Namespace: "Shop",
          Dimensions: [["Service"], ["Service", "Region"]],
          Metrics: [{ Name: "Latency", Unit: "Milliseconds" }, { Name: "Orders" }],
          ...overrides.directive,
        },
      ],
      ...overrides.aws,
    },
    Service: "checkout",
    Region: "us-east-1",
    Latency: [12, 30],
    Orders: 1,
    requestId: "r-1",
    ...overrides.root,
  });
}

describe("extracting metrics from a log event (the EMF specification)", () => {
  it("makes a metric per dimension set, with every value of an array, at the document's timestamp", () => {
    const out = extractEmf(document(), NOW);

    expect(out.kind).toBe("metrics");
    const points = out.kind === "metrics" ? out.datapoints : [];
    expect(points.map((p) => [p.metricName, p.dimensions, p.values, p.unit, p.timestamp])).toEqual([
      ["Latency", { Service: "checkout" }, [12, 30], "Milliseconds", NOW - 5_000],
      ["Latency", { Service: "checkout", Region: "us-east-1" }, [12, 30], "Milliseconds", NOW - 5_000],
      ["Orders", { Service: "checkout" }, [1], "None", NOW - 5_000],
      ["Orders", { Service: "checkout", Region: "us-east-1" }, [1], "None", NOW - 5_000],
    ]);
  });

  it("reads what Powertools Metrics writes", () => {
    const metrics = new Metrics({ namespace: "Shop", serviceName: "checkout", defaultDimensions: { Region: "us-east-2" } });
    metrics.addMetric("Orders", MetricUnit.Count, 1);
    metrics.addMetric("Orders", MetricUnit.Count, 2);
    const written = JSON.stringify(metrics.serializeMetrics());
    metrics.clearMetrics();

    const out = extractEmf(written, Date.now());

    expect(out.kind === "metrics" && out.datapoints.map((p) => [p.namespace, p.metricName, p.dimensions, p.values])).toEqual([
      ["Shop", "Orders", { service: "checkout", Region: "us-east-2" }, [1, 2]],
    ]);
  });

  it("leaves ordinary log lines alone: text, and JSON without _aws", () => {
    expect(extractEmf("START RequestId: 1 Version: $LATEST", NOW)).toEqual({ kind: "log" });
    expect(extractEmf(JSON.stringify({ level: "INFO", message: "payment accepted" }), NOW)).toEqual({ kind: "log" });
  });

  it("rejects a document meant as EMF that is not one JSON object (a parsing error)", () => {
    expect(extractEmf('{"_aws": {"Timestamp": 1', NOW)).toMatchObject({ kind: "invalid", error: "EMFParsingErrors" });
  });

  it.each([
    ["no _aws.Timestamp", { aws: { Timestamp: undefined } }, /Timestamp/],
    ["a timestamp in seconds as a string", { aws: { Timestamp: "1741078800" } }, /Timestamp/],
    ["a timestamp more than two weeks old", { aws: { Timestamp: NOW - 15 * 24 * 3600_000 } }, /two weeks/],
    ["a timestamp more than two hours ahead", { aws: { Timestamp: NOW + 3 * 3600_000 } }, /two hours/],
    ["CloudWatchMetrics not an array", { aws: { CloudWatchMetrics: {} } }, /CloudWatchMetrics/],
    ["no namespace", { directive: { Namespace: undefined } }, /Namespace/],
    ["an AWS/ namespace", { directive: { Namespace: "AWS/Lambda" } }, /reserved/],
    ["no dimension sets", { directive: { Dimensions: [] } }, /Dimensions/],
    ["a dimension that is not a root member", { directive: { Dimensions: [["Missing"]] } }, /Missing/],
    ["a dimension that is not a string", { root: { Service: 7 } }, /Service/],
    ["more than 30 dimension keys", { directive: { Dimensions: [Array.from({ length: 31 }, () => "Service")] } }, /30/],
    ["a metric whose value is a string", { root: { Orders: "1" } }, /Orders/],
    ["a metric nested in an object", { root: { Orders: { count: 1 } } }, /Orders/],
    ["an empty value array", { root: { Latency: [] } }, /Latency/],
    ["more than 100 values", { root: { Latency: Array.from({ length: 101 }, () => 1) } }, /Latency/],
    ["a unit CloudWatch does not know", { directive: { Metrics: [{ Name: "Orders", Unit: "Orders" }] } }, /Unit/],
    [
      "a storage resolution other than 1 or 60",
      { directive: { Metrics: [{ Name: "Orders", StorageResolution: 30 }] } },
      /StorageResolution/,
    ],
    ["more than 100 metric definitions", { directive: { Metrics: Array.from({ length: 101 }, () => ({ Name: "Orders" })) } }, /100/],
  ])("rejects a document with %s, whole (a validation error)", (_what, overrides, reason) => {
    const out = extractEmf(document(overrides), NOW);

    expect(out.kind).toBe("invalid");
    expect(out.kind === "invalid" && out.error).toBe("EMFValidationErrors");
    expect(out.kind === "invalid" && out.reason).toMatch(reason);
  });
});

describe("CloudWatch Logs' extraction into a region's metric store", () => {
  it("puts every value in the log group's region, a high-resolution metric at the document's timestamp", () => {
    const store = new MetricStore();
    const emf = new EmfIngestion(store, () => NOW);

    emf.logEvent(
      "us-east-2",
      "/aws/lambda/shop",
      document({ directive: { Metrics: [{ Name: "Latency", StorageResolution: 1 }, { Name: "Orders" }] } }),
    );

    const dims = { Service: "checkout", Region: "us-east-1" };
    expect(store.stat("us-east-2", "Shop", "Latency", dims, NOW - 60_000, NOW, "SampleCount")).toBe(2);
    expect(store.last("us-east-2", "Shop", "Latency", dims)).toEqual({ t: NOW - 5_000, value: 30 });
    expect(store.stat("us-east-1", "Shop", "Latency", dims, NOW - 60_000, NOW, "SampleCount")).toBeUndefined();
    expect([emf.documents, emf.datapoints]).toEqual([1, 6]);
  });

  // PutMetricAlarm, Period: a 10/20/30 s period on a metric without sub-minute resolution "does not
  // receive data for the attempts that do not correspond to a one-minute data resolution".
  it("keeps a standard-resolution metric at one-minute granularity: a 10-second period sees it only at the minute's start", () => {
    const store = new MetricStore();
    const emf = new EmfIngestion(store, () => NOW);

    // NOW - 5 s is 08:59:55: its minute starts at 08:59:00, NOW - 60 s.
    emf.logEvent("us-east-2", "/aws/lambda/shop", document());

    const dims = { Service: "checkout" };
    const inTenSeconds = (start: number) => store.stat("us-east-2", "Shop", "Orders", dims, start, start + 10_000, "Sum");
    expect(inTenSeconds(NOW - 10_000)).toBeUndefined();
    expect(inTenSeconds(NOW - 60_000)).toBe(1);
    expect(store.stat("us-east-2", "Shop", "Orders", dims, NOW - 60_000, NOW, "Sum")).toBe(1);
  });

  it("drops an invalid document without throwing and counts it in AWS/Logs by log group", () => {
    const store = new MetricStore();
    const emf = new EmfIngestion(store, () => NOW);

    expect(() => emf.logEvent("us-east-1", "/aws/lambda/shop", document({ root: { Orders: "1" } }))).not.toThrow();

    expect(store.last("us-east-1", "Shop", "Latency", { Service: "checkout" })).toBeUndefined();
    expect(store.last("us-east-1", "AWS/Logs", "EMFValidationErrors", { LogGroupName: "/aws/lambda/shop" })).toEqual({ t: NOW, value: 1 });
    expect(emf.rejections).toEqual([
      expect.objectContaining({ region: "us-east-1", logGroup: "/aws/lambda/shop", error: "EMFValidationErrors" }),
    ]);
  });
});

describe("an invocation's log stream", () => {
  it("makes one log event per line, joining writes and delivering the last line at the end, and nothing after", () => {
    const events: string[] = [];
    const log = new InvocationLog((m) => events.push(m));

    log.write('{"a":');
    log.write("1}\nsecond\n\nthi");
    log.write("rd");
    log.end();
    log.write("late\n");

    expect(events).toEqual(['{"a":1}', "second", "third"]);
  });
});

describe("Powertools metrics in the simulated world", () => {
  let deployment: Deployment;
  let aws: SimulatedAws;
  beforeAll(async () => {
    deployment = deploymentFromEvaluation(await stack());
    aws = new SimulatedAws(deployment);
  });
  afterAll(() => aws.dispose());

  const body = (n: number) => ({ amount: 1000 + n, currency: "EUR", merchantReference: `order-${n}`, sourceReference: `tok_emf_${n}` });
  const dimsIn = (t: TestWorld, region: string) => ({ service: "create-payment", Environment: t.deployment.environment, Region: region });
  const namespace = () => fn(deployment, deployment.primaryRegion, "create-payment").env.METRIC_NAMESPACE;

  it("puts each region's create-payment metrics in that region's store, concurrently, at virtual time, printing nothing", async () => {
    // The primary accepts the payment (PaymentAccepted); the standby secondary sends it to the writer (307, WriteRedirected).
    const t = aws.world({ latency: "none" });
    const start = t.now();
    const printed = [jest.spyOn(process.stdout, "write"), jest.spyOn(process.stderr, "write")];
    try {
      const invoke = (region: string, n: number) =>
        t.world.runtime.invoke(fn(deployment, region, "create-payment").arn, postPayment(body(n), `emf-test-${region}-${n}`));

      const answers = (await t.settle(Promise.all([invoke(t.primary, 1), invoke(t.secondary, 2)]))) as { statusCode: number }[];

      expect(answers.map((a) => a.statusCode)).toEqual([202, 307]);
      const published = [
        { region: t.primary, metric: "PaymentAccepted" },
        { region: t.secondary, metric: "WriteRedirected" },
      ];
      for (const { region, metric } of published) {
        const peer = t.peerOf(region);
        expect(t.world.metrics.stat(region, namespace(), metric, dimsIn(t, region), start, t.now() + 1, "Sum")).toBe(1);
        const point = t.world.metrics.last(region, namespace(), metric, dimsIn(t, region));
        expect(point?.t).toBeGreaterThanOrEqual(start);
        expect(point?.t).toBeLessThanOrEqual(t.now());
        // Nothing of it in the peer's store, under either region's dimensions.
        expect(t.world.metrics.last(peer, namespace(), metric, dimsIn(t, peer))).toBeUndefined();
        expect(t.world.metrics.last(peer, namespace(), metric, dimsIn(t, region))).toBeUndefined();
      }
      const written = printed.flatMap((spy) => spy.mock.calls.map((call) => String(call[0])));
      expect(written.filter((text) => text.includes("_aws"))).toEqual([]);
      expect(t.world.runtime.emf.rejections).toEqual([]);
    } finally {
      for (const spy of printed) spy.mockRestore();
    }
  });

  it("drops a malformed document the function writes, keeps its valid ones, and the invocation succeeds", async () => {
    const t = aws.world({ latency: "none" });
    const spec = fn(deployment, t.primary, "create-payment");
    t.world.runtime.register(spec.arn, loadHandler({ ...spec, modulePath: require.resolve("./support/emf-handler") }));
    const emf = (root: Record<string, unknown>) =>
      JSON.stringify({
        _aws: {
          Timestamp: t.now(),
          CloudWatchMetrics: [{ Namespace: "EmfFixture", Dimensions: [["Case"]], Metrics: [{ Name: "Seen", Unit: "Count" }] }],
        },
        ...root,
      });

    const answer = await t.invoke(t.primary, "create-payment", {
      lines: [emf({ Case: "valid", Seen: 1 }), emf({ Case: "malformed", Seen: "one" }), '{"_aws": {', "a plain log line"],
      metric: "Published",
    });

    expect(answer).toEqual({ written: 4 });
    const logGroup = { LogGroupName: `/aws/lambda/${spec.name}` };
    expect(t.world.metrics.last(t.primary, "EmfFixture", "Seen", { Case: "valid" })?.value).toBe(1);
    expect(t.world.metrics.last(t.primary, "EmfFixture", "Seen", { Case: "malformed" })).toBeUndefined();
    expect(t.world.metrics.last(t.primary, "EmfFixture", "Published", { service: "emf-fixture" })?.value).toBe(1);
    expect(t.world.metrics.last(t.primary, "AWS/Logs", "EMFValidationErrors", logGroup)?.value).toBe(1);
    expect(t.world.metrics.last(t.primary, "AWS/Logs", "EMFParsingErrors", logGroup)?.value).toBe(1);
    expect(t.world.runtime.emf.rejections.map((r) => [r.error, r.reason])).toEqual([
      ["EMFValidationErrors", expect.stringMatching(/Seen/)],
      ["EMFParsingErrors", expect.any(String)],
    ]);
  });
});
