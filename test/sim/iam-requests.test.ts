/**
 * What one SDK call asks IAM for (sim/iam/requests.ts), for the calls whose resource is not simply
 * the table or queue the input names. What this cannot prove: that the Service Authorization
 * Reference has not changed since; the sources are cited beside the mapping.
 */
import { iamRequests } from "../../sim/iam/requests";

const facts = (operation: string, input: Record<string, unknown>) => ({
  service: "dynamodb",
  operation,
  input,
  region: "us-east-2",
  accountId: "123456789012",
  keyOf: () => undefined,
  queueArn: (url: string) => url,
  functionArn: (name: string) => name,
  hashKeyOf: (table: string) => ({ control: "pk", payments: "paymentId" })[table],
});

describe("DynamoDB RestoreTableToPointInTime", () => {
  const target = "arn:aws:dynamodb:us-east-2:123456789012:table/payments-restore-x";
  const targetActions = ["PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "Scan", "BatchWriteItem"].map((a) => ({
    action: `dynamodb:${a}`,
    resource: target,
  }));

  it("asks for the restore on the source table and for reads and writes on the target (backuprestore_IAM.html)", () => {
    expect(iamRequests(facts("RestoreTableToPointInTime", { SourceTableName: "payments", TargetTableName: "payments-restore-x" }))).toEqual(
      [
        { action: "dynamodb:RestoreTableToPointInTime", resource: "arn:aws:dynamodb:us-east-2:123456789012:table/payments" },
        ...targetActions,
      ],
    );
  });

  it("takes the source from SourceTableArn when the call names it that way", () => {
    const arn = "arn:aws:dynamodb:us-east-2:123456789012:table/payments";
    expect(iamRequests(facts("RestoreTableToPointInTime", { SourceTableArn: arn, TargetTableName: "payments-restore-x" }))[0]).toEqual({
      action: "dynamodb:RestoreTableToPointInTime",
      resource: arn,
    });
  });

  it("leaves every other DynamoDB call on the table its TableName names", () => {
    expect(iamRequests(facts("DeleteTable", { TableName: "payments-restore-x" }))).toEqual([
      { action: "dynamodb:DeleteTable", resource: target },
    ]);
  });
});

describe("dynamodb:LeadingKeys (specifying-conditions.html)", () => {
  const control = "arn:aws:dynamodb:us-east-2:123456789012:table/control";

  it("names the item's partition key value on each single-item call, in the SDK's wire form or the document client's", () => {
    expect(iamRequests(facts("GetItem", { TableName: "control", Key: { pk: { S: "lease" } } }))).toEqual([
      { action: "dynamodb:GetItem", resource: control, context: { "dynamodb:LeadingKeys": ["lease"] } },
    ]);
    expect(iamRequests(facts("PutItem", { TableName: "control", Item: { pk: "authority", epoch: 3 } }))).toEqual([
      { action: "dynamodb:PutItem", resource: control, context: { "dynamodb:LeadingKeys": ["authority"] } },
    ]);
    for (const operation of ["UpdateItem", "DeleteItem"]) {
      expect(iamRequests(facts(operation, { TableName: "payments", Key: { paymentId: { S: "pay_1" } } }))[0].context).toEqual({
        "dynamodb:LeadingKeys": ["pay_1"],
      });
    }
  });

  it("names each transaction action's own key", () => {
    const requests = iamRequests(
      facts("TransactWriteItems", {
        TransactItems: [
          { ConditionCheck: { TableName: "control", Key: { pk: { S: "authority" } }, ConditionExpression: "x" } },
          { Put: { TableName: "payments", Item: { paymentId: { S: "pay_2" } } } },
        ],
      }),
    );
    expect(requests.map((r) => r.context?.["dynamodb:LeadingKeys"])).toEqual([["authority"], ["pay_2"]]);
  });

  it("sends none for a Scan, which names no partition key (a ForAllValues condition then holds, as on AWS)", () => {
    expect(iamRequests(facts("Scan", { TableName: "control" }))).toEqual([{ action: "dynamodb:Scan", resource: control }]);
  });
});
