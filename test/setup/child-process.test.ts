/**
 * The harness that bounds the end-to-end tests: a command is stopped when it uses more CPU than
 * its budget, or no CPU at all for too long, and otherwise runs as long as the machine needs.
 * What this cannot prove: budgets on a system without /proc (there the helper falls back to a
 * wall-clock limit, which these tests do not exercise on Linux).
 */
import { existsSync } from "node:fs";
import { runChild } from "./child-process";
import { budgetExceeded } from "./cpu";

const linux = existsSync("/proc/self/stat");
const node = process.execPath;

describe("runChild", () => {
  it("returns the exit code, the output and the CPU the command used", async () => {
    const r = await runChild(node, ["-e", "console.log('out'); console.error('err'); process.exit(3)"], { budget: { cpuSeconds: 10 } });
    expect(r).toMatchObject({ code: 3, stdout: "out\n", stderr: "err\n" });
    if (linux) expect(r.cpuSeconds).toEqual(expect.any(Number));
  });

  (linux ? it : it.skip)("stops a command that uses more CPU than its budget, saying so", async () => {
    await expect(runChild(node, ["-e", "for (;;) {}"], { budget: { cpuSeconds: 0.3 } })).rejects.toThrow(
      /stopped `.* -e for \(;;\) \{\}`: it used [\d.]+ s of CPU, over its budget of 0.3 s/,
    );
  });

  (linux ? it : it.skip)("counts the CPU of the processes the command starts (sh, then node, as npm starts a script)", async () => {
    await expect(runChild(`${node} -e 'for (;;) {}'`, [], { shell: true, budget: { cpuSeconds: 0.3 } })).rejects.toThrow(
      /over its budget of 0.3 s/,
    );
  });

  (linux ? it : it.skip)("stops a command that uses no CPU for its stall limit (waiting for something that never comes)", async () => {
    await expect(runChild(node, ["-e", "setTimeout(() => {}, 1e9)"], { budget: { cpuSeconds: 10, stallSeconds: 0.5 } })).rejects.toThrow(
      /used no CPU for 0.5 s \(hung\?\)/,
    );
  });
});

describe("the per-test CPU budget", () => {
  it("counts the CPU this process spends, not the time it waits", async () => {
    // In a fresh process: a jest worker's clock also counts its GC and other threads, which on a
    // loaded CI machine spent 0.49 s during a 300 ms wait and failed this test.
    const measure = [
      'const { cpuSecondsNow } = require("./test/setup/cpu.ts");',
      "const before = cpuSecondsNow();",
      "setTimeout(() => {",
      "  const waited = cpuSecondsNow() - before;",
      "  const busyUntil = Date.now() + 300;",
      "  while (Date.now() < busyUntil) Math.sqrt(Math.random());",
      "  console.log(JSON.stringify({ waited, busy: cpuSecondsNow() - before - waited }));",
      "}, 300);",
    ].join("\n");
    const r = await runChild(node, ["--import", "tsx", "-e", measure], { budget: { cpuSeconds: 30 } });
    const { waited, busy } = JSON.parse(r.stdout) as { waited: number; busy: number };
    expect(waited).toBeLessThan(0.1);
    expect(busy).toBeGreaterThan(waited); // on a busy machine the loop gets less than 0.3 s, never nothing
  });

  it("fails a test over its budget, naming what it used and how to raise it", () => {
    expect(budgetExceeded(59.9, 60)).toBeUndefined();
    expect(budgetExceeded(60, 60)).toBeUndefined();
    expect(budgetExceeded(61.25, 60)?.message).toBe(
      "This test used 61.3 CPU seconds, over its budget of 60 s (test/setup/timeouts.ts): a runaway, or a test that grew and must say so with cpuBudget().",
    );
  });
});
