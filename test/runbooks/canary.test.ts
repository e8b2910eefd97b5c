import type { AwsStub } from "aws-sdk-client-mock";
import { Resolver } from "node:dns/promises";
import { PAYMENT_ID_PATTERN } from "../../functions/domain/payments";
import type { CanaryResult } from "../../runbooks/handlers/canary/index";

type Handler = (event?: { offsetSeconds?: number }) => Promise<CanaryResult>;
type Stub = AwsStub<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// Each region's canary is loaded in its own module sandbox (as the rehearsal does); the SDK
// classes, and so the mocks, are per sandbox. `sdk` holds the commands of the sandbox in use.
let ddb: Stub;
let cw: Stub;
let sdk: { GetCommand: any; PutCommand: any; UpdateCommand: any; PutMetricDataCommand: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const NOW = Date.parse("2025-06-01T12:00:00.000Z");

interface Loaded {
  handler: Handler;
  ddb: Stub;
  cw: Stub;
  sdk: typeof sdk;
}

function load(region: string, consistency: "strong" | "eventual" = "strong"): Loaded {
  const peer = region === "us-east-1" ? "us-east-2" : "us-east-1";
  let loaded!: Loaded;
  const saved = process.env;
  process.env = {
    ...saved,
    ENVIRONMENT: "prod",
    LOCAL_REGION: region,
    PEER_REGION: peer,
    PRIMARY_REGION: "us-east-1",
    SECONDARY_REGION: "us-east-2",
    CONTROL_TABLE: "control",
    PAYMENTS_TABLE: "payments",
    IDEMPOTENCY_TABLE: "idempotency",
    DATA_CONSISTENCY: consistency,
    PEER_HEALTH_URL: `https://api-${peer}.example.com/health`,
    METRIC_NAMESPACE: "PaymentsDR",
    PROBES_PER_MINUTE: "6",
    DNS_WITNESS_NAME: "_region.api.example.com",
    // Addresses, so no name-server host is looked up; every query is answered by the spy below.
    ZONE_NAME_SERVERS: "205.251.192.1,205.251.193.2",
  };
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { mockClient } = require("aws-sdk-client-mock");
    const lib = require("@aws-sdk/lib-dynamodb");
    const cloudwatch = require("@aws-sdk/client-cloudwatch");
    loaded = {
      ddb: mockClient(lib.DynamoDBDocumentClient),
      cw: mockClient(cloudwatch.CloudWatchClient),
      sdk: {
        GetCommand: lib.GetCommand,
        PutCommand: lib.PutCommand,
        UpdateCommand: lib.UpdateCommand,
        PutMetricDataCommand: cloudwatch.PutMetricDataCommand,
      },
      handler: require("../../runbooks/handlers/canary/index").handler,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  process.env = saved;
  return loaded;
}

const regions = { secondary: load("us-east-2"), primary: load("us-east-1"), eventualSecondary: load("us-east-2", "eventual") };
function use(which: keyof typeof regions): Handler {
  ({ ddb, cw, sdk } = regions[which]);
  ddb.reset();
  cw.reset();
  ddb.on(sdk.PutCommand).resolves({});
  ddb.on(sdk.UpdateCommand).resolves({});
  cw.on(sdk.PutMetricDataCommand).resolves({});
  return regions[which].handler;
}
const run =
  (which: keyof typeof regions): Handler =>
  (e) => {
    const handler = use(which);
    answerControlReads();
    if (failPuts) ddb.on(sdk.PutCommand).rejects(Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }));
    return handler(e);
  };
let failPuts = false;
const secondaryCanary = run("secondary");
const primaryCanary = run("primary");
/** The secondary's canary in eventual mode (DATA_CONSISTENCY=eventual): heartbeats in every table. */
const eventualSecondaryCanary = run("eventualSecondary");

