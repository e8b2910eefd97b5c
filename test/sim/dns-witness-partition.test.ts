/**
 * What each side of a partition learns from Route 53 (sim/interceptors.ts): the real canary, in
 * the eventual-mode stack's simulated world, asks the DNS witness of the zone's name servers with
 * every probe. Cut off from each other, both regions still reach the name servers and get the same
 * answer — Route 53's data plane is in neither region — and their records say so; a region cut off
 * the name servers themselves records no answer, which the partition guard refuses on
 * (functions/domain/partition-guard.ts).
 *
 * What this cannot prove: Route 53's real propagation of a changed answer, which the simulation
 * does not model (answers change the moment health does).
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { controlKeys } from "../../lib/control-schema";
import { ROUTE53_NAME_SERVERS } from "../../sim/interceptors";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS), {});
});
afterAll(() => aws.dispose());

/** One canary probe in `region`, and the probe record it left in its own replica. */
async function probe(t: TestWorld, region: string) {
  await t.invoke(region, "canary", {}).catch(() => undefined); // a failed step (none expected here) still records the probe
  return t.control(region, controlKeys.probe(region, t.peerOf(region)));
}

describe("the DNS witness from each side of a partition", () => {
  it("gives both regions Route 53's one answer while they cannot reach each other", async () => {
    const t = aws.world();
    t.fault({ action: "network-partition", from: t.primary, to: t.secondary, paths: ["app", "replication"] });

    const [primary, secondary] = [await probe(t, t.primary), await probe(t, t.secondary)];

    expect(primary).toMatchObject({ lastStatus: 0, witnessAnswers: [t.primary] });
    expect(secondary).toMatchObject({ lastStatus: 0, witnessAnswers: [t.primary] });
    expect(primary?.witnessCheckedAt).toBe(primary?.lastCheckedAt);
  });

  it("records no answer (and no stale one) from a region cut off Route 53's name servers, after the resolver's timeout", async () => {
    const t = aws.world();
    expect(await probe(t, t.primary)).toMatchObject({ witnessAnswers: [t.primary] });
    t.fault({ action: "network-partition", from: t.primary, to: ROUTE53_NAME_SERVERS, paths: ["app"] });
    const before = t.now();

    const record = await probe(t, t.primary);

    expect(record).not.toHaveProperty("witnessAnswers");
    expect(record?.witnessCheckedAt).toBe(record?.lastCheckedAt);
    expect(t.now() - before).toBeGreaterThanOrEqual(4000);
    // The other side still asks and is answered.
    expect(await probe(t, t.secondary)).toMatchObject({ witnessAnswers: [t.primary] });
  });
});
