import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseConfig, rawConfigFromStack } from "../../infra/core/config";

const root = join(__dirname, "..", "..");
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
const example = parse(readFileSync(join(root, "Pulumi.example.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("declares the project, runtime and entry point", () => {
    expect(project.name).toBe("payments-dr");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.main).toBe("infra/index.ts");
  });

  it("describes exactly the keys infra/core/config.ts validates", () => {
    expect(Object.keys(project.config).sort()).toEqual([...CONFIG_KEYS].sort());
    for (const [key, schema] of Object.entries<any>(project.config)) {
      expect({ key, description: typeof schema.description }).toEqual({ key, description: "string" });
    }
  });

  it('states the same defaults infra/core/config.ts applies ("" for the optional strings, read as not set)', () => {
    const defaults = parseConfig({ hostedZoneName: "payments.example.com", delegationSetId: "N0123456789ABC" }, "dev") as Record<
      string,
      unknown
    >;
    const optionalStrings: Record<string, unknown> = { hostedZoneId: undefined, delegationSetId: "N0123456789ABC", environment: "dev" };
    for (const [key, schema] of Object.entries<any>(project.config)) {
      if (key in optionalStrings) {
        expect({ key, value: schema.default }).toEqual({ key, value: "" });
        expect({ key, value: defaults[key] }).toEqual({ key, value: optionalStrings[key] });
      } else if ("default" in schema) expect({ key, value: schema.default }).toEqual({ key, value: defaults[key] });
    }
  });

  it("gives every key but hostedZoneName a default (Pulumi requires a value for a declared key without one)", () => {
    const withoutDefault = Object.entries<any>(project.config)
      .filter(([, schema]) => !("default" in schema))
      .map(([key]) => key);
    expect(withoutDefault).toEqual(["hostedZoneName"]);
  });

  it("uses only the types and fields Pulumi's project schema allows", () => {
    // sdk/go/common/workspace/project.json: simpleConfigType and configTypeDeclaration.
    for (const [key, schema] of Object.entries<any>(project.config)) {
      expect({ key, type: schema.type }).toEqual({ key, type: expect.stringMatching(/^(string|integer|boolean|array)$/) });
      expect({
        key,
        fields: Object.keys(schema).filter((f) => !["type", "items", "description", "secret", "default"].includes(f)),
      }).toEqual({ key, fields: [] });
      if (schema.type === "array") expect({ key, items: typeof schema.items?.type }).toEqual({ key, items: "string" });
    }
  });

  it('reads Pulumi\'s "" defaults of the optional strings as not set', () => {
    const fromStack = rawConfigFromStack({
      "payments-dr:hostedZoneName": "payments.example.com",
      "payments-dr:hostedZoneId": "",
      "payments-dr:delegationSetId": "",
      "payments-dr:environment": "",
      "payments-dr:rpoSeconds": "60",
      "payments-dr:alertEmails": "[]",
      "aws:region": "us-east-1",
    });
    expect(fromStack).toEqual({ hostedZoneName: "payments.example.com", rpoSeconds: 60, alertEmails: [] });
    const config = parseConfig({ ...fromStack, delegationSetId: "N0123456789ABC" }, "prod");
    expect(config.environment).toBe("prod");
    expect(config.hostedZoneId).toBeUndefined();
    expect(rawConfigFromStack({ "payments-dr:hostedZoneId": "Z0123456789ABC", "payments-dr:environment": "qa" })).toEqual({
      hostedZoneId: "Z0123456789ABC",
      environment: "qa",
    });
  });

  it("types each key as infra/core/config.ts expects", () => {
    const defaults = parseConfig({ hostedZoneName: "payments.example.com", delegationSetId: "N0123456789ABC" }, "dev") as Record<
      string,
      unknown
    >;
    const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
    for (const [key, schema] of Object.entries<any>(project.config)) {
      const value = defaults[key];
      if (value === undefined) continue;
      expect({ key, type: typeOf(value) }).toEqual({ key, type: schema.type });
    }
  });

  it("ships an example stack file that validates", () => {
    const raw = Object.fromEntries(Object.entries<any>(example.config).map(([k, v]) => [k.replace(/^payments-dr:/, ""), v]));
    expect(() => parseConfig(raw, "prod")).not.toThrow();
  });
});
