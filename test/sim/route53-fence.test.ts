/**
 * The fence that keeps DNS off a fenced primary is a Route 53 CLOUDWATCH_METRIC health check on
 * the secondary's primary-fenced alarm. Route 53 reads that alarm's DATA STREAM, not its state: once
 * the PrimaryFenced datapoints stop (the secondary's canary stopped publishing), the stream has
 * insufficient data, and the check's InsufficientDataHealthStatus decides. With "Healthy" (the stack
 * before the fix) the fence lifts itself after one silent period and DNS sends clients back to the
 * fenced primary; with "LastKnownStatus" (the stack now) the fence survives the silence.
 *
 * What this cannot prove: how many datapoints AWS considers "enough" (the simulation's harsher
 * reading: fewer than the alarm's datapointsToAlarm is insufficient), or Route 53's propagation delay.
 */
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const fenceCheck = (d: Deployment) =>
  d.healthChecks.find((c) => c.type === "CLOUDWATCH_METRIC" && c.alarm?.name.startsWith("primary-fenced"))!;

/** The secondary publishes PrimaryFenced=1 for two minutes, then falls silent for five. */
async function fenceThenSilence(t: TestWorld): Promise<{ whileFenced: string; afterSilence: string[] }> {
  const answer = () => t.world.route53.servingRegion() ?? "none";
  for (let s = 0; s < 120; s += 10) {
    t.world.metrics.put(t.secondary, "PaymentsDR", "PrimaryFenced", { Environment: t.deployment.environment }, 1, t.now());
    await t.advance(10_000);
  }
  const whileFenced = answer();
  const afterSilence: string[] = [];
  for (let m = 0; m < 5; m++) {
    await t.advance(60_000);
    afterSilence.push(answer());
  }
  return { whileFenced, afterSilence };
}

describe("the fence health check (Route 53 reads the alarm's data stream)", () => {
  it("keeps DNS off the fenced primary when the fence metric falls silent (LastKnownStatus, as deployed)", async () => {
    expect(fenceCheck(deployment).insufficientDataHealthStatus).toBe("LastKnownStatus");
    const aws = new SimulatedAws(deployment);
    try {
      const t = aws.world({ background: { alarms: true, route53: true, eventRules: false } });

      const { whileFenced, afterSilence } = await fenceThenSilence(t);

      expect(whileFenced).toBe(t.secondary);
      expect(afterSilence).toEqual(Array(5).fill(t.secondary));
    } finally {
      aws.dispose();
    }
  });

  it("lifts the fence by itself one silent period later when insufficient data counts as Healthy (the defect)", async () => {
    const broken = JSON.parse(JSON.stringify(deployment)) as Deployment;
    fenceCheck(broken).insufficientDataHealthStatus = "Healthy";
    const aws = new SimulatedAws(broken);
    try {
      const t = aws.world({ background: { alarms: true, route53: true, eventRules: false } });

      const { whileFenced, afterSilence } = await fenceThenSilence(t);

      expect(whileFenced).toBe(t.secondary);
      expect(afterSilence).toContain(t.primary);
      // The alarm itself stays in ALARM (treatMissingData ignore keeps its state): Route 53 does not look at it.
      expect(t.world.alarms.state(fenceCheck(broken).alarm!.name, t.secondary)).toBe("ALARM");
    } finally {
      aws.dispose();
    }
  });
});
