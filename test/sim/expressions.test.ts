import { applyUpdate, evaluateCondition, UnsupportedExpressionError } from "../../sim/dynamodb/expressions";

describe("applyUpdate (the simulated DynamoDB's update expressions)", () => {
  const item = { pk: "probe#a#b", consecutiveFailures: 2, firstFailedAt: 100, lastStatus: 0 };

  it("applies SET with if_not_exists and arithmetic", () => {
    const next = applyUpdate(
      "SET consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one, firstFailedAt = if_not_exists(firstFailedAt, :now)",
      item,
      undefined,
      {
        ":zero": 0,
        ":one": 1,
        ":now": 500,
      },
    );
    expect(next).toEqual({ ...item, consecutiveFailures: 3, firstFailedAt: 100 });
  });

  it("applies SET followed by REMOVE, as the canary writes a healthy probe", () => {
    const next = applyUpdate("SET lastStatus = :s, consecutiveFailures = :zero REMOVE firstFailedAt", item, undefined, {
      ":s": 200,
      ":zero": 0,
    });
    expect(next).toEqual({ pk: "probe#a#b", consecutiveFailures: 0, lastStatus: 200 });
  });

  it("applies REMOVE of several attributes, with names, before SET", () => {
    const next = applyUpdate("REMOVE #f, lastStatus SET consecutiveFailures = :zero", item, { "#f": "firstFailedAt" }, { ":zero": 0 });
    expect(next).toEqual({ pk: "probe#a#b", consecutiveFailures: 0 });
  });

  it.each([
    ["ADD consecutiveFailures :one", "only SET and REMOVE"],
    ["SET a = :v SET b = :v", "appears twice"],
    ["REMOVE", "empty REMOVE clause"],
    ["SET a = :v REMOVE", "empty REMOVE clause"],
  ])("rejects %j loudly", (expression, message) => {
    expect(() => applyUpdate(expression, item, undefined, { ":v": 1, ":one": 1 })).toThrow(UnsupportedExpressionError);
    expect(() => applyUpdate(expression, item, undefined, { ":v": 1, ":one": 1 })).toThrow(message);
  });
});

describe("evaluateCondition: document paths (a map's member)", () => {
  const authority = { pk: "authority", epoch: 4, states: { "us-east-1": "FENCED", "us-east-2": "ACTIVE" } };
  const names = { "#s": "states", "#r": "us-east-2" };

  it("compares a map member named by a path", () => {
    expect(evaluateCondition("#s.#r = :a AND epoch >= :e", authority, names, { ":a": "ACTIVE", ":e": 4 })).toBe(true);
    expect(evaluateCondition("#s.#r = :a", authority, { ...names, "#r": "us-east-1" }, { ":a": "ACTIVE" })).toBe(false);
  });

  it("treats a path through a missing or non-map attribute as missing (the comparison is false)", () => {
    expect(evaluateCondition("#s.#r = :a", { pk: "authority" }, names, { ":a": "ACTIVE" })).toBe(false);
    expect(evaluateCondition("epoch.#r = :a", authority, names, { ":a": "ACTIVE" })).toBe(false);
  });

  it("rejects a member of a value", () => {
    expect(() => evaluateCondition(":a.#r = :a", authority, names, { ":a": "ACTIVE" })).toThrow(UnsupportedExpressionError);
  });
});
