/**
 * The drill's restore-rehearsal steps as the program deploys them (Pulumi mocks): their roles hold
 * exactly the statements below — the restore on the payments table, everything else on the region's
 * scratch-table prefix only — and they run in the private subnets with the scratch prefix in their
 * environment. What this cannot prove: that AWS accepts the policies, or that a real restore needs
 * nothing more (KMS through DynamoDB is granted as AWS's own key policy for DynamoDB allows it).
 */
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { one, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const ACCT = MOCK_ACCOUNT_ID;
const REGION_LIST = [REGIONS.primary, REGIONS.secondary];
const fn = (name: string, region: string) => one(ev, "aws:lambda/function:Function", (f) => f.inputs.name === `${name}-${region}-dev`);
const policyOf = (name: string, region: string) =>
  statements(one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `${name}-${region}-dev`).inputs.policy)
    // Every function's own log group and X-Ray, and the VPC attachment's ENIs (tested elsewhere).
    .filter(
      (s) =>
        !String(s.Action).startsWith("logs:") && !JSON.stringify(s.Action).includes("xray:") && !JSON.stringify(s.Action).includes("ec2:"),
    );

describe.each(REGION_LIST)("the restore rehearsal's steps in %s", (region) => {
  const table = (name: string) => `arn:aws:dynamodb:${region}:${ACCT}:table/${name}`;
  const scratch = table(`payments-restore-${region}-dev-*`);
  const payments = table("payments-global-dev");
  const key = () => fn("start-restore", region).inputs.kmsKeyArn;
  const viaDynamoDb = { "kms:ViaService": `dynamodb.${region}.amazonaws.com` };

  it("lets start-restore restore the payments table, and only into the region's scratch tables (their writes, the key through DynamoDB)", () => {
    expect(policyOf("start-restore", region)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:DescribeContinuousBackups", "dynamodb:RestoreTableToPointInTime"], Resource: payments },
      {
        Effect: "Allow",
        Action: [
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "dynamodb:BatchWriteItem",
          "dynamodb:DescribeTable",
        ],
        Resource: scratch,
      },
      {
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: key(),
        Condition: { StringEquals: viaDynamoDb },
      },
      {
        Effect: "Allow",
        Action: ["kms:CreateGrant"],
        Resource: key(),
        Condition: { StringEquals: viaDynamoDb, Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ]);
  });

  it("lets check-restore describe, verify-restore read, and delete-scratch-table delete the scratch tables and nothing else", () => {
    expect(policyOf("check-restore", region)).toEqual([{ Effect: "Allow", Action: ["dynamodb:DescribeTable"], Resource: scratch }]);
    expect(policyOf("verify-restore", region)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:Scan", "dynamodb:GetItem"], Resource: scratch },
      { Effect: "Allow", Action: ["dynamodb:Scan"], Resource: payments },
      { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: payments },
    ]);
    expect(policyOf("delete-scratch-table", region)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:DescribeTable", "dynamodb:DeleteTable"], Resource: scratch },
    ]);
  });

  it("runs them in the private subnets, with the scratch prefix where they name tables", () => {
    for (const name of ["start-restore", "check-restore", "verify-restore", "delete-scratch-table"]) {
      expect([name, fn(name, region).inputs.vpcConfig]).toEqual([name, fn("create-payment", region).inputs.vpcConfig]);
    }
    for (const name of ["start-restore", "delete-scratch-table"]) {
      expect(fn(name, region).inputs.environment.variables.RESTORE_SCRATCH_TABLE_PREFIX).toBe(`payments-restore-${region}-dev-`);
    }
  });

  it("lets the DynamoDB endpoint of the VPC carry the restore's calls (its policy lists what functions are granted)", () => {
    const endpoint = one(
      ev,
      "aws:ec2/vpcEndpoint:VpcEndpoint",
      (e) => e.region === region && String(e.inputs.serviceName).endsWith(".dynamodb"),
    );
    const actions = statements(endpoint.inputs.policy).flatMap((s) => s.Action as string[]);
    for (const action of ["dynamodb:RestoreTableToPointInTime", "dynamodb:DescribeContinuousBackups", "dynamodb:DeleteTable"])
      expect(actions).toContain(action);
  });
});
