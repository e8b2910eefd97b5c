/**
 * The one AWS client factory: every SDK client in the handlers and the CLI is built by
 * {@link awsClient}, which sets its region, connection and request timeouts (the request timeout
 * throwing, not just warning) and its attempts. Nothing else calls `new XxxClient(` (a test holds
 * that). The client class is passed in, so this module imports no SDK package and a handler only
 * bundles the clients it uses.
 *
 * Every client names its region instead of trusting AWS_REGION: in AWS they are the same for local
 * calls, but runbook steps also call the peer region, and the offline simulator loads one copy of
 * each handler per region and tells calls apart by the client's region.
 */

/** The credential shape every SDK v3 client accepts (declared here: @aws-sdk/types is not a direct dependency). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<TemporaryCredentials>;

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

/**
 * Runbook steps, calls in their own region: the worst case (3 × 3 s plus backoff) stays under the
 * steps' 10 s Lambda timeout, so a stuck call surfaces as a named SDK error the state machine's
 * Retry handles, never as a Lambda timeout.
 */
export const RUNBOOK_CALL_TUNING: CallTuning = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 3 };

/** Runbook steps, calls into the other region (through the DR operations role): a dead region must not stall the run. */
export const PEER_CALL_TUNING: CallTuning = { connectionTimeoutMs: 1500, requestTimeoutMs: 2500, maxAttempts: 2 };

/** drctl: an operator is waiting; an unreachable region is reported, not waited for. */
export const CLI_CALL_TUNING: CallTuning = { connectionTimeoutMs: 2000, requestTimeoutMs: 5000, maxAttempts: 3 };

/** The construction options every client gets. */
export function clientConfig(region: string, tuning: CallTuning, credentials?: CredentialProvider) {
  return {
    region,
    maxAttempts: tuning.maxAttempts,
    requestHandler: {
      connectionTimeout: tuning.connectionTimeoutMs,
      requestTimeout: tuning.requestTimeoutMs,
      // Without this the SDK (@smithy/node-http-handler) only logs a warning when requestTimeout is
      // exceeded: "If exceeded, a warning will be emitted unless throwOnRequestTimeout=true, in which
      // case a TimeoutError will be thrown" (NodeHttpHandlerOptions.requestTimeout, @smithy/types).
      // https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-smithy-node-http-handler/Interface/NodeHttpHandlerOptions/
      throwOnRequestTimeout: true,
    },
    ...(credentials ? { credentials } : {}),
  };
}

type ClientClass<C> = new (config: ReturnType<typeof clientConfig>) => C;

/** A client of `Client` for `region`, with `tuning`'s timeouts and attempts, and optional credentials. */
export function awsClient<C>(Client: ClientClass<C>, region: string, tuning: CallTuning, credentials?: CredentialProvider): C {
  return new Client(clientConfig(region, tuning, credentials));
}

/** The document client drops undefined optional attributes (e.g. no `description`). */
export const DOCUMENT_CLIENT_OPTIONS = { marshallOptions: { removeUndefinedValues: true } } as const;
