/**
 * Region outages overlap (sim/world.ts, outage/recover): the region answers again only when every
 * outage that began has ended. The sweep draws outages at random and once drew one inside a longer
 * one (`npm run sweep -- --runs 12 --seed 24 --shrink-runs 2`): the inner outage's end brought the
 * secondary back 70 s early, so the rehearsal judged a world nobody had asked for.
 */
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

it("keeps a region down until the last of its overlapping outages ends, in either order", () => {
  const t = aws.world();
  const { secondary } = t;
  const outer = t.fault({ action: "region-outage", region: secondary });
  const inner = t.fault({ action: "region-outage", region: secondary });

  inner();
  expect(t.world.reachability.isUp(secondary)).toBe(false);
  outer();
  expect(t.world.reachability.isUp(secondary)).toBe(true);

  const first = t.fault({ action: "region-outage", region: secondary });
  const second = t.fault({ action: "region-outage", region: secondary });
  first();
  expect(t.world.reachability.isUp(secondary)).toBe(false);
  second();
  second(); // a fault's stop runs once, however often it is called
  expect(t.world.reachability.isUp(secondary)).toBe(true);
});
