/**
 * TransactWriteItems as the simulated DynamoDB models it (sim/dynamodb/transactions.ts): all or
 * nothing with a reason per action, conditions evaluated in the calling region's replica of an MREC
 * table, items replicated individually afterwards, the documented limits, the idempotency token,
 * and refused on MRSC tables; authorized per action (sim/iam/requests.ts).
 *
 * What this cannot prove: AWS's error for a transaction on an MRSC table (undocumented; the
 * simulation answers ValidationException), and conflicts between concurrent transactions (not modelled).
 */
import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { awsClient, WORKER_CALL_TUNING } from "../../lib/aws-clients";
import { DynamoDbService } from "../../sim/dynamodb/model";
import { installDynamoDbFakes } from "../../sim/dynamodb/sdk";
import { CLIENT_REQUEST_TOKEN_MS, type TransactAction, TransactionCanceledError } from "../../sim/dynamodb/transactions";
import { Replicator } from "../../sim/dynamodb/replication";
import { iamRequests } from "../../sim/iam/requests";

const A = "us-east-1";
const B = "us-east-2";
const CONTROL = "control-mrec-test";
const PAYMENTS = "payments-mrec-test";
const STRONG = "control-mrsc-test";

function setup() {
  let now = 1_000_000;
  const db = new DynamoDbService(
    [
      { name: CONTROL, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "EVENTUAL" },
      { name: PAYMENTS, hashKey: "paymentId", regions: [A, B], streamEnabled: true, consistency: "EVENTUAL" },
      { name: STRONG, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "STRONG", witness: "us-west-2" },
    ],
    () => now,
  );
  db.seed(CONTROL, { pk: "authority", epoch: 3, states: { [A]: "ACTIVE", [B]: "STANDBY" } }, 0, A);
  return { db, tick: (ms: number) => (now += ms) };
}

/** The payment path's transaction: the local authority still names `region` ACTIVE, and the payment is new. */
function paymentWrite(region: string, paymentId: string, epoch = 3): TransactAction[] {
  return [
    {
      kind: "ConditionCheck",
      table: CONTROL,
      key: { pk: "authority" },
      condition: {
        expression: "#s.#r = :active AND epoch >= :epoch",
        names: { "#s": "states", "#r": region },
        values: { ":active": "ACTIVE", ":epoch": epoch },
      },
      returnOld: false,
    },
    {
      kind: "Put",
      table: PAYMENTS,
      item: { paymentId, originRegion: region },
      condition: { expression: "attribute_not_exists(paymentId)" },
      returnOld: true,
    },
  ];
}

function cancelled(run: () => void): TransactionCanceledError {
  try {
    run();
  } catch (error) {
    if (error instanceof TransactionCanceledError) return error;
    throw error;
  }
  throw new Error("the transaction was not cancelled");
}

