/**
 * Scan in the simulated DynamoDB (sim/dynamodb/scan.ts, model.ts, sdk.ts): a parallel scan's
 * segments partition the table, Limit and ExclusiveStartKey page through a segment visiting every
 * item once (even while the caller deletes what it read, as the sweeper does), the filter applies
 * after Limit, a page stops at 1 MB, a strongly consistent Scan of an MRSC table needs the quorum,
 * and both SDK clients get their own shapes back, or a clear refusal for what is not simulated.
 *
 * What this cannot prove: which segment DynamoDB puts a key in (its hash is not published; the
 * simulation uses its own), its exact 1 MB accounting (the item-size rules are approximate), or
 * its exact validation messages where AWS does not document them.
 */
import { DynamoDBClient, ScanCommand as RawScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { DOCUMENT_CLIENT_OPTIONS, WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import type { Item } from "../../sim/dynamodb/attribute-values";
import { DynamoDbService } from "../../sim/dynamodb/model";
import type { ScanRequest } from "../../sim/dynamodb/scan";
import { Reachability } from "../../sim/network";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

const A = "us-east-1";
const B = "us-east-2";
const W = "us-west-2";
const STRONG = "control-global-test";
const EVENTUAL = "payments-global-test";

function setup() {
  let now = 1_000_000;
  const network = new Reachability([A, B], [W]);
  const db = new DynamoDbService(
    [
      { name: STRONG, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "STRONG", witness: W },
      { name: EVENTUAL, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "EVENTUAL" },
    ],
    () => now,
    network,
  );
  return { db, network, tick: (ms: number) => (now += ms) };
}

const keysOf = (items: Item[]) => items.map((i) => String(i.pk));
const sorted = (keys: string[]) => [...keys].sort();
const names = (n: number) => Array.from({ length: n }, (_, i) => `item#${String(i).padStart(3, "0")}`);

/** Every page of one segment, in order, with `between` run after each page (the sweeper deletes there). */
function pagesOf(db: DynamoDbService, table: string, request: ScanRequest, between: (items: Item[]) => void = () => undefined) {
  const pages: { keys: string[]; scannedCount: number; lastEvaluatedKey?: Item }[] = [];
  let start: Item | undefined;
  do {
    const page = db.scan(A, table, { ...request, ...(start ? { exclusiveStartKey: start } : {}) });
    pages.push({ keys: keysOf(page.items), scannedCount: page.scannedCount, lastEvaluatedKey: page.lastEvaluatedKey });
    between(page.items);
    start = page.lastEvaluatedKey;
    if (pages.length > 1000) throw new Error("the scan never ended");
  } while (start);
  return pages;
}

describe("Scan in the simulated DynamoDB", () => {
  it.each([1, 2, 3, 7, 16])("puts every item in exactly one of %i segments", (totalSegments) => {
    const { db } = setup();
    const all = names(200);
    for (const pk of all) db.put(A, STRONG, { pk });

    const segments = Array.from({ length: totalSegments }, (_, segment) => keysOf(db.scan(A, STRONG, { segment, totalSegments }).items));

    const union = segments.flat();
    expect(sorted(union)).toEqual(all);
    expect(new Set(union).size).toBe(union.length);
    if (totalSegments > 1) expect(segments.filter((s) => s.length > 0).length).toBeGreaterThan(1);
  });

  it("visits every item of a segment once when paging with Limit, even as the caller deletes each page before reading the next", () => {
    const { db } = setup();
    const all = names(60);
    for (const pk of all) db.put(A, STRONG, { pk });
    const expected = keysOf(db.scan(A, STRONG, { segment: 1, totalSegments: 3 }).items);

    const pages = pagesOf(db, STRONG, { segment: 1, totalSegments: 3, limit: 4 }, (items) => {
      for (const item of items) db.delete(A, STRONG, { pk: item.pk });
    });

    const visited = pages.flatMap((p) => p.keys);
    expect(sorted(visited)).toEqual(sorted(expected));
    expect(new Set(visited).size).toBe(visited.length);
    expect(pages.every((p) => p.scannedCount <= 4)).toBe(true);
  });

  it("returns a LastEvaluatedKey whenever Limit ended the page, even with nothing left, and none on the page that reaches the end", () => {
    const { db } = setup();
    for (const pk of names(8)) db.put(A, STRONG, { pk });

    const pages = pagesOf(db, STRONG, { limit: 4 });

    expect(pages.map((p) => [p.keys.length, p.lastEvaluatedKey !== undefined])).toEqual([
      [4, true],
      [4, true],
      [0, false],
    ]);
    expect(pages[0].lastEvaluatedKey).toEqual({ pk: pages[0].keys[3] });
  });

  it("applies the filter after Limit: ScannedCount counts what was read, the page holds what matched, and paging goes on", () => {
    const { db } = setup();
    const all = names(30);
    all.forEach((pk, i) => db.put(A, STRONG, { pk, expiresAt: i % 3 === 0 ? 100 : 999 }));
    const filter = { expression: "#e < :cutoff", names: { "#e": "expiresAt" }, values: { ":cutoff": 500 } };

    const pages = pagesOf(db, STRONG, { limit: 5, filter });

    expect(pages.slice(0, -1).every((p) => p.scannedCount === 5)).toBe(true);
    expect(pages.some((p) => p.keys.length < p.scannedCount)).toBe(true);
    expect(sorted(pages.flatMap((p) => p.keys))).toEqual(all.filter((_, i) => i % 3 === 0));
    expect(pages.reduce((n, p) => n + p.scannedCount, 0)).toBe(30);
  });

  it("ends a page at 1 MB of items and says where to go on from", () => {
    const { db } = setup();
    const all = names(12);
    for (const pk of all) db.put(A, STRONG, { pk, data: "x".repeat(200 * 1024) });

    const pages = pagesOf(db, STRONG, {});

    expect(pages[0].scannedCount).toBe(6); // 5 × 200 KB < 1 MB ≤ 6 × 200 KB
    expect(pages[0].lastEvaluatedKey).toBeDefined();
    expect(sorted(pages.flatMap((p) => p.keys))).toEqual(all);
  });

  it("fails a strongly consistent Scan of an MRSC table in a region that reaches neither the other replica nor the witness, and serves the eventually consistent one from its stale replica", () => {
    const { db, network, tick } = setup();
    db.put(A, STRONG, { pk: "lease", v: 1 });
    network.cut(A, B, { paths: ["replication"] });
    network.cut(A, W, { paths: ["replication"] });
    tick(1000);
    db.put(B, STRONG, { pk: "lease", v: 2 });

    expect(() => db.scan(A, STRONG, { consistentRead: true })).toThrow(/neither another replica nor the witness can be reached/);
    expect(db.scan(A, STRONG, { consistentRead: false }).items).toEqual([{ pk: "lease", v: 1 }]);
    expect(db.scan(B, STRONG, { consistentRead: true }).items).toEqual([{ pk: "lease", v: 2 }]);
  });

  it("reads only the local replica of an MREC table, even with ConsistentRead", () => {
    const { db } = setup();
    db.put(B, EVENTUAL, { pk: "p1" }); // nothing replicates it here (no Replicator)

    expect(db.scan(A, EVENTUAL, { consistentRead: true }).items).toEqual([]);
    expect(db.scan(B, EVENTUAL, { consistentRead: true }).items).toEqual([{ pk: "p1" }]);
  });

  it.each<[string, ScanRequest, RegExp]>([
    ["Segment without TotalSegments", { segment: 0 }, /Segment and TotalSegments go together/],
    ["TotalSegments without Segment", { totalSegments: 4 }, /Segment and TotalSegments go together/],
    ["TotalSegments 0", { segment: 0, totalSegments: 0 }, /TotalSegments must be an integer from 1 to 1000000/],
    ["TotalSegments above 1,000,000", { segment: 0, totalSegments: 1_000_001 }, /TotalSegments must be an integer from 1 to 1000000/],
    ["Segment not below TotalSegments", { segment: 4, totalSegments: 4 }, /Segment must be an integer from 0 to TotalSegments - 1 \(3\)/],
    ["Limit 0", { limit: 0 }, /Limit must be an integer of at least 1/],
    ["a start key with another attribute", { exclusiveStartKey: { pk: "a", v: 1 } }, /does not match the schema/],
  ])("rejects %s with a ValidationException", (_, request, message) => {
    const { db } = setup();
    expect(() => db.scan(A, STRONG, request)).toThrow(
      expect.objectContaining({ name: "ValidationException", message: expect.stringMatching(message) }),
    );
  });

  it("rejects a start key from another segment, as DynamoDB does", () => {
    const { db } = setup();
    for (const pk of names(40)) db.put(A, STRONG, { pk });
    const inSegment0 = db.scan(A, STRONG, { segment: 0, totalSegments: 2, limit: 1 }).lastEvaluatedKey;

    expect(() => db.scan(A, STRONG, { segment: 1, totalSegments: 2, exclusiveStartKey: inSegment0 })).toThrow(
      /Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment/,
    );
  });
});

describe("Scan through the SDK clients, in the simulated world", () => {
  let aws: SimulatedAws;
  beforeAll(async () => {
    aws = SimulatedAws.fromEvaluation(await stack());
  });
  afterAll(() => aws.dispose());

  const clients = (region: string) => {
    const raw = awsClient(DynamoDBClient, region, WORKER_CALL_TUNING);
    return { raw, doc: DynamoDBDocumentClient.from(raw, DOCUMENT_CLIENT_OPTIONS) };
  };

  it("answers the raw client in DynamoDB JSON and the document client in native values, pages and counts alike", async () => {
    const t = aws.world({ latency: "none" });
    for (const id of ["k1", "k2", "k3"]) t.seed("idempotency", { id, expiration: 100, status: "COMPLETED" });
    const { raw, doc } = clients(t.primary);
    const TableName = t.tables.idempotency;

    const [rawPage, docPage] = await t.as(t.primary, () =>
      Promise.all([raw.send(new RawScanCommand({ TableName, Limit: 2 })), doc.send(new ScanCommand({ TableName, Limit: 2 }))]),
    );
    const docRest = await t.as(t.primary, () => doc.send(new ScanCommand({ TableName, ExclusiveStartKey: docPage.LastEvaluatedKey })));

    expect(rawPage).toMatchObject({ Count: 2, ScannedCount: 2, LastEvaluatedKey: { id: { S: docPage.LastEvaluatedKey?.id } } });
    expect(rawPage.Items?.map((i) => i.expiration)).toEqual([{ N: "100" }, { N: "100" }]);
    expect(docPage).toMatchObject({ Count: 2, ScannedCount: 2 });
    expect(docPage.Items?.every((i) => i.expiration === 100)).toBe(true);
    expect(docRest.LastEvaluatedKey).toBeUndefined();
    expect(sorted([...(docPage.Items ?? []), ...(docRest.Items ?? [])].map((i) => String(i.id)))).toEqual(["k1", "k2", "k3"]);
    expect(t.calls({ service: "dynamodb", operation: "Scan" }).map((c) => c.outcome)).toEqual(["ok", "ok", "ok"]);
  });

  it.each([
    ["ProjectionExpression", { ProjectionExpression: "id" }],
    ["Select", { Select: "COUNT" }],
    ["IndexName", { IndexName: "by-status" }],
    ["ReturnConsumedCapacity", { ReturnConsumedCapacity: "TOTAL" }],
  ] as const)("rejects %s, which it does not simulate, naming it", async (field, extra) => {
    const t = aws.world({ latency: "none" });
    const { doc } = clients(t.primary);

    await expect(t.as(t.primary, () => doc.send(new ScanCommand({ TableName: t.tables.idempotency, ...extra } as never)))).rejects.toThrow(
      `The rehearsal's DynamoDB does not support ${field} on Scan`,
    );
  });

  it("rejects expression attribute values sent without a FilterExpression", async () => {
    const t = aws.world({ latency: "none" });
    const { doc } = clients(t.primary);

    await expect(
      t.as(t.primary, () => doc.send(new ScanCommand({ TableName: t.tables.idempotency, ExpressionAttributeValues: { ":now": 1 } }))),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });
});
