/**
 * The seed sweep's command line (scripts/rehearsal-sweep.ts): bad flags are refused before
 * anything is evaluated or rehearsed, naming what is allowed. The sweep itself takes minutes and
 * is run by hand (README, Measurements); what it runs is runScenario, tested everywhere else.
 */
import { runTsx } from "../setup/child-process";

const sweep = (args: string[]) => runTsx("scripts/rehearsal-sweep.ts", args, { budget: { cpuSeconds: 60 } });

describe("npx tsx scripts/rehearsal-sweep.ts", () => {
  it("refuses a seed count that is not a positive integer, with the usage", async () => {
    const r = await sweep(["--seeds", "0"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('--seeds must be a positive integer, got "0"');
    expect(r.stderr).toContain("usage: npx tsx scripts/rehearsal-sweep.ts [--seeds <positive integer>] [--scenario <name>]");
  });

  it("refuses an unknown scenario, listing the scenarios there are", async () => {
    const r = await sweep(["--seeds", "1", "--scenario", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^--scenario must be one of full, drill, .*witness-outage; got "nope"\n$/);
  });

  it("refuses an unknown flag", async () => {
    const r = await sweep(["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });
});
