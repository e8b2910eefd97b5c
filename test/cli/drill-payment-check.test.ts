/**
 * `drctl drill --allow-no-traffic --max-failure-percent <n>`: the drill input's paymentCheck (how
 * the check after the hold judges the payments the secondary took); bad values and a dry-run are
 * refused before any AWS call.
 */
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { acceptStartExecution, allCalls, drctl, resetMocks, sfn, standardParameters } from "./support/harness";
import { SECONDARY } from "./support/fixtures";

beforeEach(() => {
  resetMocks();
  standardParameters();
  acceptStartExecution();
});

const startedInput = () => {
  const calls = sfn.commandCalls(StartExecutionCommand);
  expect(calls).toHaveLength(1);
  return JSON.parse(calls[0].args[0].input.input as string);
};

describe("drctl drill's payment check options", () => {
  it("sends no paymentCheck without the flags (the machine's strict default applies)", async () => {
    const out = await drctl(["drill", "--hold", "300", "--confirm", "us-east-2", "--no-follow"]);

    expect(out.code).toBe(0);
    expect(startedInput()).toEqual({ mode: "drill", targetRegion: SECONDARY, holdSeconds: 300, requestedBy: "alice" });
  });

  it("asks for a lenient check with --allow-no-traffic and --max-failure-percent", async () => {
    const out = await drctl([
      "drill",
      "--hold",
      "600",
      "--allow-no-traffic",
      "--max-failure-percent",
      "2.5",
      "--confirm",
      "us-east-2",
      "--no-follow",
    ]);

    expect(out.code).toBe(0);
    expect(startedInput()).toEqual({
      mode: "drill",
      targetRegion: SECONDARY,
      holdSeconds: 600,
      paymentCheck: { allowNoTraffic: true, maxFailurePercent: 2.5 },
      requestedBy: "alice",
    });
  });

  it.each([["150"], ["-1"], ["lots"], [""]])("refuses --max-failure-percent %j before any AWS call", async (value) => {
    const out = await drctl(["drill", "--max-failure-percent", value, "--confirm", "us-east-2"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--max-failure-percent takes a number from 0 to 100");
    expect(allCalls()).toBe(0);
  });

  it("refuses them with --dry-run (a dry-run holds no traffic to check)", async () => {
    const out = await drctl(["drill", "--allow-no-traffic", "--dry-run"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("error: option '--allow-no-traffic' cannot be used with option '--dry-run'");
    expect(allCalls()).toBe(0);
  });
});
