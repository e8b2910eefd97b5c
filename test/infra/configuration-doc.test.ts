import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS, parseConfig } from "../../infra/core/config";

const doc = readFileSync(join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");
const rows = new Map([...doc.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]));

describe("docs/configuration.md", () => {
  it("documents exactly the keys infra/core/config.ts validates", () => {
    expect([...rows.keys()].sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it("states the defaults infra/core/config.ts applies", () => {
    const defaults = parseConfig({ hostedZoneName: "payments.example.com", delegationSetId: "N0123456789ABC" }, "dev") as Record<
      string,
      unknown
    >;
    for (const key of CONFIG_KEYS) {
      const value = defaults[key];
      if (value === undefined || key === "environment" || key === "hostedZoneName" || key === "delegationSetId") continue;
      expect({ key, documented: rows.get(key) }).toEqual({ key, documented: `\`${JSON.stringify(value).replace(/^"|"$/g, "")}\`` });
    }
  });
});
