/**
 * CloudWatch Logs' embedded metric format (EMF), simulated: a function's log event that is an EMF
 * document becomes metric datapoints, as CloudWatch extracts them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 *
 * - the log event is a JSON object with nothing before or after it, carrying `_aws` (an object)
 *   with `Timestamp` (milliseconds since the epoch) and `CloudWatchMetrics` (MetricDirectives);
 * - each MetricDirective names a `Namespace`, `Dimensions` (an array of DimensionSets: arrays of
 *   keys of root members whose values are strings, at most 30 keys each, possibly empty) and
 *   `Metrics` (at most 100 MetricDefinitions: `Name` of a root member that is a number or an array
 *   of at most 100 numbers, optional `Unit`, optional `StorageResolution` 1 or 60);
 * - every DimensionSet makes a metric of its own: each metric value is recorded once per set, at
 *   the document's timestamp.
 *
 * A document that breaks the specification yields no metrics at all: it stays an ordinary log line,
 * and CloudWatch Logs counts it in the AWS/Logs `EMFValidationErrors` (or, when it is not JSON,
 * `EMFParsingErrors`) metric of the log group. Where the specification is silent this takes the
 * harsher reading, and says so next to the rule: one bad directive, metric or value drops the whole
 * document (not only the bad part); an empty value array is invalid; a namespace starting with
 * "AWS/" is refused as PutMetricData refuses it; a timestamp CloudWatch would not accept for a
 * datapoint (more than two weeks old or more than two hours ahead,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#about_timestamp)
 * drops the document.
 */
import type { MetricStore } from "./metrics";

/** One extracted metric value set: a metric identity (namespace, name, one DimensionSet's values) and its values. */
export interface EmfDatapoint {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  values: number[];
  unit: string;
  storageResolution: 1 | 60;
  timestamp: number;
}

export type EmfExtraction =
  /** Not an EMF document: an ordinary log line (text, or JSON without `_aws`). */
  | { kind: "log" }
  | { kind: "metrics"; datapoints: EmfDatapoint[] }
  /** Meant as EMF but dropped: it stays a log line, and CloudWatch Logs counts the error. */
  | { kind: "invalid"; error: "EMFParsingErrors" | "EMFValidationErrors"; reason: string };

/** Spec limits (the current specification allows 30 dimension keys per set; older versions 9). */
const MAX_DIMENSION_KEYS = 30;
const MAX_METRIC_DEFINITIONS = 100;
const MAX_VALUES = 100;
/** Metric and dimension names, and namespaces: 1–255 characters (the specification's JSON schema). */
const MAX_NAME_LENGTH = 255;
/** A dimension value: 1–1024 characters (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html). */
const MAX_DIMENSION_VALUE_LENGTH = 1024;
const TWO_WEEKS_MS = 14 * 24 * 60 * 60_000;
const TWO_HOURS_MS = 2 * 60 * 60_000;

/** The units a MetricDefinition may name (the specification's schema; MetricDatum's Unit). */
const UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

