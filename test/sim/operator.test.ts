/**
 * On-call in the rehearsal (sim/rehearsal/operator.ts): a `drctl` start that fails is retried a
 * minute later, as a person would, each failure in the timeline; after the last try the error
 * stands. (Before, the first failure escaped the scenario: the sweep over the full base hid it.)
 */
import { OPERATOR_RETRY_MS, OPERATOR_START_ATTEMPTS, Operator } from "../../sim/rehearsal/operator";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const input = (region: string) => ({ mode: "failback", targetRegion: region, requestedBy: "oncall@example.com", reason: "test" });

describe("on-call starting a run through drctl", () => {
  it("tries again a minute later while the region's API does not answer, and starts the run once it does", async () => {
    const t = aws.world({ latency: "none" });
    try {
      const operator = new Operator(
        t.deployment,
        t.world.timeline,
        () => t.clock.now(),
        (ms) => t.clock.sleep(ms),
      );
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
      const notes = t.world.timeline.entries.filter((e) => e.kind === "operator").map((e) => e.text);
      expect(notes.filter((n) => n.includes("on-call tries again in 60 s")).length).toBeGreaterThanOrEqual(1);
    } finally {
      t.dispose();
    }
  });

  it(`gives up after ${OPERATOR_START_ATTEMPTS} tries, saying so, and the error stands`, async () => {
    const t = aws.world({ latency: "none" });
    try {
      const operator = new Operator(
        t.deployment,
        t.world.timeline,
        () => t.clock.now(),
        (ms) => t.clock.sleep(ms),
      );
      t.fault({ action: "region-outage", region: t.primary });
      let failure: Error | undefined;
      void operator.start(t.primary, "failback-test-2", input(t.primary), "on-call runs drctl failback").catch((e: Error) => {
        failure = e;
      });
      await t.until(() => failure !== undefined, 2 * OPERATOR_START_ATTEMPTS * OPERATOR_RETRY_MS);

      expect(failure?.name).toBe("TimeoutError");
      const notes = t.world.timeline.entries.filter((e) => e.kind === "operator").map((e) => e.text);
      expect(notes.filter((n) => n.includes("tries again")).length).toBe(OPERATOR_START_ATTEMPTS - 1);
      expect(notes.at(-1)).toContain(`on-call gives up after ${OPERATOR_START_ATTEMPTS} tries`);
    } finally {
      t.dispose();
    }
  });
});
