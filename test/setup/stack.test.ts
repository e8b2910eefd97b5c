/**
 * test/support/stack.ts keeps one evaluation per config a file asks for. It once kept one per
 * file: a second config asked for in the same file silently got the first one's stack (found when
 * create-payment-deadline.test.ts ran one world per mode and the eventual one was strong).
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { ofType, stack } from "../support/stack";

const dataConsistency = async (options?: Parameters<typeof stack>[0]) =>
  new Set(
    ofType(await stack(options), "aws:lambda/function:Function")
      .map((f) => f.inputs.environment?.variables?.DATA_CONSISTENCY)
      .filter((mode) => mode !== undefined),
  );

it("gives each config its own evaluation within one file, in either order", async () => {
  expect(await dataConsistency()).toEqual(new Set(["strong"]));
  expect(await dataConsistency(EVENTUAL_OFFLINE_OPTIONS)).toEqual(new Set(["eventual"]));
  expect(await dataConsistency()).toEqual(new Set(["strong"]));
  expect(await stack(EVENTUAL_OFFLINE_OPTIONS)).toBe(await stack({ ...EVENTUAL_OFFLINE_OPTIONS }));
});
