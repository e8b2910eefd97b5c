/**
 * What each piece of a handler adds to the floor's cold load: the floor (bench/floor-handler.ts)
 * plus one piece at a time, each a fixture in bench/components/, built by the same build function
 * and measured in the same interleaved run as the handlers (bench/bundles.ts). The handlers above
 * 1.5 × the floor carry several of these at once; this table says which piece costs what, so the
 * gap can be read instead of guessed at.
 */
import { join } from "node:path";
import type { BundleFigures } from "./bundles";

export interface Component {
  /** The bundle's name in the run (its folder in the output directory). */
  name: string;
  /** The fixture, relative to this folder. */
  entry: string;
  /** What the floor gains in it, and which handlers carry it. */
  label: string;
}

export const COMPONENTS: readonly Component[] = [
  {
    name: "+observability",
    entry: "components/observability.ts",
    label: "Powertools Logger, Metrics, Tracer (X-Ray SDK): every handler",
  },
  { name: "+logger+metrics", entry: "components/logger-metrics.ts", label: "of which Powertools Logger and Metrics: every handler" },
  { name: "+tracer", entry: "components/tracer.ts", label: "of which Powertools Tracer (X-Ray SDK): every handler" },
  { name: "+validation", entry: "components/validation.ts", label: "zod schemas of the control items and payments: payment handlers" },
  { name: "+idempotency", entry: "components/idempotency.ts", label: "Powertools idempotency (DynamoDB, JMESPath): create-payment" },
  { name: "+s3-client", entry: "components/s3-client.ts", label: "a second client, S3 PutObject: record-transactions (its only one)" },
  { name: "+sqs-client", entry: "components/sqs-client.ts", label: "a second client, SQS GetQueueAttributes: deep-health" },
];

export function componentEntry(component: Component): string {
  return join(__dirname, component.entry);
}

/** The components' table: each one's size and CPU over the floor's, and its CPU ratio. */
export function componentTable(figures: readonly BundleFigures[], floor: BundleFigures): string {
  if (!("cpuMedianMs" in floor.load)) return "components: the floor failed to load";
  const floorCpu = floor.load.cpuMedianMs;
  const head = [
    "component (the floor plus ...)".padEnd(28),
    "size KB".padStart(9),
    "+KB".padStart(7),
    "cpu ms".padStart(8),
    "+ms".padStart(7),
    "× floor".padStart(8),
    "  carried by",
  ];
  const rows = COMPONENTS.map((component) => {
    const f = figures.find((x) => x.name === component.name);
    if (!f) return `${component.name.padEnd(28)} not measured`;
    if ("error" in f.load) return `${component.name.padEnd(28)} load failed: ${f.load.error}`;
    return [
      component.name.padEnd(28),
      f.kilobytes.toFixed(1).padStart(9),
      `+${(f.kilobytes - floor.kilobytes).toFixed(1)}`.padStart(7),
      f.load.cpuMedianMs.toFixed(1).padStart(8),
      `${f.load.cpuMedianMs - floorCpu >= 0 ? "+" : ""}${(f.load.cpuMedianMs - floorCpu).toFixed(1)}`.padStart(7),
      (f.cpuRatio ?? 1).toFixed(2).padStart(8),
      `  ${component.label}`,
    ].join(" ");
  });
  return [head.join(" "), ...rows].join("\n");
}
