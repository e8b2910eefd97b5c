/**
 * Point-in-time recovery in the simulated DynamoDB (sim/dynamodb/restore.ts, restore-sdk.ts): a
 * restore to T holds each item as the replica held it at T (later writes, updates and deletes
 * undone), the replica's own view (an MREC write that had not reached it is not restored), within the
 * window AWS documents (earliest: PITR on; latest: 5 minutes ago), into a single-Region table that is
 * CREATING for the modelled ten minutes and unreadable until ACTIVE; DeleteTable refuses a table
 * still CREATING; and the SDK gets AWS's shapes and error names.
 *
 * What this cannot prove: how long a real restore takes (AWS: minutes to hours, not correlated with
 * size), or AWS's exact messages.
 */
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  RestoreTableToPointInTimeCommand,
} from "@aws-sdk/client-dynamodb";
import { awsClient, CLI_CALL_TUNING } from "../../lib/aws-clients";
import type { TableDefinition } from "../../sim/deployment/types";
import { DynamoDbService } from "../../sim/dynamodb/model";
import { LATEST_RESTORABLE_LAG_MS, MAX_CONCURRENT_RESTORES, RESTORE_BASE_MS } from "../../sim/dynamodb/restore";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

const A = "us-east-1";
const B = "us-east-2";
const EVENTUAL = "payments-global-test";
const NO_PITR = "other-global-test";
const MINUTE = 60_000;

function setup() {
  let now = 1_000_000_000;
  const tables: TableDefinition[] = [
    { name: EVENTUAL, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "EVENTUAL", pointInTimeRecovery: [A, B] },
    { name: NO_PITR, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "EVENTUAL" },
  ];
  const db = new DynamoDbService(tables, () => now);
  return { db, start: now, tick: (ms: number) => (now += ms), now: () => now };
}

const keys = (items: Record<string, unknown>[]) => items.map((i) => String(i.pk)).sort();

describe("point-in-time recovery in the simulated DynamoDB", () => {
  it("restores each item as the replica held it at the restore time: later puts, updates and deletes undone", () => {
    const { db, tick, now } = setup();
    db.put(A, EVENTUAL, { pk: "kept", v: 1 });
    db.put(A, EVENTUAL, { pk: "deleted-later", v: 1 });
    db.put(A, EVENTUAL, { pk: "updated-later", v: 1 });
    tick(MINUTE);
    const T = now();
    tick(MINUTE);
    db.put(A, EVENTUAL, { pk: "added-later", v: 1 });
    db.delete(A, EVENTUAL, { pk: "deleted-later" });
    db.update(A, EVENTUAL, { pk: "updated-later" }, "SET v = :v", { values: { ":v": 2 } });
    tick(10 * MINUTE);

    db.pitr.restore(A, { source: EVENTUAL, target: "copy", restoreTime: T });
    tick(RESTORE_BASE_MS);

    expect(keys(db.items(A, "copy"))).toEqual(["deleted-later", "kept", "updated-later"]);
    expect(db.get(A, "copy", { pk: "updated-later" })).toEqual({ pk: "updated-later", v: 1 });
    expect(db.definition("copy")).toMatchObject({ regions: [A], streamEnabled: false, consistency: "EVENTUAL", hashKey: "pk" });
  });

  it("restores the replica's own view: an MREC write that had not yet replicated to it is not in its copy", () => {
    const { db, tick, now } = setup();
    db.put(A, EVENTUAL, { pk: "p1" });
    const written = db.version(A, EVENTUAL, JSON.stringify("p1"));
    tick(MINUTE);
    const T = now();
    tick(MINUTE);
    db.applyReplicated(B, EVENTUAL, JSON.stringify("p1"), written!); // arrives in B after T
    tick(10 * MINUTE);

    db.pitr.restore(A, { source: EVENTUAL, target: "copy-a", restoreTime: T });
    db.pitr.restore(B, { source: EVENTUAL, target: "copy-b", restoreTime: T });
    tick(RESTORE_BASE_MS);

    expect(keys(db.items(A, "copy-a"))).toEqual(["p1"]);
    expect(keys(db.items(B, "copy-b"))).toEqual([]);
  });

  it("offers the window from PITR's start to 5 minutes ago, and refuses a time outside it", () => {
    const { db, start, tick, now } = setup();
    tick(20 * MINUTE);

    expect(db.pitr.continuousBackups(B, EVENTUAL)).toEqual({ enabled: true, earliest: start, latest: now() - LATEST_RESTORABLE_LAG_MS });
    for (const restoreTime of [start - 1, now() - LATEST_RESTORABLE_LAG_MS + 1]) {
      expect(() => db.pitr.restore(B, { source: EVENTUAL, target: `copy-${restoreTime}`, restoreTime })).toThrow(
        expect.objectContaining({ name: "InvalidRestoreTimeException" }),
      );
    }
    expect(db.pitr.restore(B, { source: EVENTUAL, target: "latest", useLatest: true }).restore.restoreTime).toBe(
      now() - LATEST_RESTORABLE_LAG_MS,
    );
  });

  it("refuses a restore from a replica without PITR, and re-enabling PITR restarts the window (AWS: it resets the start time)", () => {
    const { db, tick, now } = setup();
    tick(20 * MINUTE);
    expect(() => db.pitr.restore(A, { source: NO_PITR, target: "copy", useLatest: true })).toThrow(
      expect.objectContaining({ name: "PointInTimeRecoveryUnavailableException" }),
    );

    db.pitr.update(A, EVENTUAL, false);
    expect(db.pitr.continuousBackups(A, EVENTUAL)).toEqual({ enabled: false });
    db.pitr.update(A, EVENTUAL, true);
    expect(db.pitr.continuousBackups(A, EVENTUAL)).toEqual({ enabled: true, earliest: now(), latest: now() });
  });

  it("keeps the new table CREATING for the modelled time, out of reach of item operations, then ACTIVE with its items", () => {
    const { db, tick } = setup();
    db.put(B, EVENTUAL, { pk: "p1" });
    tick(10 * MINUTE);
    db.pitr.restore(B, { source: EVENTUAL, target: "copy", useLatest: true });

    tick(RESTORE_BASE_MS - 1);
    expect(db.pitr.describe(B, "copy")).toMatchObject({ status: "CREATING", restore: { source: EVENTUAL, inProgress: true } });
    expect(() => db.get(B, "copy", { pk: "p1" })).toThrow(expect.objectContaining({ name: "ResourceNotFoundException" }));
    tick(1);
    expect(db.pitr.describe(B, "copy")).toMatchObject({ status: "ACTIVE", itemCount: 1, restore: { inProgress: false } });
    expect(db.get(B, "copy", { pk: "p1" })).toEqual({ pk: "p1" });
  });

  it("refuses to delete a table still CREATING (ResourceInUseException), deletes an ACTIVE one (DELETING, again without error, then gone), and refuses a name in use", () => {
    const { db, tick } = setup();
    tick(10 * MINUTE);
    db.pitr.restore(B, { source: EVENTUAL, target: "copy", useLatest: true });
    expect(() => db.pitr.restore(B, { source: EVENTUAL, target: "copy", useLatest: true })).toThrow(
      expect.objectContaining({ name: "TableAlreadyExistsException" }),
    );
    expect(() => db.pitr.delete(B, "copy")).toThrow(expect.objectContaining({ name: "ResourceInUseException" }));

    tick(RESTORE_BASE_MS);
    expect(db.pitr.delete(B, "copy").status).toBe("DELETING");
    expect(() => db.scan(B, "copy")).toThrow(expect.objectContaining({ name: "ResourceNotFoundException" }));
    // "If table is already in the DELETING state, no error is returned" (API DeleteTable).
    expect(db.pitr.delete(B, "copy").status).toBe("DELETING");
    tick(2 * MINUTE);
    expect(db.pitr.describe(B, "copy")).toBeUndefined();
    expect(() => db.pitr.delete(B, "copy")).toThrow(expect.objectContaining({ name: "ResourceNotFoundException" }));
  });

  it(`allows ${MAX_CONCURRENT_RESTORES} restores in progress in an account, and refuses the next (LimitExceededException)`, () => {
    const { db, tick } = setup();
    tick(10 * MINUTE);
    for (let i = 0; i < MAX_CONCURRENT_RESTORES; i++) db.pitr.restore(B, { source: EVENTUAL, target: `copy-${i}`, useLatest: true });

    expect(() => db.pitr.restore(B, { source: EVENTUAL, target: "one-more", useLatest: true })).toThrow(
      expect.objectContaining({ name: "LimitExceededException" }),
    );
  });
});

