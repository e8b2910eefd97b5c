/**
 * One region's fakes wired together, with the authority seeded: this region ACTIVE.
 */
import { type Authority, controlKeys, regionView, type RegionRecord, type RegionState } from "../../../lib/control-record";
import { TABLES, LOCAL_REGION, QUEUE_URL, DLQ_URL } from "./env";
import { DynamoDbModel } from "./dynamodb-model";
import { S3Model } from "./s3-model";
import { SqsModel } from "./sqs-model";

export function createWorld() {
  const dynamo = new DynamoDbModel({ [TABLES.payments]: "paymentId", [TABLES.idempotency]: "id", [TABLES.control]: "pk" });
  const s3 = new S3Model();
  const sqs = new SqsModel();
  sqs.createQueue(DLQ_URL);
  sqs.createQueue(QUEUE_URL, { visibilityTimeoutSeconds: 180, deadLetterUrl: DLQ_URL, maxReceiveCount: 5 });
  const world = {
    dynamo,
    s3,
    sqs,
    /** Sets `region`'s state in the authority item (created if missing), at `epoch`. */
    setRegionState(state: RegionState, region = LOCAL_REGION, epoch = 1): RegionRecord {
      const at = new Date(Date.now()).toISOString();
      const current = dynamo.get(TABLES.control, controlKeys.authority()) as Authority | undefined;
      const authority: Authority = {
        pk: controlKeys.authority(),
        epoch,
        states: { ...current?.states, [region]: state },
        changedAt: { ...current?.changedAt, [region]: at },
        updatedAt: at,
        reason: `set to ${state} by a test`,
        executionId: "test-execution",
      };
      dynamo.put(TABLES.control, authority);
      return regionView(authority, region) as RegionRecord;
    },
    reset() {
      dynamo.reset();
      s3.reset();
      sqs.reset();
    },
  };
  world.setRegionState("ACTIVE");
  return world;
}

export type World = ReturnType<typeof createWorld>;
