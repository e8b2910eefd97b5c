/**
 * The validated run a runbook step receives: what validate-input makes of `input` for an execution
 * `name` of `region`'s DR machine, invoked as the state machine invokes it. Step tests start here.
 */
import type { Run } from "../../../runbooks/domain/run";
import { drMachine } from "../../../sim/deployment/deployment";
import type { TestWorld } from "../../../sim/testing";

export async function runFor(t: TestWorld, region: string, input: Record<string, unknown>, name = "exec-1"): Promise<Run> {
  const machine = drMachine(t.deployment, region);
  return (await t.invoke(region, "validate-input", {
    input,
    execution: { name, id: `${machine.arn.replace(":stateMachine:", ":execution:")}:${name}`, startTime: new Date(t.now()).toISOString() },
    machine: { region, peerRegion: t.peerOf(region), primaryRegion: t.primary, secondaryRegion: t.secondary },
  })) as Run;
}
