/**
 * The expired-item sweeper (functions/sweep-expired) in the simulated AWS (sim/testing.ts): the
 * deployed strong-mode stack, whose idempotency and control tables are multi-Region strongly
 * consistent, with IAM enforced from the sweeper's own role. Each conditional delete goes through
 * the simulated DynamoDB, which evaluates the condition against the latest version in any region
 * and rejects a write to an item another region is writing.
 *
 * What this cannot prove: the simulated DynamoDB answers no Scan yet (sim/dynamodb/sdk.ts), so the
 * pages a run reads come from a stand-in that lists the replica's items as a parallel Scan would
 * (disjoint segments, Limit, LastEvaluatedKey); the ScanCommand itself (store.ts) is not exercised
 * here. Nor is real DynamoDB's segment hashing or 1 MB page limit.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  controlTarget,
  cutoffSeconds,
  idempotencyTarget,
  isSweepable,
  MAX_PAGES_PER_RUN,
  PAGE_LIMIT,
  SWEEP_GRACE_SECONDS,
  segmentCount,
  segmentFor,
  type SweepTarget,
} from "../../functions/sweep-expired/expiry";
import { dynamoSweepIo } from "../../functions/sweep-expired/store";
import { type Item, type ScanRequest, type SweepIo, type SweepOptions, sweepSegment } from "../../functions/sweep-expired/sweep";
import { DOCUMENT_CLIENT_OPTIONS, WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { runAs } from "../../sim/network";
import { SimulatedAws, type TableKind, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const HOUR = 3600;

/** The sweeper's view of a table of the world. */
function targetOf(t: TestWorld, kind: "idempotency" | "control"): SweepTarget {
  return kind === "idempotency" ? idempotencyTarget(t.tables.idempotency) : controlTarget(t.tables.control, "pk");
}

/** A stable segment for a key: disjoint segments that together cover the table, as a parallel Scan's do. */
function segmentOfKey(key: string, totalSegments: number): number {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % totalSegments;
}

/** Stand-in for a parallel Scan of `region`'s replica (see the header), recording each request. */
function scanOf(t: TestWorld, region: string, target: SweepTarget, requests: ScanRequest[] = []): SweepIo["scan"] {
  return async (request) => {
    requests.push(request);
    const key = (i: Item) => String(i[target.hashKey]);
    const items = t.world.dynamodb
      .items(region, target.tableName)
      .filter((i) => segmentOfKey(key(i), request.totalSegments) === request.segment)
      .sort((a, b) => key(a).localeCompare(key(b)));
    const start = request.startKey ? items.findIndex((i) => key(i) === request.startKey?.[target.hashKey]) + 1 : 0;
    const page = items.slice(start, start + request.limit);
    return { items: page, ...(start + request.limit < items.length ? { lastKey: { [target.hashKey]: key(page[page.length - 1]) } } : {}) };
  };
}

/** The sweeper's reads and deletes in `region`: its conditional DeleteItem through the simulated DynamoDB. */
function io(t: TestWorld, region: string, target: SweepTarget, scan = scanOf(t, region, target)): SweepIo {
  const doc = DynamoDBDocumentClient.from(awsClient(DynamoDBClient, region, WORKER_CALL_TUNING), DOCUMENT_CLIENT_OPTIONS);
  return { ...dynamoSweepIo(doc, target), scan };
}

/** Runs `fn` as the deployed sweeper function of `region` (its execution role, from its region). */
function asSweeper<T>(t: TestWorld, region: string, fn: () => Promise<T>): Promise<T> {
  return t.settle(runAs({ region, functionName: t.functionName(region, "sweep-expired") }, fn));
}

function options(t: TestWorld, overrides: Partial<SweepOptions> = {}): SweepOptions {
  return {
    segment: 0,
    totalSegments: 1,
    cutoff: cutoffSeconds(t.now()),
    maxPages: MAX_PAGES_PER_RUN,
    pageLimit: PAGE_LIMIT,
    concurrency: 4,
    hasTime: () => true,
    ...overrides,
  };
}

const keys = (t: TestWorld, region: string, table: TableKind, hashKey: string) =>
  t.world.dynamodb
    .items(region, t.tables[table])
    .map((i) => String(i[hashKey]))
    .sort();

