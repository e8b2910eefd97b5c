/**
 * On-call in the rehearsal (sim/rehearsal/operator.ts): a `drctl` start that fails is retried a
 * minute later, as a person would, each failure in the timeline; after the last try the error
 * stands. (Before, the first failure escaped the scenario: the sweep over the full base hid it.)
 */
import { OPERATOR_RETRY_MS, OPERATOR_START_ATTEMPTS, Operator } from "../../sim/rehearsal/operator";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const input = (region: string) => ({ mode: "failback", targetRegion: region, requestedBy: "oncall@example.com", reason: "test" });

/** A quiet world and on-call acting in it, on its virtual clock; the world is disposed after `test`. */
async function withOperator(test: (t: TestWorld, operator: Operator) => Promise<void>): Promise<void> {
  const t = aws.world({ latency: "none" });
  try {
    await test(
      t,
      new Operator(
        t.deployment,
        t.world.timeline,
        () => t.clock.now(),
        (ms) => t.clock.sleep(ms),
      ),
    );
  } finally {
    t.dispose();
  }
}

const operatorNotes = (t: TestWorld) => t.world.timeline.entries.filter((e) => e.kind === "operator").map((e) => e.text);

describe("on-call starting a run through drctl", () => {
  it("tries again a minute later while the region's API does not answer, and starts the run once it does", () =>
    withOperator(async (t, operator) => {
      const heal = t.fault({ action: "region-outage", region: t.primary });
      let started: string | undefined;
      void operator.start(t.primary, "failback-test-1", input(t.primary), "on-call runs drctl failback").then((name) => {
        started = name;
      });
      await t.advance(OPERATOR_RETRY_MS);
      heal();
      await t.until(() => started !== undefined, 5 * OPERATOR_RETRY_MS);

      expect(started).toBe("failback-test-1");
      expect(t.executions(t.primary).map((e) => e.name)).toContain("failback-test-1");
      expect(operatorNotes(t).filter((n) => n.includes("on-call tries again in 60 s")).length).toBeGreaterThanOrEqual(1);
    }));

  it(`gives up after ${OPERATOR_START_ATTEMPTS} tries, saying so, and the error stands`, () =>
    withOperator(async (t, operator) => {
      t.fault({ action: "region-outage", region: t.primary });
      let failure: Error | undefined;
      void operator.start(t.primary, "failback-test-2", input(t.primary), "on-call runs drctl failback").catch((e: Error) => {
        failure = e;
      });
      await t.until(() => failure !== undefined, 2 * OPERATOR_START_ATTEMPTS * OPERATOR_RETRY_MS);

      expect(failure?.name).toBe("TimeoutError");
      const notes = operatorNotes(t);
      expect(notes.filter((n) => n.includes("tries again")).length).toBe(OPERATOR_START_ATTEMPTS - 1);
      expect(notes.at(-1)).toContain(`on-call gives up after ${OPERATOR_START_ATTEMPTS} tries`);
    }));
});
