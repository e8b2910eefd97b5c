/**
 * Powertools logger, metrics and tracer for one handler, and the per-invocation wrapper that
 * ties them to the Lambda context. Metrics go out as EMF in the function's log (no PutMetricData
 * permission needed), in the `METRIC_NAMESPACE` namespace with `Environment` and `Region`.
 *
 * Never log card data, request bodies or idempotency keys: log ids and {@link fingerprint}s.
 */
import { createHash } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import type { Context } from "aws-lambda";

export { MetricResolution, MetricUnit } from "@aws-lambda-powertools/metrics";

export interface ObservabilityOptions {
  service: string;
  namespace: string;
  environment: string;
  region: string;
}

export interface Observability {
  service: string;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export function createObservability(options: ObservabilityOptions): Observability {
  const { service, namespace, environment, region } = options;
  return {
    service,
    logger: new Logger({ serviceName: service, persistentKeys: { environment, region } }),
    metrics: new Metrics({
      namespace,
      serviceName: service,
      defaultDimensions: { Environment: environment, Region: region },
    }),
    // SDK clients are captured one by one (captureAWSv3Client); patching Node's http modules
    // globally would add nothing but a global side effect.
    tracer: new Tracer({ serviceName: service, captureHTTPsRequests: false }),
  };
}

/**
 * Runs one invocation: Lambda context on every log line, a `## <service>` trace subsegment when
 * tracing is on, and stored metrics flushed at the end (only when there are some, so an idle
 * invocation does not log Powertools' "no metrics" warning).
 */
export async function withInvocation<T>(obs: Observability, context: Context | undefined, run: () => Promise<T>): Promise<T> {
  const { service, logger, metrics, tracer } = obs;
  logger.resetKeys();
  if (context?.awsRequestId) logger.addContext(context);
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  const subsegment = parent?.addNewSubsegment(`## ${service}`);
  if (subsegment) {
    tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
  }
  try {
    return await run();
  } catch (error) {
    if (subsegment && error instanceof Error) tracer.addErrorAsMetadata(error);
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    if (subsegment && parent) {
      subsegment.close();
      tracer.setSegment(parent);
    }
  }
}

/** A short, stable, non-reversible tag for a secret-ish value (e.g. an idempotency key) in logs. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 12);
}

/** Error name only: SDK error messages can echo request values. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
