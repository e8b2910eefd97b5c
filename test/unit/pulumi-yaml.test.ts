import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, parseConfig } from "../../infra/config";

const root = join(__dirname, "..", "..");
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
const example = parse(readFileSync(join(root, "Pulumi.example.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("declares the project, runtime and entry point", () => {
    expect(project.name).toBe("payments-dr");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.main).toBe("infra/index.ts");
  });

  it("describes exactly the keys infra/config.ts validates", () => {
    expect(Object.keys(project.config).sort()).toEqual([...CONFIG_KEYS].sort());
    for (const [key, schema] of Object.entries<any>(project.config)) {
      expect({ key, description: typeof schema.description }).toEqual({ key, description: "string" });
    }
  });

  it("states the same defaults infra/config.ts applies", () => {
    const defaults = parseConfig({ hostedZoneName: "payments.example.com" }, "dev") as Record<string, unknown>;
    for (const [key, schema] of Object.entries<any>(project.config)) {
      if ("default" in schema) expect({ key, value: schema.default }).toEqual({ key, value: defaults[key] });
    }
  });

  it("types each key as infra/config.ts expects", () => {
    const defaults = parseConfig({ hostedZoneName: "payments.example.com" }, "dev") as Record<string, unknown>;
    const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
    for (const [key, schema] of Object.entries<any>(project.config)) {
      const value = defaults[key];
      if (value === undefined) continue;
      const expected = schema.type === "number" ? "integer|number" : schema.type;
      expect({ key, type: typeOf(value) }).toEqual({ key, type: expect.stringMatching(new RegExp(`^(${expected})$`)) });
    }
  });

  it("ships an example stack file that validates", () => {
    const raw = Object.fromEntries(Object.entries<any>(example.config).map(([k, v]) => [k.replace(/^payments-dr:/, ""), v]));
    expect(() => parseConfig(raw, "prod")).not.toThrow();
  });
});
