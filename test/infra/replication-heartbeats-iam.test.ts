/**
 * The IAM behind eventual mode's per-table RPO exposure (lib/replication-heartbeat.ts): the canary
 * may write its own region's heartbeat into the payments and idempotency tables and read the
 * heartbeats there; CheckReplication may read them; nothing else of those tables, and no other
 * function gains either. Exact statements, from the program as deployed (Pulumi mocks).
 *
 * Strong mode grants none of it: replication-heartbeats-iam-strong.test.ts.
 *
 * What this cannot prove: that AWS evaluates the dynamodb:LeadingKeys condition as documented (the
 * simulated IAM sends no dynamodb:LeadingKeys, so the offline rehearsal allows these calls without
 * exercising the key restriction).
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { allFunctions } from "../../lib/handlers";
import { asArray, one, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack(EVENTUAL_OFFLINE_OPTIONS);
});

const table = (region: string, name: string) => `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT_ID}:table/${name}`;
const dataTables = (region: string) => [table(region, "payments-global-dev"), table(region, "payments-idempotency-global-dev")];
const roleStatements = (fn: string, region: string) =>
  statements(one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `${fn}-${region}-dev`).inputs.policy);
/** The statements of `fn`'s role that reach the payments or idempotency table (not their streams). */
const onDataTables = (fn: string, region: string) =>
  roleStatements(fn, region).filter((s) => asArray<string>(s.Resource).some((r) => dataTables(region).includes(r)));

describe("replication heartbeats: IAM", () => {
  it.each([REGIONS.primary, REGIONS.secondary])(
    "lets the canary in %s put only its own region's heartbeat and get only heartbeats, in the payments and idempotency tables",
    (region) => {
      expect(onDataTables("canary", region)).toEqual([
        {
          Effect: "Allow",
          Action: ["dynamodb:PutItem"],
          Resource: dataTables(region),
          Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [`dr-heartbeat#${region}`] } },
        },
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem"],
          Resource: dataTables(region),
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["dr-heartbeat#*"] } },
        },
      ]);
    },
  );

  it.each([REGIONS.primary, REGIONS.secondary])(
    "lets CheckReplication in %s read only heartbeats in the data tables (besides DescribeTable)",
    (region) => {
      const statementsOnData = onDataTables("check-replication", region);
      expect(statementsOnData.filter((s) => !asArray<string>(s.Action).includes("dynamodb:DescribeTable"))).toEqual([
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem"],
          Resource: dataTables(region),
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["dr-heartbeat#*"] } },
        },
      ]);
    },
  );

  it("lets the DR operations role put only the failback's sentinel, in either region's payments and idempotency tables", () => {
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === "dr-operations-global-dev");
    const onData = statements(policy.inputs.policy).filter((s) =>
      asArray<string>(s.Resource).some((r) => [REGIONS.primary, REGIONS.secondary].some((region) => dataTables(region).includes(r))),
    );
    expect(onData).toEqual([
      {
        Sid: "SentinelInEitherDataTableReplica",
        Effect: "Allow",
        Action: ["dynamodb:PutItem"],
        Resource: [REGIONS.primary, REGIONS.secondary].flatMap(dataTables),
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": [`dr-heartbeat#${REGIONS.primary}#sentinel`, `dr-heartbeat#${REGIONS.secondary}#sentinel`],
          },
        },
      },
    ]);
  });

  it("grants the heartbeat permissions to no other function", () => {
    const holders = allFunctions
      .filter((f) => f.permissions.some((p) => p.startsWith("replication-heartbeats:")))
      .map((f) => f.name)
      .sort();
    // check-sentinel reads the failback's sentinel, which shares the heartbeat prefix (lib/replication-heartbeat.ts).
    expect(holders).toEqual(["canary", "check-replication", "check-sentinel"]);
  });
});
