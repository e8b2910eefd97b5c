/**
 * Powertools logger, metrics and tracer for one handler, and the per-invocation wrapper that
 * ties them to the Lambda context. Metrics go out as EMF in the function's log (no PutMetricData
 * permission needed), in the `METRIC_NAMESPACE` namespace with `Environment` and `Region`.
 *
 * Never log card data, request bodies or idempotency keys: log ids and {@link fingerprint}s.
 *
 * Tracing: Lambda's active tracing (infra/components/compute/lambda-function.ts) records the
 * function's own segments; Tracer adds the `## <service>` subsegment and one subsegment per AWS
 * call, through the AWS X-Ray SDK. That SDK is in maintenance mode since 2026-02-25 and loses
 * support on 2027-02-25; AWS recommends OpenTelemetry instead
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-eos.html), and for Lambda: active
 * tracing for the service segments plus an OpenTelemetry SDK for spans
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/omni-send-application-telemetry-from-aws-lambda.html).
 * Tracer has no OpenTelemetry mode yet (aws-powertools/powertools-lambda-typescript#4184, an open
 * request for comments), and OpenTelemetry's automatic instrumentation patches modules as Node
 * loads them, which a bundled SDK never is (getsentry/sentry-javascript#14028 describes the same
 * for bundled Lambda code). So Tracer stays until that migration is made; it is not a cold-start
 * saving either. Measured 2026-12-04 as bench/bundles.ts measures, twice, 21 interleaved rounds:
 * the floor plus Tracer alone (bench/components/tracer.ts) +92 KB and +5.8–6.2 ms of CPU
 * (1.17–1.18 × the floor); the floor plus the least an in-bundle OpenTelemetry tracer needs (API,
 * SDK tracer provider and span processor, async-hooks context, OTLP JSON serializer; the 1.x SDK
 * that @pulumi/pulumi installs, so the fixture is not kept) +68 KB and +4.6–5.0 ms (1.13–1.14 ×),
 * before it records one AWS call or sends one span.
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