describe("sweep-expired against the strongly consistent tables", () => {
  it("deletes idempotency records dead for longer than the grace period, in every replica, and keeps the others", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    const record = (id: string, expiration: number) => ({ id, expiration, status: "COMPLETED", data: "{}" });
    t.seed("idempotency", record("create-payment#dead", now - HOUR));
    t.seed("idempotency", record("create-payment#in-grace", now - SWEEP_GRACE_SECONDS + 60));
    t.seed("idempotency", record("create-payment#live", now + 24 * HOUR));
    t.seed("idempotency", { id: "create-payment#no-expiry", status: "COMPLETED" });
    const target = targetOf(t, "idempotency");

    const report = await asSweeper(t, t.primary, () => sweepSegment(target, io(t, t.primary, target), options(t)));

    expect(report).toEqual({
      table: t.tables.idempotency,
      kind: "idempotency",
      segment: 0,
      totalSegments: 1,
      pages: 1,
      scanned: 4,
      deleted: 1,
      kept: 0,
      conflicts: 0,
      complete: true,
    });
    for (const region of [t.primary, t.secondary])
      expect(keys(t, region, "idempotency", "id")).toEqual(["create-payment#in-grace", "create-payment#live", "create-payment#no-expiry"]);
  });

  it("deletes expired leases, approvals and sentinels, and never region state, the authority or heartbeats, whatever they hold", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    const dead = now - HOUR;
    t.seed("control", { pk: "lease", holder: "failover-1", mode: "failover", region: t.secondary, acquiredAt: 0, expiresAt: dead });
    t.seed("control", { pk: "approval#old", executionName: "old", taskToken: "x", requestedAt: 0, summary: "", expiresAt: dead });
    t.seed("control", {
      pk: "approval#pending",
      executionName: "pending",
      taskToken: "y",
      requestedAt: 0,
      summary: "",
      expiresAt: now + HOUR,
    });
    t.seed("control", { pk: "sentinel#s1", id: "s1", region: t.primary, writtenAt: 0, expiresAt: dead });
    t.seed("control", { pk: `probe#${t.primary}#${t.secondary}`, observer: t.primary, target: t.secondary, lastCheckedAt: 0 });
    // Items that must survive even with an expiry on them: the sweeper never deletes who writes.
    t.seed("control", { pk: "authority", epoch: 3, expiresAt: dead });
    t.seed("control", { pk: `region#${t.primary}`, region: t.primary, state: "ACTIVE", epoch: 0, expiresAt: dead });
    t.seed("control", { pk: `heartbeat#${t.secondary}`, region: t.secondary, writtenAt: 0, sequence: 1, expiresAt: dead });
    const target = targetOf(t, "control");
    const before = keys(t, t.primary, "control", "pk");

    const report = await asSweeper(t, t.secondary, () => sweepSegment(target, io(t, t.secondary, target), options(t)));

    expect(report).toMatchObject({ deleted: 3, kept: 0, conflicts: 0, complete: true });
    const expected = before.filter((k) => !["lease", "approval#old", "sentinel#s1"].includes(k));
    expect(expected).toEqual(expect.arrayContaining(["authority", `region#${t.primary}`, `heartbeat#${t.secondary}`, "approval#pending"]));
    for (const region of [t.primary, t.secondary]) expect(keys(t, region, "control", "pk")).toEqual(expected);
  });

  it("keeps a lease renewed in the other region after the Scan read it: the delete's condition sees the latest version", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    const lease = { pk: "lease", holder: "drill-7", mode: "drill", region: t.primary, acquiredAt: 0, expiresAt: now - HOUR };
    t.seed("control", lease);
    const target = targetOf(t, "control");
    const scanned = scanOf(t, t.primary, target);
    // The Scan reads the dead lease; before the delete, the holder renews it in the other region.
    const staleThenRenewed: SweepIo["scan"] = async (request) => {
      const page = await scanned(request);
      t.world.dynamodb.put(t.secondary, t.tables.control, { ...lease, expiresAt: now + 60 });
      await t.advance(1000);
      return page;
    };

    const report = await asSweeper(t, t.primary, () => sweepSegment(target, io(t, t.primary, target, staleThenRenewed), options(t)));

    expect(report).toMatchObject({ deleted: 0, kept: 1, conflicts: 0 });
    for (const region of [t.primary, t.secondary])
      expect(t.control(region, "lease")).toMatchObject({ holder: "drill-7", expiresAt: now + 60 });
  });

  it("leaves an item another region is writing at that moment (ReplicatedWriteConflictException) for a later run", async () => {
    const t = aws.world({ latency: "none" });
    const now = Math.floor(t.now() / 1000);
    const approval = { pk: "approval#busy", executionName: "busy", taskToken: "z", requestedAt: 0, summary: "", expiresAt: now - HOUR };
    t.seed("control", approval);
    const target = targetOf(t, "control");
    const scanned = scanOf(t, t.primary, target);
    const writtenElsewhereNow: SweepIo["scan"] = async (request) => {
      const page = await scanned(request);
      // Still dead, but being written in the secondary right now.
      t.world.dynamodb.put(t.secondary, t.tables.control, { ...approval, summary: "touched" });
      return page;
    };

    const report = await asSweeper(t, t.primary, () => sweepSegment(target, io(t, t.primary, target, writtenElsewhereNow), options(t)));

    expect(report).toMatchObject({ deleted: 0, kept: 0, conflicts: 1 });
    expect(t.control(t.primary, "approval#busy")).toMatchObject({ summary: "touched" });
  });

  it("reads at most its page budget of a segment, and says when the segment was not read to its end", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    for (let i = 0; i < 7; i++) t.seed("idempotency", { id: `create-payment#${i}`, expiration: now - HOUR, status: "COMPLETED" });
    const target = targetOf(t, "idempotency");
    const requests: ScanRequest[] = [];
    const scan = scanOf(t, t.primary, target, requests);

    const partial = await asSweeper(t, t.primary, () =>
      sweepSegment(target, io(t, t.primary, target, scan), options(t, { maxPages: 2, pageLimit: 2 })),
    );

    expect(partial).toMatchObject({ pages: 2, scanned: 4, deleted: 4, complete: false });
    expect(requests).toEqual([
      { segment: 0, totalSegments: 1, limit: 2 },
      { segment: 0, totalSegments: 1, limit: 2, startKey: { id: "create-payment#1" } },
    ]);
    const rest = await asSweeper(t, t.primary, () => sweepSegment(target, io(t, t.primary, target), options(t, { pageLimit: 2 })));
    expect(rest).toMatchObject({ pages: 2, scanned: 3, deleted: 3, complete: true });
    expect(keys(t, t.secondary, "idempotency", "id")).toEqual([]);
  });

  it("stops reading pages when the Lambda deadline nears", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    for (let i = 0; i < 3; i++) t.seed("idempotency", { id: `create-payment#${i}`, expiration: now - HOUR, status: "COMPLETED" });
    const target = targetOf(t, "idempotency");
    let pagesAllowed = 1;

    const report = await asSweeper(t, t.primary, () =>
      sweepSegment(target, io(t, t.primary, target), options(t, { pageLimit: 1, hasTime: () => pagesAllowed-- > 0 })),
    );

    expect(report).toMatchObject({ pages: 1, scanned: 1, deleted: 1, complete: false });
  });

  it("is refused by IAM on every table but the two it sweeps (least privilege, enforced in the simulated world)", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    t.seed("payments", { paymentId: "pay_0000000000000000000000000A", status: "PENDING", expiration: now - HOUR });
    const payments: SweepTarget = { ...idempotencyTarget(t.tables.payments), hashKey: "paymentId" };

    await expect(
      asSweeper(t, t.primary, () => io(t, t.primary, payments).deleteIfExpired("pay_0000000000000000000000000A", now)),
    ).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(t.item(t.primary, "payments", { paymentId: "pay_0000000000000000000000000A" })).toBeDefined();
  });
});