class Invalid extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function name(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length < 1 || v.length > MAX_NAME_LENGTH)
    throw new Invalid(`${what} must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
  return v;
}

/** Root members are referenced by their exact key: "A.a" is the member named "A.a", never A's member a. */
function target(root: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(root, key) ? root[key] : undefined;
}

/**
 * What CloudWatch Logs makes of one log event. `now` is when it is ingested (the world's clock):
 * the document's own `_aws.Timestamp` dates the datapoints.
 */
export function extractEmf(message: string, now: number): EmfExtraction {
  const text = message.trim();
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    // Text that mentions `_aws` and looks like JSON was meant as EMF; anything else is a log line.
    return text.startsWith("{") && text.includes('"_aws"')
      ? { kind: "invalid", error: "EMFParsingErrors", reason: "the log event is not a JSON object with nothing before or after it" }
      : { kind: "log" };
  }
  if (!isObject(root) || !Object.hasOwn(root, "_aws")) return { kind: "log" };
  try {
    return { kind: "metrics", datapoints: datapointsOf(root, now) };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return { kind: "invalid", error: "EMFValidationErrors", reason: error.message };
  }
}

function datapointsOf(root: Record<string, unknown>, now: number): EmfDatapoint[] {
  const meta = root._aws;
  if (!isObject(meta)) throw new Invalid("_aws must be an object");
  const timestamp = meta.Timestamp;
  if (typeof timestamp !== "number" || !Number.isInteger(timestamp) || timestamp < 0)
    throw new Invalid("_aws.Timestamp must be an integer number of milliseconds since 1970-01-01T00:00:00Z");
  // Harsher reading: CloudWatch would not store a datapoint this old or this far ahead, so none is extracted.
  if (timestamp < now - TWO_WEEKS_MS || timestamp > now + TWO_HOURS_MS)
    throw new Invalid(`_aws.Timestamp ${new Date(timestamp).toISOString()} is more than two weeks old or two hours ahead`);
  const directives = meta.CloudWatchMetrics;
  if (!Array.isArray(directives)) throw new Invalid("_aws.CloudWatchMetrics must be an array of MetricDirectives");

  const out: EmfDatapoint[] = [];
  directives.forEach((directive, d) => {
    const where = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) throw new Invalid(`${where} must be an object`);
    const namespace = name(directive.Namespace, `${where}.Namespace`);
    // Harsher reading: the AWS/ namespaces are AWS's own, as PutMetricData says (the EMF specification does not).
    if (namespace.startsWith("AWS/")) throw new Invalid(`${where}.Namespace ${namespace} is reserved for AWS`);

    const sets = directive.Dimensions;
    // The specification's schema: at least one DimensionSet (which may itself be empty).
    if (!Array.isArray(sets) || sets.length === 0) throw new Invalid(`${where}.Dimensions must be a non-empty array of DimensionSets`);
    const dimensionSets = sets.map((set, s) => {
      if (!Array.isArray(set)) throw new Invalid(`${where}.Dimensions[${s}] must be an array of dimension keys`);
      if (set.length > MAX_DIMENSION_KEYS) throw new Invalid(`${where}.Dimensions[${s}] has more than ${MAX_DIMENSION_KEYS} keys`);
      const values: Record<string, string> = {};
      for (const key of set) {
        const k = name(key, `${where}.Dimensions[${s}] key`);
        const value = target(root, k);
        if (typeof value !== "string" || value.length < 1 || value.length > MAX_DIMENSION_VALUE_LENGTH)
          throw new Invalid(`dimension ${k} must be a root member with a string value of 1 to ${MAX_DIMENSION_VALUE_LENGTH} characters`);
        values[k] = value;
      }
      return values;
    });

    const metrics = directive.Metrics;
    if (!Array.isArray(metrics)) throw new Invalid(`${where}.Metrics must be an array of MetricDefinitions`);
    if (metrics.length > MAX_METRIC_DEFINITIONS)
      throw new Invalid(`${where}.Metrics has more than ${MAX_METRIC_DEFINITIONS} MetricDefinitions`);
    metrics.forEach((definition, m) => {
      if (!isObject(definition)) throw new Invalid(`${where}.Metrics[${m}] must be an object`);
      const metricName = name(definition.Name, `${where}.Metrics[${m}].Name`);
      const unit = definition.Unit ?? "None";
      if (typeof unit !== "string" || !UNITS.has(unit))
        throw new Invalid(`${where}.Metrics[${m}].Unit ${String(unit)} is not a CloudWatch unit`);
      const resolution = definition.StorageResolution ?? 60;
      if (resolution !== 1 && resolution !== 60) throw new Invalid(`${where}.Metrics[${m}].StorageResolution must be 1 or 60`);
      const values = valuesOf(target(root, metricName), metricName);
      for (const dimensions of dimensionSets) {
        out.push({ namespace, metricName, dimensions, values, unit, storageResolution: resolution, timestamp });
      }
    });
  });
  return out;
}

function valuesOf(value: unknown, metricName: string): number[] {
  const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (isNumber(value)) return [value];
  if (Array.isArray(value)) {
    // Harsher reading: an empty array carries no value, so the metric (and the document) is invalid.
    if (value.length === 0 || value.length > MAX_VALUES || !value.every(isNumber))
      throw new Invalid(`metric ${metricName} must be a number or an array of 1 to ${MAX_VALUES} numbers`);
    return value;
  }
  throw new Invalid(`metric ${metricName} must be a root member holding a number or an array of numbers`);
}

/** A document CloudWatch Logs did not turn into metrics, kept for tests and reports. */
export interface EmfRejection {
  at: number;
  region: string;
  logGroup: string;
  error: "EMFParsingErrors" | "EMFValidationErrors";
  reason: string;
}

/** Rejections kept (the oldest are dropped beyond this). */
const KEPT_REJECTIONS = 100;

/**
 * CloudWatch Logs' EMF extraction for the log events of one world: datapoints go into the metric
 * store of the region the log group is in; errors into that region's AWS/Logs error metrics, by
 * LogGroupName (the dimension CloudWatch Logs publishes them under).
 */
export class EmfIngestion {
  documents = 0;
  datapoints = 0;
  readonly rejections: EmfRejection[] = [];

  constructor(
    private readonly metrics: MetricStore,
    private readonly now: () => number,
  ) {}

  logEvent(region: string, logGroup: string, message: string): EmfExtraction {
    const now = this.now();
    const extraction = extractEmf(message, now);
    if (extraction.kind === "metrics") {
      this.documents += 1;
      for (const p of extraction.datapoints) {
        for (const value of p.values)
          this.metrics.put(region, p.namespace, p.metricName, p.dimensions, value, p.timestamp, p.storageResolution);
        this.datapoints += p.values.length;
      }
    } else if (extraction.kind === "invalid") {
      this.metrics.put(region, "AWS/Logs", extraction.error, { LogGroupName: logGroup }, 1, now);
      this.rejections.push({ at: now, region, logGroup, error: extraction.error, reason: extraction.reason });
      if (this.rejections.length > KEPT_REJECTIONS) this.rejections.shift();
    }
    return extraction;
  }
}
