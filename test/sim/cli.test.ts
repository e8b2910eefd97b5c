/**
 * The rehearsal's command line: the default scenario, `all`, and usage errors that name what is
 * allowed (main.ts turns them into exit code 2; the end-to-end test checks that).
 */
import { helpText, parseCli, UsageError } from "../../sim/rehearsal/cli";
import { SCENARIOS } from "../../sim/rehearsal/scenarios";

describe("the rehearsal's command line", () => {
  it("rehearses the full scenario by default", () => {
    expect(parseCli([])).toEqual({ scenarios: ["full"], json: false, verbose: false, help: false });
  });

  it("takes a scenario by name, or all of them", () => {
    expect(parseCli(["--scenario", "drill", "--json"]).scenarios).toEqual(["drill"]);
    expect(parseCli(["--scenario", "all"]).scenarios).toEqual(SCENARIOS.map((s) => s.name));
  });

  it("rejects an unknown scenario, listing the allowed ones", () => {
    expect(() => parseCli(["--scenario", "meteor"])).toThrow(UsageError);
    expect(() => parseCli(["--scenario", "meteor"])).toThrow(
      /Unknown scenario "meteor". Allowed: full, drill, replication-degraded, dns-stuck, flapping, duplicate-events, all/,
    );
  });

  it("rejects an unknown flag or a stray argument, listing the allowed flags", () => {
    expect(() => parseCli(["--fast"])).toThrow(/Unknown option '--fast'.*Allowed: --scenario/);
    expect(() => parseCli(["full"])).toThrow(/Allowed: --scenario/);
  });

  it("rejects an unknown fault", () => {
    expect(() => parseCli(["--fault", "gremlins"])).toThrow(/Unknown fault "gremlins". Allowed: unfenced-primary/);
  });

  it("documents every scenario in --help", () => {
    for (const s of SCENARIOS) expect(helpText()).toContain(s.name);
  });
});