describe("sweep-expired, the deployed handler", () => {
  it("rejects an input other than the schedule's or an operator's empty one, before any AWS call", async () => {
    const t = aws.world();
    await expect(t.invoke(t.primary, "sweep-expired", { source: "someone", segment: 3 })).rejects.toMatchObject({
      name: "InvalidSweepInputError",
      message: expect.stringContaining('Expected {} or { "source": "schedule" }'),
    });
    expect(t.calls({ service: "dynamodb", caller: t.functionName(t.primary, "sweep-expired") })).toEqual([]);
  });
});

describe("what a run may delete, and where it reads (pure)", () => {
  const target = controlTarget("dr-control-global-dev", "pk");
  const cutoff = 1_000_000;

  it.each([
    [{ pk: "lease", expiresAt: cutoff - 1 }, true],
    [{ pk: "lease", expiresAt: cutoff }, false],
    [{ pk: "lease", expiresAt: "999" }, false],
    [{ pk: "lease" }, false],
    [{ pk: "authority", expiresAt: 1 }, false],
    [{ pk: "region#us-east-1", expiresAt: 1 }, false],
    [{ pk: "heartbeat#us-east-2", expiresAt: 1 }, false],
    [{ expiresAt: 1 }, false],
  ])("sweeps %j: %s", (item, expected) => {
    expect(isSweepable(item, target, cutoff)).toBe(expected);
  });

  it("waits the grace period past expiry", () => {
    expect(cutoffSeconds(1_000_000_000)).toBe(1_000_000 - SWEEP_GRACE_SECONDS);
    expect(SWEEP_GRACE_SECONDS).toBe(300);
  });

  it.each([
    [undefined, 1],
    [0, 1],
    [5_000, 1],
    [10_000, 2],
    [1_000_000, 200],
    [Number.NaN, 1],
    [1e12, 1_000_000],
  ])("cuts a table of %s items into %s segments, so that one run can read a segment whole", (items, segments) => {
    expect(segmentCount(items)).toBe(segments);
  });

  it("rotates through the segments one per minute, the secondary half way round, so both together visit each twice as often", () => {
    const minute = 60_000;
    const primary = Array.from({ length: 6 }, (_, i) => segmentFor(i * minute, minute, 6, true));
    const secondary = Array.from({ length: 6 }, (_, i) => segmentFor(i * minute, minute, 6, false));
    expect(primary).toEqual([0, 1, 2, 3, 4, 5]);
    expect(secondary).toEqual([3, 4, 5, 0, 1, 2]);
    expect(segmentFor(123 * minute + 59_999, minute, 1, false)).toBe(0);
  });
});
