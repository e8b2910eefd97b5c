import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { replicationHeartbeatKey } from "../../lib/replication-heartbeat";
import { reject, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { alarmInput, healthy, reportOf } from "./support/sim";

// Eventual mode (MREC): the deployed failover machine, with the real canaries writing and reading
// their heartbeats under the stack's IAM, and DynamoDB replicating each table on its own. Issue 15:
// the RPO exposure was measured from the control table alone, so a payments table 90 s behind was
// promoted over without asking.
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS));
});
afterAll(() => aws.dispose());

const MINUTE = 60_000;
const LAG_MS = 90_000;

/** The canaries have run for a few minutes (replication of `laggingTable` from the primary `LAG_MS` behind), then the primary goes dark. */
async function primaryDiesWhile(t: TestWorld, laggingTable?: string): Promise<void> {
  if (laggingTable) t.world.setLag(t.primary, t.secondary, LAG_MS, laggingTable);
  await t.advance(4 * MINUTE);
  t.world.outage(t.primary);
  // The secondary's canary probes every 10 s: three failures.
  await t.advance(35_000);
}

describe("failover, eventual mode: the RPO exposure of every table", () => {
  it("asks on-call instead of promoting when only the payments table lags, and reports that table's exposure (≥ the lag)", async () => {
    const t = healthy(aws, { canaries: true });
    await primaryDiesWhile(t, t.tables.payments);
    // The control table is current: its heartbeat alone would say a few seconds.
    const controlAge = (t.now() - Number(t.control(t.secondary, `heartbeat#${t.primary}`)?.writtenAt)) / 1000;
    const paymentsBeat = t.item(t.secondary, "payments", { paymentId: replicationHeartbeatKey(t.primary) });
    expect(controlAge).toBeLessThan(60);
    expect((t.now() - Number(paymentsBeat?.writtenAt)) / 1000).toBeGreaterThan(LAG_MS / 1000);

    const result = await t.execute(t.secondary, alarmInput(t, t.primary), { approval: reject });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(result.states).toContain("RequestApproval");
    expect(result.states).not.toContain("FenceOldPrimary");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
    const asked = t.notifications(t.secondary).find((n) => n.attributes.event === "approval-requested");
    expect(asked?.message).toContain("payments table");
    const report = reportOf(t, t.secondary, result.name) ?? {};
    const byTable = Object.fromEntries(
      (report.measurements.replicationByTable as { table: string; exposureSeconds: number }[]).map((r) => [r.table, r.exposureSeconds]),
    );
    expect(byTable.payments).toBeGreaterThanOrEqual(LAG_MS / 1000);
    expect(byTable.control).toBeLessThan(60);
    expect(report.measurements.rpoExposureSeconds).toBe(byTable.payments);
    // The canaries' heartbeat writes and reads were allowed by the stack's own policies.
    expect(t.world.iam.denials).toEqual([]);
  });

  it("promotes without asking when every table replicates on time", async () => {
    const t = healthy(aws, { canaries: true });
    await primaryDiesWhile(t);

    const result = await t.execute(t.secondary, alarmInput(t, t.primary));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("RequestApproval");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
    const report = reportOf(t, t.secondary, result.name) ?? {};
    expect(report.measurements.rpoExposureSeconds).toBeLessThan(60);
    expect((report.measurements.replicationByTable as { table: string }[]).map((r) => r.table)).toEqual([
      "payments",
      "idempotency",
      "control",
    ]);
    expect(t.world.iam.denials).toEqual([]);
  });
});
