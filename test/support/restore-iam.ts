/**
 * The simulated IAM authorizes every DynamoDB call on the table its `TableName` names
 * (sim/iam/requests.ts); RestoreTableToPointInTime has none (it names SourceTableName and
 * TargetTableName), so there it asks about `table/undefined` and denies any scoped policy. AWS
 * authorizes it on the source table and needs the target table's reads and writes: "DynamoDB
 * RestoreTableToPointInTime permissions are necessary on the source table, and DynamoDB read and
 * write permissions on the target table are necessary for restore functionality"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/backuprestore_IAM.html).
 *
 * Until sim/iam/requests.ts maps it (that file belongs to another change), a test world that runs
 * a restore is given exactly that mapping here: the same authorizer, the same policies, the
 * documented requests. Once sim/iam maps the operation itself, this installs nothing.
 */
import { iamRequests } from "../../sim/iam/requests";
import type { TestWorld } from "../../sim/testing";

/** The target-table actions of AWS's example restore policy (backuprestore_IAM.html, example 1). */
const TARGET_ACTIONS = ["PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "Scan", "BatchWriteItem"];

/** Whether sim/iam still asks about `table/undefined` for a restore. */
export function simulatedIamLacksRestoreMapping(): boolean {
  const requests = iamRequests({
    service: "dynamodb",
    operation: "RestoreTableToPointInTime",
    input: { SourceTableName: "source", TargetTableName: "target" },
    region: "us-east-1",
    accountId: "123456789012",
    keyOf: () => undefined,
    queueArn: (url) => url,
    functionArn: (name) => name,
  });
  return requests.some((r) => r.resource.endsWith("/undefined"));
}

/** Makes `t`'s IAM authorize RestoreTableToPointInTime as AWS documents (a no-op once sim/iam does). */
export function authorizeRestoresAsDocumented(t: TestWorld): void {
  if (!simulatedIamLacksRestoreMapping()) return;
  const iam = t.world.iam;
  const authorize = iam.authorizeCall.bind(iam);
  iam.authorizeCall = async (principal, call) => {
    if (call.service !== "dynamodb" || call.operation !== "RestoreTableToPointInTime") return authorize(principal, call);
    const { SourceTableName, SourceTableArn, TargetTableName } = call.input as Record<string, string | undefined>;
    const source = SourceTableName ?? String(SourceTableArn).split(":table/")[1];
    await authorize(principal, { ...call, input: { TableName: source } });
    for (const operation of TARGET_ACTIONS) await authorize(principal, { ...call, operation, input: { TableName: TargetTableName } });
  };
}
