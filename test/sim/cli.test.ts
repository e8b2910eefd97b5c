/**
 * The rehearsal's command line: the default scenario, `all`, `--plan` (`npm run plan`), and usage
 * errors that name what is allowed (main.ts turns them into exit code 2; the end-to-end test
 * checks that, and config-deployment.test.ts runs `npm run plan` with flags).
 */
import { helpText, parseCli, UsageError } from "../../sim/rehearsal/cli";
import { SCENARIOS } from "../../sim/rehearsal/scenarios";

describe("the rehearsal's command line", () => {
  it("rehearses the full scenario by default", () => {
    expect(parseCli([])).toEqual({ scenarios: ["full"], json: false, verbose: false, plan: false, help: false });
  });

  it("takes a scenario by name, or all of them", () => {
    expect(parseCli(["--scenario", "drill", "--json"]).scenarios).toEqual(["drill"]);
    expect(parseCli(["--scenario", "all"]).scenarios).toEqual(SCENARIOS.map((s) => s.name));
  });

  it("rejects an unknown scenario, listing the allowed ones", () => {
    expect(() => parseCli(["--scenario", "meteor"])).toThrow(UsageError);
    expect(() => parseCli(["--scenario", "meteor"])).toThrow(
      /Unknown scenario "meteor". Allowed: full, drill, drill-secondary-cannot-write, replication-degraded, dns-stuck, flapping, duplicate-events, partition, partition-then-primary-dies, operator-race, failback-interrupted, gray-failure, late-outage, lagging-payments, witness-outage, all, steady/,
    );
  });

  it("rejects an unknown flag or a stray argument, listing the allowed flags", () => {
    expect(() => parseCli(["--fast"])).toThrow(/Unknown option '--fast'.*Allowed: --scenario/);
    expect(() => parseCli(["full"])).toThrow(/Allowed: --scenario/);
  });

  it("rejects an unknown fault", () => {
    expect(() => parseCli(["--fault", "gremlins"])).toThrow(UsageError);
    expect(() => parseCli(["--fault", "gremlins"])).toThrow(
      /--fault gremlins: unknown fault "gremlins"; known: .*Allowed: unfenced-primary/,
    );
  });

  it("documents every scenario in --help", () => {
    for (const s of SCENARIOS) expect(helpText()).toContain(s.name);
  });

  it("documents --plan, and --json with npm's --silent (npm's banner would otherwise land on stdout)", () => {
    expect(helpText()).toContain("--plan ");
    expect(helpText()).toContain("npm start --silent -- --json");
  });
});

describe("npm run plan (main.ts --plan)", () => {
  it("takes the same --config and --stack-file flags as npm start, parsed by the same code", () => {
    const argv = ["--config", "dnsTtlSeconds=30", "--stack-file", "Pulumi.example.yaml"];
    expect(parseCli(["--plan", ...argv])).toEqual({ ...parseCli(argv), plan: true });
    expect(parseCli(["--plan", ...argv]).config).toEqual([{ key: "dnsTtlSeconds", value: "30" }]);
  });

  it("rejects the flags that rehearse, saying the plan only prints and naming what it takes", () => {
    expect(() => parseCli(["--plan", "--scenario", "drill", "--json"])).toThrow(UsageError);
    expect(() => parseCli(["--plan", "--scenario", "drill", "--json"])).toThrow(
      /^--scenario, --json: not a plan option\. npm run plan \(npm start -- --plan\) only prints the offline plan; .*Allowed with npm run plan: --config <key>=<value>, --stack-file <path>, --help$/,
    );
    expect(() => parseCli(["--plan", "--fault", "unfenced-primary"])).toThrow(/^--fault: not a plan option/);
  });

  it("rejects an unknown flag, listing only what the plan takes", () => {
    expect(() => parseCli(["--plan", "--fast"])).toThrow(/Unknown option '--fast'.*Allowed with npm run plan: --config/);
  });

  it("rejects an unknown config key as npm start does", () => {
    expect(() => parseCli(["--plan", "--config", "nope=1"])).toThrow(/Unknown config key "nope"/);
  });

  it("has its own --help, which names npm run plan and only its flags", () => {
    const help = helpText({ plan: true });
    expect(help).toMatch(/^Usage: npm run plan -- \[--config <key>=<value>\]\.\.\. \[--stack-file <path>\]/);
    expect(help).not.toContain("--scenario");
  });
});