describe("point-in-time recovery through the SDK (as an operator: the simulated IAM lets the account's people do anything)", () => {
  let aws: SimulatedAws;
  beforeAll(async () => {
    aws = SimulatedAws.fromEvaluation(await stack());
  });
  afterAll(() => aws.dispose());

  it("answers DescribeContinuousBackups, RestoreTableToPointInTime, DescribeTable, GetItem and DeleteTable in AWS's shapes and error names", async () => {
    const t = aws.world();
    const region = t.secondary;
    const client = awsClient(DynamoDBClient, region, CLI_CALL_TUNING);
    const call = <T>(run: () => Promise<T>) => t.settle(t.fromInternet(run));
    await t.advance(10 * MINUTE);

    const backups = await call(() => client.send(new DescribeContinuousBackupsCommand({ TableName: t.tables.payments })));
    const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    expect(pitr?.PointInTimeRecoveryStatus).toBe("ENABLED");
    const restored = await call(() =>
      client.send(
        new RestoreTableToPointInTimeCommand({
          SourceTableName: t.tables.payments,
          TargetTableName: "scratch-copy",
          RestoreDateTime: pitr?.LatestRestorableDateTime,
        }),
      ),
    );
    expect(restored.TableDescription).toMatchObject({
      TableName: "scratch-copy",
      TableStatus: "CREATING",
      RestoreSummary: {
        SourceTableArn: `arn:aws:dynamodb:${region}:${t.deployment.accountId}:table/${t.tables.payments}`,
        RestoreInProgress: true,
      },
    });
    await expect(
      call(() => client.send(new GetItemCommand({ TableName: "scratch-copy", Key: { paymentId: { S: "x" } } }))),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await expect(call(() => client.send(new DeleteTableCommand({ TableName: "scratch-copy" })))).rejects.toMatchObject({
      name: "ResourceInUseException",
    });
    await expect(
      call(() =>
        client.send(
          new RestoreTableToPointInTimeCommand({
            SourceTableName: t.tables.payments,
            TargetTableName: "too-late",
            RestoreDateTime: new Date(t.now()),
          }),
        ),
      ),
    ).rejects.toMatchObject({ name: "InvalidRestoreTimeException" });

    await t.advance(RESTORE_BASE_MS);
    const described = await call(() => client.send(new DescribeTableCommand({ TableName: "scratch-copy" })));
    expect(described.Table).toMatchObject({ TableStatus: "ACTIVE", RestoreSummary: { RestoreInProgress: false } });
    const deleted = await call(() => client.send(new DeleteTableCommand({ TableName: "scratch-copy" })));
    expect(deleted.TableDescription?.TableStatus).toBe("DELETING");
  });
});