/** What the control table answers, in whichever region's sandbox the next call uses. */
let items: { primaryState: string | undefined; peerHeartbeatAgoMs: number } = { primaryState: "ACTIVE", peerHeartbeatAgoMs: 4000 };
function controlItems(primaryState: string | undefined, peerHeartbeatAgoMs = 4000) {
  items = { primaryState, peerHeartbeatAgoMs };
}
/** How old the peer's heartbeat in each data table is (ms), or "none"; eventual mode reads them. */
let dataHeartbeatAgoMs: Record<string, number | "none"> = { payments: 4000, idempotency: 4000 };
function answerControlReads() {
  const { primaryState, peerHeartbeatAgoMs } = items;
  ddb.on(sdk.GetCommand).callsFake((input: { TableName: string; Key: Record<string, string> }) => {
    if (input.TableName === "payments" || input.TableName === "idempotency") {
      const key = input.Key.paymentId ?? input.Key.id;
      const ago = dataHeartbeatAgoMs[input.TableName];
      if (ago === "none" || !key?.startsWith("dr-heartbeat#")) return {};
      const region = key.split("#")[1];
      return { Item: { ...input.Key, kind: "dr-replication-heartbeat", region, writtenAt: NOW - ago, sequence: 1 } };
    }
    if (input.Key.pk === "heartbeat#us-east-1" || input.Key.pk === "heartbeat#us-east-2") {
      return { Item: { pk: input.Key.pk, region: input.Key.pk.split("#")[1], writtenAt: NOW - peerHeartbeatAgoMs, sequence: 1 } };
    }
    if (input.Key.pk === "authority" && primaryState) {
      return {
        Item: {
          pk: "authority",
          epoch: 3,
          states: { "us-east-1": primaryState, "us-east-2": primaryState === "ACTIVE" ? "STANDBY" : "ACTIVE" },
          changedAt: { "us-east-1": new Date(NOW).toISOString(), "us-east-2": new Date(NOW).toISOString() },
          updatedAt: new Date(NOW).toISOString(),
          reason: "r",
          executionId: "e",
        },
      };
    }
    return {};
  });
}
const metrics = () =>
  cw.commandCalls(sdk.PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []) as { MetricName: string }[];
const metric = (name: string) => metrics().find((m) => m.MetricName === name);
const puts = () => ddb.commandCalls(sdk.PutCommand);
const updates = () => ddb.commandCalls(sdk.UpdateCommand);

/** What the zone's name servers answer for the witness (a DNS error code throws it, as c-ares does). */
let witnessAnswer: string[] | string = ["us-east-2"];
let witnessQueries: string[] = [];

