/**
 * A Lambda handler for the EMF tests, loaded by the simulation's loader like a real one. It builds
 * its Console at load, bound to process.stdout as Powertools does, and writes the lines it is given
 * (valid or broken EMF, plain text); asked for a metric, it publishes one through Powertools.
 */
import { Console } from "node:console";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

const output = new Console({ stdout: process.stdout, stderr: process.stderr });
const metrics = new Metrics({ namespace: "EmfFixture", serviceName: "emf-fixture" });

export async function handler(event: { lines?: string[]; metric?: string }): Promise<{ written: number }> {
  for (const line of event.lines ?? []) output.log(line);
  if (event.metric) {
    metrics.addMetric(event.metric, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
  return { written: event.lines?.length ?? 0 };
}