describe("TransactWriteItems (MREC tables)", () => {
  it("writes every item when every condition holds in the calling region's replica", () => {
    const { db } = setup();

    db.transactWrite(A, paymentWrite(A, "pay-1"));

    expect(db.get(A, PAYMENTS, { paymentId: "pay-1" }, true)).toEqual({ paymentId: "pay-1", originRegion: A });
  });

  it("writes nothing, and gives one reason per action in order, when a condition fails (the region was fenced in its own replica)", () => {
    const { db } = setup();
    db.put(A, CONTROL, { pk: "authority", epoch: 4, states: { [A]: "FENCED", [B]: "STANDBY" } });

    const error = cancelled(() => db.transactWrite(A, paymentWrite(A, "pay-2")));

    expect(error.name).toBe("TransactionCanceledException");
    expect(error.reasons.map((r) => r.Code)).toEqual(["ConditionalCheckFailed", "None"]);
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
    );
    expect(db.get(A, PAYMENTS, { paymentId: "pay-2" }, true)).toBeUndefined();
  });

  it("returns the old item of a failed condition when asked (ReturnValuesOnConditionCheckFailure ALL_OLD)", () => {
    const { db } = setup();
    db.transactWrite(A, paymentWrite(A, "pay-3"));

    const error = cancelled(() => db.transactWrite(A, paymentWrite(A, "pay-3")));

    expect(error.reasons).toEqual([
      { Code: "None" },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: { paymentId: "pay-3", originRegion: A } },
    ]);
  });

  it("checks conditions against the calling region's replica only: a fence not yet replicated there does not stop it", () => {
    const { db } = setup();
    // The fence is written in B's replica; A's still says A is ACTIVE (MREC: no coordination).
    db.put(B, CONTROL, { pk: "authority", epoch: 4, states: { [A]: "FENCED", [B]: "STANDBY" } });

    db.transactWrite(A, paymentWrite(A, "pay-4"));
    const error = cancelled(() => db.transactWrite(B, paymentWrite(B, "pay-5", 4)));

    expect(db.get(A, PAYMENTS, { paymentId: "pay-4" }, true)).toBeDefined();
    expect(error.reasons[0].Code).toBe("ConditionalCheckFailed");
  });

  it("replicates the items of a transaction individually, each with its own table", () => {
    const { db, tick } = setup();
    const timers: { at: number; fn: () => void }[] = [];
    let now = 0;
    new Replicator(db, {
      now: () => now,
      after: (ms, fn) => timers.push({ at: now + ms, fn }),
      canDeliver: () => true,
      lagMs: () => 800,
      // One table's replication into B is paused; the other's goes on.
      paused: (table) => table === CONTROL,
    });
    const cp = { pk: "checkpoint" };

    db.transactWrite(A, [
      { kind: "Put", table: CONTROL, item: { ...cp, n: 1 }, condition: {}, returnOld: false },
      { kind: "Put", table: PAYMENTS, item: { paymentId: "pay-6" }, condition: {}, returnOld: false },
    ]);
    now = 2_000;
    tick(2_000);
    for (const t of timers.splice(0)) if (t.at <= now) t.fn();

    expect(db.get(B, PAYMENTS, { paymentId: "pay-6" })).toEqual({ paymentId: "pay-6" });
    expect(db.get(B, CONTROL, cp)).toBeUndefined();
  });

  it.each<[string, () => TransactAction[], RegExp]>([
    [
      "the same item twice",
      () => [
        ...paymentWrite(A, "pay-7"),
        { kind: "Delete", table: PAYMENTS, key: { paymentId: "pay-7" }, condition: {}, returnOld: false },
      ],
      /multiple operations on one item/,
    ],
    [
      "more than 100 actions",
      () =>
        Array.from({ length: 101 }, (_, i) => ({
          kind: "Put" as const,
          table: PAYMENTS,
          item: { paymentId: `bulk-${i}` },
          condition: {},
          returnOld: false,
        })),
      /less than or equal to 100/,
    ],
    ["no action", () => [], /greater than or equal to 1/],
  ])("rejects %s with ValidationException, writing nothing", (_label, actions, message) => {
    const { db } = setup();

    expect(() => db.transactWrite(A, actions())).toThrow(
      expect.objectContaining({ name: "ValidationException", message: expect.stringMatching(message) }),
    );
    expect(db.items(A, PAYMENTS)).toEqual([]);
  });

  it("applies a ClientRequestToken's request once within 10 minutes, and refuses the token with another request", () => {
    const { db, tick } = setup();
    db.transactWrite(A, paymentWrite(A, "pay-8"), "token-1");
    db.delete(A, PAYMENTS, { paymentId: "pay-8" });

    db.transactWrite(A, paymentWrite(A, "pay-8"), "token-1"); // succeeds, writes nothing again
    expect(db.get(A, PAYMENTS, { paymentId: "pay-8" }, true)).toBeUndefined();
    expect(() => db.transactWrite(A, paymentWrite(A, "pay-9"), "token-1")).toThrow(
      expect.objectContaining({ name: "IdempotentParameterMismatchException" }),
    );
    tick(CLIENT_REQUEST_TOKEN_MS);
    db.transactWrite(A, paymentWrite(A, "pay-8"), "token-1");
    expect(db.get(A, PAYMENTS, { paymentId: "pay-8" }, true)).toBeDefined();
  });

  it("refuses a transaction that touches a multi-Region strongly consistent table (MRSC supports none)", () => {
    const { db } = setup();

    expect(() => db.transactWrite(A, [{ kind: "Put", table: STRONG, item: { pk: "x" }, condition: {}, returnOld: false }])).toThrow(
      expect.objectContaining({
        name: "ValidationException",
        message: expect.stringMatching(/not supported on the multi-Region strongly consistent/),
      }),
    );
    expect(db.get(A, STRONG, { pk: "x" }, true)).toBeUndefined();
  });
});

