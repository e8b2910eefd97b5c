/**
 * `drctl drill --restore-rehearsal [table]`: the drill's input asks for a restore rehearsal (after
 * the failback, a point-in-time copy of the table restored into a scratch table, checked, deleted);
 * the confirmation says so; a table the rehearsal does not know, or a dry-run, is refused before any
 * AWS call, naming what is allowed.
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

describe("drctl drill --restore-rehearsal", () => {
  it.each([[["--restore-rehearsal"]], [["--restore-rehearsal", "payments"]]])(
    "asks the drill for a restore rehearsal of the payments table (%j), and says so before the region is typed",
    async (flags) => {
      const out = await drctl(["drill", "--hold", "300", ...flags, "--no-follow"], { tty: "us-east-2\n" });

      expect(out.code).toBe(0);
      expect(out.stderr).toContain(
        "then back. Then restores a point-in-time copy of the payments table into a scratch table in us-east-2, checks it and deletes it.\nType the region to confirm (us-east-2): ",
      );
      expect(startedInput()).toEqual({
        mode: "drill",
        targetRegion: SECONDARY,
        holdSeconds: 300,
        restoreRehearsal: { table: "payments" },
        requestedBy: "alice",
      });
    },
  );

  it("refuses a table the rehearsal does not restore, naming the one it does, before any AWS call", async () => {
    const out = await drctl(["drill", "--restore-rehearsal", "idempotency", "--confirm", "us-east-2"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      "error: option '--restore-rehearsal [table]' argument 'idempotency' is invalid. Allowed choices are payments.",
    );
    expect(allCalls()).toBe(0);
  });

  it("refuses it with --dry-run (a dry-run changes nothing, and a restore creates a table)", async () => {
    const out = await drctl(["drill", "--restore-rehearsal", "--dry-run"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("error: option '--restore-rehearsal [table]' cannot be used with option '--dry-run'");
    expect(allCalls()).toBe(0);
  });
});
