/**
 * `npm start -- --config <key>=<value>` and `--stack-file <path>`: how the flags are read, decoded
 * and validated before anything is evaluated (main.ts turns a ConfigFlagError into exit code 2;
 * scenarios.test.ts checks that end to end). Whether a value then reaches the deployment is
 * config-deployment.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseConfig } from "../../infra/core/config";
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/evaluate";
import { parseCli } from "../../sim/rehearsal/cli";
import {
  ConfigFlagError,
  parseConfigAssignment,
  rehearsalConfig,
  renderConfiguration,
  stackNameOf,
} from "../../sim/rehearsal/config-flags";

const ROOT = join(__dirname, "..", "..");
const EXAMPLE = join(ROOT, "Pulumi.example.yaml");
const dir = mkdtempSync(join(tmpdir(), "rehearsal-stack-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stackFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const fromFlags = (...argv: string[]) => rehearsalConfig(parseCli(argv));

describe("--config <key>=<value>", () => {
  it("collects every --config flag in order, the key without namespace and the value as typed", () => {
    const options = parseCli([
      "--config",
      "healthCheckIntervalSeconds=30",
      "--config",
      "payments-dr:dnsTtlSeconds=15",
      "--config",
      "hostedZoneName=pay.example.org",
    ]);
    expect(options.config).toEqual([
      { key: "healthCheckIntervalSeconds", value: "30" },
      { key: "dnsTtlSeconds", value: "15" },
      { key: "hostedZoneName", value: "pay.example.org" },
    ]);
  });

  it("leaves the options without config when no flag is given", () => {
    expect(parseCli(["--scenario", "drill"])).not.toHaveProperty("config");
    expect(parseCli(["--scenario", "drill"])).not.toHaveProperty("stackFile");
  });

  it("keeps everything after the first = as the value", () => {
    expect(parseConfigAssignment('alertEmails=["a@example.com"]')).toEqual({ key: "alertEmails", value: '["a@example.com"]' });
    expect(parseConfigAssignment("environment=a=b")).toEqual({ key: "environment", value: "a=b" });
  });

  it("rejects an unknown key, naming it and listing the allowed keys", () => {
    expect(() => parseCli(["--config", "nope=1"])).toThrow(ConfigFlagError);
    expect(() => parseCli(["--config", "nope=1"])).toThrow(
      /Unknown config key "nope" \(--config nope=1\)\. Allowed keys \(docs\/configuration.md\): hostedZoneName, .*healthCheckIntervalSeconds/,
    );
  });

  it("rejects a flag that is not <key>=<value>", () => {
    expect(() => parseCli(["--config", "healthCheckIntervalSeconds"])).toThrow(
      /--config "healthCheckIntervalSeconds" is not <key>=<value>/,
    );
    expect(() => parseCli(["--config", "=30"])).toThrow(/is not <key>=<value>/);
  });

  it("reads values as JSON when they parse, else as strings, the way the program reads a stack", () => {
    const c = fromFlags(
      "--config",
      "healthCheckIntervalSeconds=30",
      "--config",
      "autoFailover=false",
      "--config",
      'alertEmails=["oncall@example.org"]',
      "--config",
      "hostedZoneName=pay.example.org",
    );
    expect(c.config).toEqual({
      hostedZoneName: "pay.example.org",
      delegationSetId: "N0123456789EXAMPLE",
      healthCheckIntervalSeconds: 30,
      autoFailover: false,
      alertEmails: ["oncall@example.org"],
    });
    expect(c.resolved).toMatchObject({
      healthCheckIntervalSeconds: 30,
      autoFailover: false,
      healthCheckFailureThreshold: 3,
      environment: "dev",
    });
    expect(c.stack).toBe("dev");
  });

  it("keeps string keys as strings even when the value parses as JSON", () => {
    // 123 would be a number for any other key; environment is a string, so the message quotes it.
    expect(() => fromFlags("--config", "environment=123")).toThrow(/payments-dr:environment = "123": must be 1-12 characters/);
  });

  it("lets the last flag for a key win", () => {
    expect(
      fromFlags("--config", "healthCheckFailureThreshold=5", "--config", "healthCheckFailureThreshold=2").resolved
        .healthCheckFailureThreshold,
    ).toBe(2);
  });

  it("rejects a value the program would refuse, naming the key, the value, what is allowed and where it came from", () => {
    let error: unknown;
    try {
      fromFlags("--config", "healthCheckIntervalSeconds=20", "--config", "dnsTtlSeconds=600");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigFlagError);
    expect((error as Error).message).toContain(
      "payments-dr:healthCheckIntervalSeconds = 20: must be 10 or 30 (the only intervals Route 53 offers) [from --config]",
    );
    expect((error as Error).message).toMatch(/payments-dr:dnsTtlSeconds = 600: .*60.* \[from --config\]/);
  });

  it("rejects the same region twice (the program's cross-field rule)", () => {
    expect(() => fromFlags("--config", "primaryRegion=us-east-2")).toThrow(
      /payments-dr:secondaryRegion = "us-east-2": must differ from primaryRegion/,
    );
  });

  it("rejects an existing hosted zone, which the simulated world cannot stand in for", () => {
    // The rehearsal's defaults name a delegation set; an empty value unsets it, as in a stack.
    expect(() => fromFlags("--config", "hostedZoneId=Z0123456789ABCDEFGHIJ", "--config", "delegationSetId=")).toThrow(
      /payments-dr:hostedZoneId = "Z0123456789ABCDEFGHIJ" \[from --config\]: valid for the stack, but the rehearsal simulates the zone the stack creates/,
    );
  });

  it("lists only the keys that differ from the defaults, with where they came from", () => {
    const c = fromFlags("--config", "healthCheckIntervalSeconds=30", "--config", "healthCheckFailureThreshold=3");
    expect(c.nonDefault).toEqual([{ key: "healthCheckIntervalSeconds", value: 30, source: "--config" }]);
    expect(renderConfiguration(c)).toBe(
      "Configuration (not the defaults): healthCheckIntervalSeconds=30 (--config); every other key at its default",
    );
    expect(renderConfiguration(fromFlags())).toMatch(/^Configuration: the defaults/);
  });
});

describe("--stack-file <path>", () => {
  it("reads the config: map of Pulumi.example.yaml, typed as Pulumi hands it to the program", () => {
    const c = fromFlags("--stack-file", EXAMPLE);
    expect(c.stack).toBe("example");
    expect(c.config).toMatchObject({
      hostedZoneName: "payments.example.com",
      healthCheckIntervalSeconds: 10,
      alertEmails: ["oncall@example.com"],
      autoFailover: true,
    });
    expect(c.resolved.environment).toBe("example");
    expect(c.nonDefault).toEqual([{ key: "alertEmails", value: ["oncall@example.com"], source: "Pulumi.example.yaml" }]);
  });

  it("applies --config flags on top of the file", () => {
    const c = fromFlags("--stack-file", EXAMPLE, "--config", "healthCheckFailureThreshold=2");
    expect(c.resolved).toMatchObject({ healthCheckFailureThreshold: 2, alertEmails: ["oncall@example.com"] });
    expect(c.nonDefault.map((n) => `${n.key} ${n.source}`)).toEqual([
      "healthCheckFailureThreshold --config",
      "alertEmails Pulumi.example.yaml",
    ]);
  });

  it("names the stack after a Pulumi.<stack>.yaml file, else rehearses the dev stack", () => {
    expect(stackNameOf("/somewhere/Pulumi.prod.yaml")).toBe("prod");
    expect(stackNameOf("my-settings.yaml")).toBe("dev");
  });

  it("skips other namespaces and rejects an unknown payments-dr key, naming the file", () => {
    const path = stackFile(
      "Pulumi.extra.yaml",
      "config:\n  aws:region: eu-west-1\n  payments-dr:hostedZoneName: pay.example.org\n  payments-dr:healthCheckIntervall: 30\n",
    );
    expect(() => fromFlags("--stack-file", path)).toThrow(
      /Unknown config key "healthCheckIntervall" \(in --stack-file .*Pulumi.extra.yaml\)\. Allowed keys/,
    );
  });

  it("rejects an invalid value in the file, saying it came from the file", () => {
    const path = stackFile(
      "Pulumi.slow.yaml",
      "config:\n  payments-dr:hostedZoneName: pay.example.org\n  payments-dr:healthCheckIntervalSeconds: 60\n",
    );
    expect(() => fromFlags("--stack-file", path)).toThrow(
      /payments-dr:healthCheckIntervalSeconds = 60: must be 10 or 30 .*\[from Pulumi.slow.yaml\]/,
    );
  });

  it("rejects a file it cannot read, that is not YAML or has no config: map", () => {
    expect(() => fromFlags("--stack-file", join(dir, "missing.yaml"))).toThrow(/Cannot read --stack-file .*missing.yaml: ENOENT/);
    expect(() => fromFlags("--stack-file", stackFile("bad.yaml", "config:\n  a: [1,\n"))).toThrow(
      /--stack-file .*bad.yaml is not valid YAML/,
    );
    expect(() => fromFlags("--stack-file", stackFile("empty.yaml", "encryptionsalt: abc\n"))).toThrow(
      /--stack-file .*empty.yaml has no "config:" map/,
    );
  });
});

describe("Pulumi.example.yaml, the full example stack file", () => {
  const text = readFileSync(EXAMPLE, "utf8");
  /** Every `payments-dr:` key line, set or commented out, in file order. */
  const lines = [...text.matchAll(/^ {2}(# )?payments-dr:(\w+): ?(.*)$/gm)].map((m) => ({
    key: m[2],
    commented: m[1] !== undefined,
    rest: m[3],
  }));
  const defaults = parseConfig(DEFAULT_OFFLINE_CONFIG, "dev") as Record<string, unknown>;
  const set = Object.fromEntries(Object.entries<unknown>(parse(text).config).map(([k, v]) => [k.replace(/^payments-dr:/, ""), v]));

  it("names every key infra/core/config.ts reads, once, in its order", () => {
    expect(lines.map((l) => l.key)).toEqual(CONFIG_KEYS);
  });

  /** Keys without a default that a stack must set (the zone and how it is delegated), and an example address. */
  const EXAMPLES = ["hostedZoneName", "delegationSetId", "alertEmails"];

  it("sets each key to the default the program applies, but for the zone, its delegation and an example address", () => {
    for (const key of Object.keys(set)) {
      if (EXAMPLES.includes(key)) continue;
      expect({ key, value: set[key] }).toEqual({ key, value: defaults[key] });
    }
    expect(set.alertEmails).toEqual(["oncall@example.com"]);
    expect(defaults.delegationSetId).toBe(set.delegationSetId);
  });

  it("comments out exactly the keys whose default is not a value (not set, or the stack's name), each with a value the program accepts", () => {
    const commented = lines.filter((l) => l.commented);
    expect(commented.map((l) => l.key)).toEqual(["hostedZoneId", "environment"]);
    expect(defaults.hostedZoneId).toBeUndefined();
    expect(defaults.environment).toBe("dev");
    for (const { key, rest } of commented) {
      const value = rest.replace(/\s+#.*$/, "");
      // An existing zone replaces the delegation set (the file's comment says so).
      const others = key === "hostedZoneId" ? { ...set, delegationSetId: undefined } : set;
      expect(() => parseConfig({ ...others, [key]: value }, "example")).not.toThrow();
    }
  });
});
