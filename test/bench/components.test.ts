/**
 * The components table of `npm run bench` (bench/components.ts). What these tests cannot show is
 * any timing: the bench measures, the suite does not (CONVENTIONS, Tests). They hold the table to
 * its fixtures, so a fixture nobody measures, or a row whose fixture carries more than it says,
 * fails here instead of printing a misleading figure.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BundleFigures } from "../../bench/bundles";
import { COMPONENTS, componentEntry, componentTable } from "../../bench/components";

const FIXTURES = join(__dirname, "..", "..", "bench", "components");

/** The packages a fixture imports (its `from "..."` specifiers). */
function importsOf(entry: string): string[] {
  return [...readFileSync(entry, "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
}

function figures(name: string, kilobytes: number, cpuMedianMs: number, cpuRatio?: number): BundleFigures {
  const load = { medianMs: cpuMedianMs, minMs: cpuMedianMs, maxMs: cpuMedianMs, cpuMedianMs, samplesMs: [], cpuSamplesMs: [] };
  return { name, bytes: kilobytes * 1024, kilobytes, load, cpuRatio };
}

describe("the components table", () => {
  it("measures every fixture in bench/components/ once, under a name of its own", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".ts"));
    const listed = COMPONENTS.map((c) => componentEntry(c));

    expect(listed.sort()).toEqual(files.map((f) => join(FIXTURES, f)).sort());
    expect(new Set(COMPONENTS.map((c) => c.name)).size).toBe(COMPONENTS.length);
  });

  it("splits observability into Logger with Metrics and Tracer alone, neither loading the other's package", () => {
    const entry = (name: string) => {
      const component = COMPONENTS.find((c) => c.name === name);
      if (!component) throw new Error(`no component ${name}`);
      return componentEntry(component);
    };

    const loggerMetrics = importsOf(entry("+logger+metrics"));
    const tracer = importsOf(entry("+tracer"));

    expect(loggerMetrics).toEqual(expect.arrayContaining(["@aws-lambda-powertools/logger", "@aws-lambda-powertools/metrics"]));
    expect(loggerMetrics.filter((i) => /tracer|observability/.test(i))).toEqual([]);
    expect(tracer).toContain("@aws-lambda-powertools/tracer");
    expect(tracer.filter((i) => /logger|metrics|observability/.test(i))).toEqual([]);
  });

  it("prints each component's size and CPU over the floor's, and says which were not measured", () => {
    const floor = figures("floor", 300, 40);

    const table = componentTable([figures("+tracer", 392.5, 46.8, 1.17)], floor);

    const tracerRow = table.split("\n").find((l) => l.startsWith("+tracer "));
    expect(tracerRow?.split(/\s{2,}/).slice(0, 6)).toEqual(["+tracer", "392.5", "+92.5", "46.8", "+6.8", "1.17"]);
    expect(table.split("\n").find((l) => l.startsWith("+s3-client"))).toBe(`${"+s3-client".padEnd(28)} not measured`);
  });
});