beforeEach(() => {
  witnessAnswer = ["us-east-2"];
  witnessQueries = [];
  // node:dns is not sandboxed by isolateModules: one spy answers every canary's resolver, and no query leaves the process.
  jest.spyOn(Resolver.prototype, "setServers").mockImplementation(() => undefined);
  jest.spyOn(Resolver.prototype, "resolveTxt").mockImplementation(async (name: string) => {
    witnessQueries.push(name);
    if (typeof witnessAnswer === "string") throw Object.assign(new Error(`queryTxt ${witnessAnswer} ${name}`), { code: witnessAnswer });
    return witnessAnswer.map((a) => [a]);
  });
  controlItems("ACTIVE");
  dataHeartbeatAgoMs = { payments: 4000, idempotency: 4000 };
  jest.spyOn(Date, "now").mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe("canary", () => {
  it("probes the peer once and publishes PeerHealthy=1 (high resolution), its heartbeat, the probe record and the peer heartbeat age", async () => {
    const fetchSpy = jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok", { status: 200 }));
    controlItems("ACTIVE");

    const out = await secondaryCanary({ offsetSeconds: 10 });

    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(fetchSpy.mock.calls[0][0]).toBe("https://api-us-east-1.example.com/health");
    expect(metric("PeerHealthy")).toMatchObject({
      Value: 1,
      StorageResolution: 1,
      Dimensions: [
        { Name: "Environment", Value: "prod" },
        { Name: "Region", Value: "us-east-2" },
        { Name: "Peer", Value: "us-east-1" },
      ],
    });
    expect(metric("PeerHeartbeatAgeSeconds")).toMatchObject({ Value: 4, Unit: "Seconds" });
    // ControlTable keeps the Date.now it was built with, so its timestamps are not the mocked NOW.
    expect(puts()[0].args[0].input.Item).toMatchObject({ pk: "heartbeat#us-east-2", writtenAt: expect.any(Number) });
    expect(updates()[0].args[0].input).toMatchObject({
      Key: { pk: "probe#us-east-2#us-east-1" },
      ExpressionAttributeValues: { ":s": 200 },
    });
    expect(out).toMatchObject({ probe: { healthy: true, status: 200 }, failures: [] });
  });

  it("republishes PrimaryFenced from the control record in the secondary, at standard resolution", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 503 }));
    controlItems("DRAINED");

    const out = await secondaryCanary();

    expect(metric("PeerHealthy")).toMatchObject({ Value: 0 });
    expect(metric("PrimaryFenced")).toMatchObject({
      Value: 1,
      StorageResolution: 60,
      Dimensions: [{ Name: "Environment", Value: "prod" }],
    });
    expect(out.primaryFenced).toBe(true);
    controlItems("ACTIVE");
    await secondaryCanary();
    expect(metric("PrimaryFenced")).toMatchObject({ Value: 0 });
  });

  it("never publishes PrimaryFenced in the primary, nor from an unreadable record", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    controlItems("FENCED");
    await primaryCanary();
    expect(metric("PrimaryFenced")).toBeUndefined();
    controlItems(undefined);
    await secondaryCanary();
    expect(metric("PrimaryFenced")).toBeUndefined();
  });

  it("records a failed probe (status 0) when the peer does not answer in time", async () => {
    jest
      .spyOn(globalThis, "fetch")
      .mockRejectedValue(Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }));
    controlItems("ACTIVE");

    const out = await secondaryCanary();

    expect(out.probe).toMatchObject({ healthy: false, status: 0, error: expect.stringContaining("TimeoutError") });
    expect(updates()[0].args[0].input.ExpressionAttributeValues).toMatchObject({ ":s": 0, ":one": 1 });
    expect(metric("PeerHealthy")).toMatchObject({ Value: 0 });
  });

  it("does every step it can, then fails the invocation when one step failed", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    controlItems("ACTIVE");
    failPuts = true;

    await expect(secondaryCanary()).rejects.toMatchObject({
      name: "CanaryStepsFailedError",
      message: expect.stringContaining("writeHeartbeat"),
    });
    failPuts = false;
    expect(metric("PeerHealthy")).toMatchObject({ Value: 1 });
  });
  it("writes no heartbeat into the data tables in strong mode (MRSC: nothing to measure)", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));

    const out = await secondaryCanary();

    expect(puts().map((p) => p.args[0].input.TableName)).toEqual(["control"]);
    expect(ddb.commandCalls(sdk.GetCommand).map((c) => c.args[0].input.TableName)).not.toContain("payments");
    expect(out.peerHeartbeatAgeSecondsByTable).toEqual({ control: 4 });
  });

  it("in eventual mode, overwrites this region's heartbeat in the payments and idempotency tables under a key no payment can have", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));

    await eventualSecondaryCanary();
    await eventualSecondaryCanary();

    const dataPuts = puts()
      .map((p) => p.args[0].input as { TableName: string; Item: Record<string, unknown>; ConditionExpression?: string })
      .filter((i) => i.TableName !== "control");
    expect(dataPuts).toHaveLength(2); // the second probe's calls (the mocks are reset per invocation)
    expect(dataPuts.find((i) => i.TableName === "payments")).toEqual({
      TableName: "payments",
      Item: {
        paymentId: "dr-heartbeat#us-east-2",
        kind: "dr-replication-heartbeat",
        region: "us-east-2",
        writtenAt: expect.any(Number),
        sequence: NOW / 1000,
      },
    });
    expect(dataPuts.find((i) => i.TableName === "idempotency")?.Item).toMatchObject({ id: "dr-heartbeat#us-east-2", region: "us-east-2" });
    // Not a payment: the API's id format, and nothing a payment handler or stream filter looks at.
    expect(dataPuts.map((i) => String(i.Item.paymentId ?? i.Item.id))).not.toContainEqual(expect.stringMatching(PAYMENT_ID_PATTERN));
    for (const { Item } of dataPuts)
      for (const attr of ["status", "originRegion", "createdAt", "expiration"]) expect(Item).not.toHaveProperty(attr);
  });

  it("in eventual mode, publishes the OLDEST of the peer's heartbeats as PeerHeartbeatAgeSeconds, with every table's age in its result", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    dataHeartbeatAgoMs = { payments: 95_000, idempotency: 5000 };

    const out = await eventualSecondaryCanary();

    const gets = ddb.commandCalls(sdk.GetCommand).map((c) => c.args[0].input as { TableName: string; Key: Record<string, string> });
    expect(gets).toContainEqual(expect.objectContaining({ TableName: "payments", Key: { paymentId: "dr-heartbeat#us-east-1" } }));
    expect(gets).toContainEqual(expect.objectContaining({ TableName: "idempotency", Key: { id: "dr-heartbeat#us-east-1" } }));
    expect(out.peerHeartbeatAgeSecondsByTable).toEqual({ control: 4, payments: 95, idempotency: 5 });
    expect(out.peerHeartbeatAgeSeconds).toBe(95);
    expect(metric("PeerHeartbeatAgeSeconds")).toMatchObject({ Value: 95 });
  });

  it("in eventual mode, fails the invocation naming the table whose heartbeat it could not write, after the other steps", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    dataHeartbeatAgoMs = { payments: "none", idempotency: 5000 };
    const handler = use("eventualSecondary");
    answerControlReads();
    ddb.on(sdk.PutCommand, { TableName: "payments" }).rejects(
      Object.assign(new Error("The level of configured provisioned throughput for the table was exceeded"), {
        name: "ProvisionedThroughputExceededException",
      }),
    );

    await expect(handler()).rejects.toMatchObject({
      name: "CanaryStepsFailedError",
      failures: [expect.stringContaining("writeHeartbeat(payments): ProvisionedThroughputExceededException")],
    });
    expect(
      puts()
        .map((p) => p.args[0].input.TableName)
        .sort(),
    ).toEqual(["control", "idempotency", "payments"]);
    expect(metric("PeerHealthy")).toMatchObject({ Value: 1 });
    // The payments table holds no heartbeat of the peer yet: the metric shows what is known (the others).
    expect(metric("PeerHeartbeatAgeSeconds")).toMatchObject({ Value: 5 });
  });

  it("never asks the DNS witness in strong mode (nothing reads it there)", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));

    const out = await secondaryCanary();

    expect(witnessQueries).toEqual([]);
    expect(out).not.toHaveProperty("witness");
    expect(updates()[0].args[0].input.UpdateExpression).not.toContain("witness");
  });

  it("in eventual mode, asks the DNS witness with the probe and stores its answer in the same probe record", async () => {
    jest.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("fetch failed"));
    witnessAnswer = ["us-east-2"];

    const out = await eventualSecondaryCanary();

    expect(witnessQueries).toEqual(["_region.api.example.com"]);
    expect(out.witness).toEqual({ answers: ["us-east-2"] });
    const update = updates()[0].args[0].input;
    expect(update.Key).toEqual({ pk: "probe#us-east-2#us-east-1" });
    expect(update.UpdateExpression).toContain("witnessCheckedAt = :now");
    expect(update.UpdateExpression).toContain("witnessAnswers = :w");
    expect(update.ExpressionAttributeValues).toMatchObject({ ":s": 0, ":w": ["us-east-2"] });
  });

  it("in eventual mode, stores an authoritative 'no such record' as an answer naming nobody", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    witnessAnswer = "ENOTFOUND";

    const out = await eventualSecondaryCanary();

    expect(out.witness).toEqual({ answers: [] });
    expect(updates()[0].args[0].input.ExpressionAttributeValues).toMatchObject({ ":w": [] });
  });

  it("in eventual mode, removes the stored answer when no name server answered, so an old one is never read as current", async () => {
    jest.spyOn(globalThis, "fetch").mockResolvedValue(new Response("", { status: 200 }));
    witnessAnswer = "ETIMEOUT";

    const out = await eventualSecondaryCanary();

    expect(out.witness).toEqual({ unanswered: true });
    const update = updates()[0].args[0].input;
    expect(update.UpdateExpression).toContain("witnessCheckedAt = :now");
    expect(update.UpdateExpression).toMatch(/REMOVE firstFailedAt, witnessAnswers$/);
    expect(update.ExpressionAttributeValues).not.toHaveProperty(":w");
    expect(out.failures).toEqual([]);
  });
});
