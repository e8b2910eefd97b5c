/**
 * Route 53's decisions as the rehearsal simulates them (pure parts): a checker flips after
 * `failureThreshold` consecutive results, an endpoint is healthy while more than 18% of checkers
 * say so, and a failover pair answers PRIMARY, else a healthy SECONDARY, else fails open.
 * What this cannot prove: Route 53's real timing (checker spread, propagation of answers).
 */
import { endpointHealthy, failoverAnswer, nextCheckerView, type CheckerView } from "../../sim/route53/model";

const healthy: CheckerView = { healthy: true, streak: 0 };

describe("a Route 53 health checker's view of an endpoint", () => {
  it("turns unhealthy only after failureThreshold consecutive failures", () => {
    let view = healthy;
    view = nextCheckerView(view, false, 3);
    view = nextCheckerView(view, false, 3);
    expect(view.healthy).toBe(true);
    view = nextCheckerView(view, false, 3);
    expect(view).toEqual({ healthy: false, streak: 0 });
  });

  it("restarts the count when a check passes in between", () => {
    let view = healthy;
    for (const passed of [false, false, true, false, false]) view = nextCheckerView(view, passed, 3);
    expect(view.healthy).toBe(true);
  });

  it("needs the same number of consecutive successes to become healthy again", () => {
    let view: CheckerView = { healthy: false, streak: 0 };
    view = nextCheckerView(view, true, 3);
    view = nextCheckerView(view, true, 3);
    expect(view.healthy).toBe(false);
    expect(nextCheckerView(view, true, 3).healthy).toBe(true);
  });
});

describe("an endpoint's status across checkers", () => {
  const views = (n: number, of: number) => Array.from({ length: of }, (_, i) => ({ healthy: i < n, streak: 0 }));
  it("is healthy while more than 18% of the checkers see it healthy", () => {
    expect(endpointHealthy(views(2, 8))).toBe(true);
    expect(endpointHealthy(views(1, 8))).toBe(false);
    expect(endpointHealthy(views(0, 8))).toBe(false);
  });
});

describe("the answer of a failover record pair", () => {
  const pair = [
    { failover: "PRIMARY", region: "us-east-1" },
    { failover: "SECONDARY", region: "us-east-2" },
  ];
  const answer = (primaryHealthy: boolean, secondaryHealthy: boolean) =>
    failoverAnswer(pair, (r) => (r.failover === "PRIMARY" ? primaryHealthy : secondaryHealthy))?.region;

  it("is the primary while it is healthy", () => expect(answer(true, true)).toBe("us-east-1"));
  it("is the secondary when only the secondary is healthy", () => expect(answer(false, true)).toBe("us-east-2"));
  it("fails open to the primary when every record is unhealthy", () => expect(answer(false, false)).toBe("us-east-1"));
});
