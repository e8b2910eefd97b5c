/**
 * The SDK side of point-in-time recovery (restore.ts): DescribeContinuousBackups,
 * RestoreTableToPointInTime and DeleteTable on the low-level DynamoDBClient, and DescribeTable of a
 * restored table, in the API's shapes (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/).
 * sdk.ts registers them with the client's other commands.
 */
import * as ddb from "@aws-sdk/client-dynamodb";
import type { ClientInfo, SdkBackend } from "../sdk/backend";
import type { ClientClass } from "../sdk/plumbing";
import { ServiceError } from "../small-services";
import type { TableStatusView } from "./restore";

type Input = Record<string, any>;

/** What RestoreTableToPointInTime takes here; the overrides (billing, indexes, throughput, encryption) are not simulated. */
const RESTORE_FIELDS = new Set(["SourceTableName", "SourceTableArn", "TargetTableName", "RestoreDateTime", "UseLatestRestorableTime"]);

const tableArn = (b: SdkBackend, region: string, table: string) => `arn:aws:dynamodb:${region}:${b.deployment.accountId}:table/${table}`;

/** The restore rehearsal's control-plane calls (restore.ts), in the API's shapes. */
export function restoreCommands(backend: () => SdkBackend) {
  const describeRestored = (b: SdkBackend, region: string, t: TableStatusView) => ({
    TableName: t.name,
    TableArn: tableArn(b, region, t.name),
    TableStatus: t.status,
    KeySchema: [{ AttributeName: t.keySchema, KeyType: "HASH" }],
    ItemCount: t.itemCount,
    CreationDateTime: new Date(t.createdAt),
    RestoreSummary: {
      SourceTableArn: tableArn(b, region, t.restore.source),
      RestoreDateTime: new Date(t.restore.restoreTime),
      RestoreInProgress: t.restore.inProgress,
    },
  });
  const continuousBackups = (input: Input, info: ClientInfo) => {
    const pitr = backend().dynamodb.pitr.continuousBackups(info.region, input.TableName);
    return {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: pitr.enabled ? "ENABLED" : "DISABLED",
        PointInTimeRecoveryDescription: pitr.enabled
          ? {
              PointInTimeRecoveryStatus: "ENABLED",
              EarliestRestorableDateTime: new Date(pitr.earliest as number),
              LatestRestorableDateTime: new Date(pitr.latest as number),
              RecoveryPeriodInDays: 35,
            }
          : { PointInTimeRecoveryStatus: "DISABLED" },
      },
    };
  };
  const restore = (input: Input, info: ClientInfo) => {
    for (const [field, value] of Object.entries(input)) {
      if (value !== undefined && !RESTORE_FIELDS.has(field))
        throw new Error(`The rehearsal's DynamoDB does not support ${field} on RestoreTableToPointInTime`);
    }
    if ((input.SourceTableName === undefined) === (input.SourceTableArn === undefined))
      throw new ServiceError("ValidationException", "Exactly one of SourceTableName and SourceTableArn must be given", 400);
    const source = input.SourceTableName ?? String(input.SourceTableArn).split(":table/")[1];
    const b = backend();
    const t = b.dynamodb.pitr.restore(info.region, {
      source,
      target: input.TargetTableName,
      ...(input.RestoreDateTime !== undefined ? { restoreTime: new Date(input.RestoreDateTime).getTime() } : {}),
      ...(input.UseLatestRestorableTime !== undefined ? { useLatest: input.UseLatestRestorableTime === true } : {}),
    });
    return { TableDescription: describeRestored(b, info.region, t) };
  };
  const deleteTable = (input: Input, info: ClientInfo) => {
    const b = backend();
    return { TableDescription: describeRestored(b, info.region, b.dynamodb.pitr.delete(info.region, input.TableName)) };
  };
  return {
    /** DescribeTable's answer for a restored table (sdk.ts asks restore.ts first). */
    describeRestored,
    commands: [
      [ddb.DescribeContinuousBackupsCommand, continuousBackups],
      [ddb.RestoreTableToPointInTimeCommand, restore],
      [ddb.DeleteTableCommand, deleteTable],
    ] as [ClientClass, (input: Input, info: ClientInfo) => unknown][],
  };
}
