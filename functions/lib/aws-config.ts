/**
 * Construction options for the payment path's SDK clients. No SDK import here, so a handler only
 * bundles the clients it constructs itself.
 *
 * Every client names its region (LOCAL_REGION) instead of trusting AWS_REGION: in AWS they are the
 * same, but the offline rehearsal loads one copy of each handler per simulated region and tells
 * the calls apart by the client's region.
 */

export interface CallTuning {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Total attempts including the first (SDK standard retry mode, with its own backoff). */
  maxAttempts: number;
}

/** Request paths: a caller is waiting, so a stuck call fails well before the Lambda timeout. */
export const API_CALL_TUNING: CallTuning = { connectionTimeoutMs: 1000, requestTimeoutMs: 3000, maxAttempts: 3 };

/**
 * `/health`: Route 53 needs the whole answer within 2 s of connecting
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
 * so a slow replica is reported as unhealthy instead of timing the check out.
 */
export const HEALTH_CALL_TUNING: CallTuning = { connectionTimeoutMs: 400, requestTimeoutMs: 600, maxAttempts: 2 };

/** Asynchronous consumers: nobody waits on the line, transient errors get more attempts. */
export const WORKER_CALL_TUNING: CallTuning = { connectionTimeoutMs: 1000, requestTimeoutMs: 5000, maxAttempts: 4 };

export function clientConfig(region: string, tuning: CallTuning) {
  return {
    region,
    maxAttempts: tuning.maxAttempts,
    requestHandler: {
      connectionTimeout: tuning.connectionTimeoutMs,
      requestTimeout: tuning.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout is exceeded.
      throwOnRequestTimeout: true,
    },
  };
}

/** The document client drops undefined optional attributes (e.g. no `description`). */
export const DOCUMENT_CLIENT_OPTIONS = { marshallOptions: { removeUndefinedValues: true } } as const;
