import { SimulatedAws } from "../../sim/testing";
import { failedOver } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

// Strong mode (the default stack): set-peer-state writes every transition through the local
// replica, whatever `via` the state machine names. On MRSC tables the condition is checked against
// the latest version in any region and the write commits with a quorum (the witness stands in for a
// dead peer), so the peer's endpoint would only add a dependency on the peer being up. The sweep
// found a failback that could not hand over because the secondary, the writer, was dead
// (test/sim/rehearsal-sweep-findings.test.ts rehearses that timeline whole, in the end-to-end run).
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

describe("set-peer-state, strong mode", () => {
  it("hands over through the local replica when the peer's endpoint is dead: the primary ACTIVE, the secondary STANDBY", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const assessment = await t.invoke(t.primary, "assess-regions", { run });
    t.world.outage(t.secondary);
    await expect(t.invoke(t.primary, "set-peer-state", { run, state: "FENCED", via: "peer", assessment })).resolves.toMatchObject({
      region: t.secondary,
      state: "STANDBY",
      via: "local",
      // The failback's machine takes the no-sentinel branch on this (IsHandoverMade).
      handover: true,
    });
    expect(t.regionRecord(t.primary, t.primary)).toMatchObject({ state: "ACTIVE", executionId: run.executionId });
    expect(t.regionRecord(t.primary, t.secondary)).toMatchObject({ state: "STANDBY", executionId: run.executionId });
  });

  it("says a transition that only marks the secondary STANDBY, or a failover's fence, is not a handover", async () => {
    const t = await failedOver(aws);
    const failback = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const assessment = await t.invoke(t.primary, "assess-regions", { run: failback });
    await t.invoke(t.primary, "set-peer-state", { run: failback, state: "FENCED", via: "peer", assessment });
    // MarkSecondaryStandby after the handover: it finds the regions as asked (the same transition).
    await expect(
      t.invoke(t.primary, "set-peer-state", { run: failback, state: "STANDBY", via: "local", assessment }),
    ).resolves.toMatchObject({
      state: "STANDBY",
      handover: false,
    });
  });
});
