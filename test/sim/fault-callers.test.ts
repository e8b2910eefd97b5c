/**
 * An API fault scoped to the calling function (`callers`): it hits what those functions call and
 * nothing else, so a scenario can break one function's writes (a broken grant of its role, its
 * key) while the rest of the region — the canary's heartbeats in the same table — still works.
 */
import { callMatches } from "../../sim/faults";

const call = { service: "dynamodb", operation: "PutItem", region: "us-east-2", from: "us-east-2", resource: "payments-global-dev" };

describe("an API fault scoped to callers", () => {
  it.each([
    ["create-payment-us-east-2-dev", true],
    ["process-payment-us-east-2-dev", true],
    ["canary-us-east-2-dev", false],
    [undefined, false],
  ])("hits a call made by %s: %s", (caller, hits) => {
    const fault = { service: "dynamodb", resource: "payments-global", callers: ["create-payment-", "process-payment-"] };
    expect(callMatches(fault, { ...call, ...(caller ? { caller } : {}) })).toBe(hits);
  });

  it("hits every caller when it names none", () => {
    expect(callMatches({ service: "dynamodb" }, { ...call, caller: "canary-us-east-2-dev" })).toBe(true);
    expect(callMatches({ service: "dynamodb" }, call)).toBe(true);
  });
});
