/**
 * The deployed sweeper (functions/sweep-expired), end to end in the simulated AWS: invoked as
 * Lambda invokes it, with its own role, its Scan and its conditional deletes answered by the
 * simulated DynamoDB (sim/dynamodb), and started every minute by the deployed schedules.
 *
 * What this cannot prove: that real DynamoDB puts these keys in the same segments (the
 * simulation's hash is its own), nor that a real run stays within its budget on a large table —
 * the simulated DescribeTable reports no ItemCount, so every run here scans one segment.
 */
import { SWEEP_GRACE_SECONDS } from "../../functions/sweep-expired/expiry";
import type { Deployment } from "../../sim/deployment/types";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const HOUR = 3600;

/** A copy of the deployment whose role `roleName` is no longer granted `action`. */
function withoutAction(d: Deployment, roleName: string, action: string): Deployment {
  const copy = JSON.parse(JSON.stringify(d)) as Deployment;
  const role = copy.iam.roles.find((r) => r.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  let removed = 0;
  for (const p of role.policies) {
    const statements = [p.document.Statement].flat() as { Action: string | string[] }[];
    for (const s of statements) {
      const actions = [s.Action].flat();
      removed += actions.filter((a) => a === action).length;
      s.Action = actions.filter((a) => a !== action);
    }
    p.document.Statement = statements.filter((s) => [s.Action].flat().length > 0);
  }
  if (removed === 0) throw new Error(`${roleName} was never granted ${action}`);
  return copy;
}

describe("sweep-expired, deployed, in the simulated world", () => {
  it("deletes an expired idempotency record and an expired lease in every replica, and keeps live records and the protected control items", async () => {
    const t = aws.world();
    const now = Math.floor(t.now() / 1000);
    t.seed("idempotency", { id: "create-payment#dead", expiration: now - HOUR, status: "COMPLETED", data: "{}" });
    t.seed("idempotency", { id: "create-payment#live", expiration: now + HOUR, status: "COMPLETED", data: "{}" });
    t.seed("idempotency", { id: "create-payment#in-grace", expiration: now - SWEEP_GRACE_SECONDS + 60, status: "INPROGRESS" });
    t.seed("control", { pk: "lease", holder: "failover-1", mode: "failover", region: t.secondary, acquiredAt: 0, expiresAt: now - HOUR });
    // Never swept, even with an expiry on them: who writes, and the heartbeats.
    t.seed("control", { pk: `region#${t.primary}`, region: t.primary, state: "ACTIVE", epoch: 0, expiresAt: now - HOUR });
    t.seed("control", { pk: `heartbeat#${t.secondary}`, region: t.secondary, writtenAt: 0, sequence: 1, expiresAt: now - HOUR });
    const authority = t.control(t.primary, "authority");

    const result = (await t.invoke(t.primary, "sweep-expired", { source: "schedule" })) as { tables: Record<string, unknown>[] };

    expect(result.tables).toEqual([
      expect.objectContaining({ kind: "idempotency", segment: 0, totalSegments: 1, scanned: 3, deleted: 1, complete: true }),
      expect.objectContaining({ kind: "control", deleted: 1, kept: 0, conflicts: 0, complete: true }),
    ]);
    for (const region of [t.primary, t.secondary]) {
      expect(t.item(region, "idempotency", { id: "create-payment#dead" })).toBeUndefined();
      expect(t.item(region, "idempotency", { id: "create-payment#live" })).toBeDefined();
      expect(t.item(region, "idempotency", { id: "create-payment#in-grace" })).toBeDefined();
      expect(t.control(region, "lease")).toBeUndefined();
      expect(t.control(region, `region#${t.primary}`)).toBeDefined();
      expect(t.control(region, `heartbeat#${t.secondary}`)).toBeDefined();
      expect(t.control(region, "authority")).toEqual(authority);
    }
    const sweeper = t.functionName(t.primary, "sweep-expired");
    expect(t.calls({ service: "dynamodb", operation: "Scan", caller: sweeper }).map((c) => [c.resource, c.outcome])).toEqual([
      [t.tables.idempotency, "ok"],
      [t.tables.control, "ok"],
    ]);
  });

  it("runs every minute in both regions, started by the deployed schedules, without an error", async () => {
    const t = aws.world({ background: { schedules: true } });
    const now = Math.floor(t.now() / 1000);
    t.seed("idempotency", { id: "create-payment#dead", expiration: now - HOUR, status: "COMPLETED" });

    await t.advance(3 * 60_000);

    for (const region of [t.primary, t.secondary]) {
      const stats = t.world.runtime.stats.get(t.world.runtime.spec(t.functionName(region, "sweep-expired")).arn);
      expect(stats).toMatchObject({ errors: 0, throttles: 0, timeouts: 0 });
      expect(stats?.invocations).toBeGreaterThanOrEqual(2);
    }
    expect(t.item(t.secondary, "idempotency", { id: "create-payment#dead" })).toBeUndefined();
  });

  it("fails with AccessDeniedException when its role is not granted dynamodb:Scan (IAM authorizes Scan on the table ARN)", async () => {
    const sweeperRole = aws.deployment.functions
      .find((f) => f.handler === "sweep-expired" && f.region === aws.deployment.primaryRegion)
      ?.roleArn.split("/")
      .pop() as string;
    aws.dispose(); // one world at a time: each installs the virtual clock
    const denied = new SimulatedAws(withoutAction(aws.deployment, sweeperRole, "dynamodb:Scan"));
    try {
      const t = denied.world();

      await expect(t.invoke(t.primary, "sweep-expired", {})).rejects.toMatchObject({
        name: "AccessDeniedException",
        message: expect.stringContaining(`dynamodb:Scan on resource: arn:aws:dynamodb:${t.primary}:`),
      });
    } finally {
      denied.dispose();
    }
  });
});
