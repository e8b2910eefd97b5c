import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { SimulatedAws } from "../../sim/testing";
import { failedOver } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

// Eventual mode only: there a failback fences the secondary by writing through the secondary's
// replica, and compensation may have to write the local one when that replica is out of reach.
// (In strong mode a failback is one handover transition of the single authority: nothing to undo;
// test/state-machines/failback-strong.test.ts.)
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS));
});
afterAll(() => aws.dispose());

describe("compensate, eventual mode", () => {
  it("falls back to the local replica when the secondary's cannot be written", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const a = await t.invoke(t.primary, "assess-regions", { run });
    await t.invoke(t.primary, "set-peer-state", { run, state: "FENCED", via: "peer", assessment: a });
    // The fence (written through the secondary's replica) replicates here within about a second;
    // then the secondary goes dark. (Before it replicated, this replica would not show this run's
    // fence, and compensate rightly leaves alone a peer it cannot see it fenced.)
    await t.advance(2000);
    const fenced = t.regionRecord(t.primary, t.secondary);
    expect(fenced).toMatchObject({ state: "FENCED", executionId: run.executionId });
    t.world.outage(t.secondary);
    await expect(t.invoke(t.primary, "compensate", { run, action: "reactivate-peer" })).resolves.toMatchObject({
      changed: true,
      detail: expect.stringContaining("written locally"),
    });
    expect(t.regionRecord(t.primary, t.secondary)).toMatchObject({ state: "ACTIVE", epoch: (fenced?.epoch ?? 0) + 1 });
  });
});
