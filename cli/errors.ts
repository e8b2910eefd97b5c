/**
 * drctl's errors and exit codes. Every failure reaches the operator as one sentence that says
 * what happened and what to do — never a stack trace (set DRCTL_DEBUG=1 to see one).
 */

/** Exit codes, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** A defect in drctl itself (an error nobody anticipated). */
  internal: 1,
  /** Bad flags or arguments, a failed confirmation, a flag the stack disagrees with. */
  usage: 2,
  /** AWS or the stack: credentials, access denied, throttling, unreachable, unknown stack, not found. */
  aws: 3,
  /** The execution ended FAILED, TIMED_OUT or ABORTED (a dry-run that is not ready fails too). */
  executionFailed: 4,
  /** drctl stopped following (--follow-timeout) while the execution is still running. */
  stillRunning: 5,
  /** Interrupted (Ctrl-C) while following; the execution keeps running. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorKind =
  | "usage"
  | "credentials"
  | "access-denied"
  | "throttled"
  | "unreachable"
  | "timeout"
  | "unknown-stack"
  | "not-found"
  | "aws"
  | "execution-failed"
  | "still-running"
  | "interrupted"
  | "internal";

const EXIT_BY_KIND: Record<ErrorKind, ExitCode> = {
  usage: EXIT.usage,
  credentials: EXIT.aws,
  "access-denied": EXIT.aws,
  throttled: EXIT.aws,
  unreachable: EXIT.aws,
  timeout: EXIT.aws,
  "unknown-stack": EXIT.aws,
  "not-found": EXIT.aws,
  aws: EXIT.aws,
  "execution-failed": EXIT.executionFailed,
  "still-running": EXIT.stillRunning,
  interrupted: EXIT.interrupted,
  internal: EXIT.internal,
};

export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** What the operator can do about it (printed on its own line). */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
    this.exitCode = EXIT_BY_KIND[kind];
  }
}

export const usageError = (message: string, hint?: string) => new CliError("usage", message, hint);

const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "TokenRefreshRequired",
  "InvalidAccessKeyId",
  "MissingAuthenticationToken",
]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation", "Forbidden"]);
const THROTTLED = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "PriorRequestNotComplete",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "NetworkingError", "AbortError"]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** Which of the operator-facing kinds an SDK (or network) error is. */
export function classifyAwsError(error: unknown): ErrorKind {
  const e = (error ?? {}) as SdkLikeError;
  const name = e.name ?? "";
  const code = e.code ?? (e.cause as SdkLikeError | undefined)?.code ?? "";
  if (CREDENTIAL_ERRORS.has(name) || /could not load credentials|credential/i.test(name)) return "credentials";
  if (ACCESS_DENIED.has(name) || e.$metadata?.httpStatusCode === 403) return "access-denied";
  if (THROTTLED.has(name) || e.$metadata?.httpStatusCode === 429) return "throttled";
  if (NETWORK_CODES.has(code) || NETWORK_NAMES.has(name) || NETWORK_CODES.has(name)) return "unreachable";
  return "aws";
}

/** One operator-facing error for a failed AWS call: what, where, and what to do. */
export function awsCallError(error: unknown, region: string, operation: string): CliError {
  if (error instanceof CliError) return error;
  const e = (error ?? {}) as SdkLikeError;
  const detail = `${e.name ?? "Error"}: ${e.message ?? String(error)}`;
  switch (classifyAwsError(error)) {
    case "credentials":
      return new CliError(
        "credentials",
        `${operation} in ${region}: no valid AWS credentials (${detail})`,
        "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or refresh your session (aws sso login)",
      );
    case "access-denied":
      return new CliError(
        "access-denied",
        `${operation} in ${region}: access denied (${detail})`,
        "your role lacks this permission; docs/cli.md lists what drctl needs",
      );
    case "throttled":
      return new CliError(
        "throttled",
        `${operation} in ${region}: throttled by AWS after retries (${detail})`,
        "wait a few seconds and run it again",
      );
    case "unreachable":
      return new CliError(
        "unreachable",
        `${region} is unreachable: ${operation} failed (${detail})`,
        "the region may be down or your network may block it; commands that do not need it still work",
      );
    default:
      return new CliError("aws", `${operation} in ${region} failed: ${detail}`);
  }
}

/** Raised when a call exceeds drctl's own deadline (DRCTL_CALL_TIMEOUT_SECONDS). */
export function deadlineError(region: string, operation: string, seconds: number): CliError {
  return new CliError(
    "unreachable",
    `${region} is unreachable: ${operation} got no answer within ${seconds} s`,
    "the region may be down or your network may block it; raise DRCTL_CALL_TIMEOUT_SECONDS if the link is just slow",
  );
}

/** The text printed on stderr for an error (no stack unless debugging). */
export function describeCliError(error: unknown, debug: boolean): { message: string; kind: ErrorKind; exitCode: ExitCode } {
  if (error instanceof CliError) {
    const lines = [`drctl: ${error.message}`];
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    return { message: `${lines.join("\n")}\n`, kind: error.kind, exitCode: error.exitCode };
  }
  const e = error as Error | undefined;
  const lines = [`drctl: unexpected error: ${e?.name ?? "Error"}: ${e?.message ?? String(error)}`];
  lines.push(debug && e?.stack ? e.stack : "  hint: this is a defect in drctl; run again with DRCTL_DEBUG=1 and report the output");
  return { message: `${lines.join("\n")}\n`, kind: "internal", exitCode: EXIT.internal };
}
