/**
 * Strong mode (the default, MRSC) grants none of the replication-heartbeat permissions: its canary
 * writes no heartbeat into the data tables and CheckReplication reads none (exposure is 0 by
 * construction). Eventual mode's exact statements: replication-heartbeats-iam.test.ts.
 */
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { EVENTUAL_ONLY_PERMISSIONS, functionsFor } from "../../infra/core/tables";
import { runbookFunctions } from "../../lib/handlers";
import { asArray, one, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const table = (region: string, name: string) => `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT_ID}:table/${name}`;
const dataTables = (region: string) => [table(region, "payments-global-dev"), table(region, "payments-idempotency-global-dev")];

describe("replication heartbeats: IAM in strong mode", () => {
  it.each([REGIONS.primary, REGIONS.secondary])(
    "gives the canary, CheckReplication and CheckSentinelReplicated in %s nothing of the data tables but CheckReplication's DescribeTable",
    (region) => {
      for (const fn of ["canary", "check-replication", "check-sentinel"]) {
        const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `${fn}-${region}-dev`).inputs.policy;
        const onData = statements(policy).filter((s) => asArray<string>(s.Resource).some((r) => dataTables(region).includes(r)));
        expect({ fn, actions: onData.flatMap((s) => asArray<string>(s.Action)) }).toEqual({
          fn,
          actions: fn === "check-replication" ? ["dynamodb:DescribeTable"] : [],
        });
      }
    },
  );

  it("gives the DR operations role nothing of either region's data tables (no failback sentinel there: MRSC)", () => {
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === "dr-operations-global-dev").inputs.policy;
    const regions = [REGIONS.primary, REGIONS.secondary];
    const onData = statements(policy).filter((s) =>
      asArray<string>(s.Resource).some((r) => regions.some((x) => dataTables(x).includes(r))),
    );
    expect(onData).toEqual([]);
  });

  it("drops exactly the eventual-only permissions from the registry's specs, and keeps them in eventual mode", () => {
    const strong = functionsFor("strong", runbookFunctions);
    const eventual = functionsFor("eventual", runbookFunctions);
    expect(strong.flatMap((f) => f.permissions).filter((p) => EVENTUAL_ONLY_PERMISSIONS.includes(p))).toEqual([]);
    expect(eventual).toEqual(runbookFunctions);
    for (const f of strong) {
      const declared = runbookFunctions.find((s) => s.name === f.name)!;
      expect(f.permissions).toEqual(declared.permissions.filter((p) => !EVENTUAL_ONLY_PERMISSIONS.includes(p)));
    }
  });
});