describe("TransactWriteItems in IAM", () => {
  it("is authorized per action, as the underlying item operation (ConditionCheck as ConditionCheckItem), each on its own table", () => {
    const requests = iamRequests({
      service: "dynamodb",
      operation: "TransactWriteItems",
      input: {
        TransactItems: [
          { ConditionCheck: { TableName: CONTROL, Key: {}, ConditionExpression: "x" } },
          { Put: { TableName: PAYMENTS, Item: {} } },
        ],
      },
      region: B,
      accountId: "123456789012",
      keyOf: () => undefined,
      queueArn: (url) => url,
      functionArn: (name) => name,
      hashKeyOf: () => undefined,
    });

    const context = { "dynamodb:EnclosingOperation": "TransactWriteItems" };
    expect(requests).toEqual([
      { action: "dynamodb:ConditionCheckItem", resource: `arn:aws:dynamodb:${B}:123456789012:table/${CONTROL}`, context },
      { action: "dynamodb:PutItem", resource: `arn:aws:dynamodb:${B}:123456789012:table/${PAYMENTS}`, context },
    ]);
  });
});

describe("TransactWriteItems through the SDK clients", () => {
  // A bare backend around one table model: the fake's SDK shapes are what is tested here (the world's
  // IAM and network are exercised by the rehearsal).
  const { db } = setup();
  installDynamoDbFakes(() => ({ call: async (_s: string, _o: string, _i: unknown, run: () => unknown) => run(), dynamodb: db }) as never);
  const raw = awsClient(DynamoDBClient, A, WORKER_CALL_TUNING);
  const doc = DynamoDBDocumentClient.from(raw);

  it("cancels with the SDK's TransactionCanceledException, its CancellationReasons in the API's attribute-value form", async () => {
    await doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: PAYMENTS, Item: { paymentId: "sdk-1", n: 1 } } }] }));

    const failure = doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: CONTROL,
              Key: { pk: "authority" },
              ConditionExpression: "epoch >= :e",
              ExpressionAttributeValues: { ":e": 3 },
            },
          },
          {
            Put: {
              TableName: PAYMENTS,
              Item: { paymentId: "sdk-1", n: 2 },
              ConditionExpression: "attribute_not_exists(paymentId)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
    );

    await expect(failure).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(failure).rejects.toMatchObject({
      CancellationReasons: [
        { Code: "None" },
        { Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: { paymentId: { S: "sdk-1" }, n: { N: "1" } } },
      ],
    });
    expect(db.get(A, PAYMENTS, { paymentId: "sdk-1" }, true)).toEqual({ paymentId: "sdk-1", n: 1 });
  });

  it("refuses a field it does not simulate, naming it", async () => {
    await expect(
      raw.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: PAYMENTS, Item: { paymentId: { S: "x" } } } }],
          ReturnConsumedCapacity: "TOTAL",
          Foo: 1,
        } as never),
      ),
    ).rejects.toThrow("The rehearsal's DynamoDB does not support Foo on TransactWriteItems");
  });
});
