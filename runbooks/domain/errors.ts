/**
 * Stable error names of the DR runbooks. The state machine's Retry/Catch and Choice states,
 * `drctl` and docs/runbooks.md match on these names, so a name never changes meaning.
 *
 * Some names are raised by handlers (classes below); the ones in {@link ASL_RAISED_ERRORS} are
 * set by Pass states in the definition itself (a bounded loop that ran out, an approval that did
 * not come) because no handler is running when they happen.
 */
import { formatProblems, type FieldProblem } from "../../lib/validation";

// LeaseHeldError, LeaseLostError, EpochConflictError and ControlRecordInvalidError are thrown by
// lib/control-record.ts; import them from there (not re-exported: that would pull the
// DynamoDB client into the bundle of every handler that imports this module).

/** The execution input is not a valid runbook request. Raised before any side effect. */
export class InvalidInputError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`The execution input is invalid: ${formatProblems(problems)}`);
    this.name = "InvalidInputError";
  }
}

/** A step received input that does not match its contract: a defect in the state machine, not an operator error. */
export class InvalidStepInputError extends Error {
  constructor(step: string, problems: FieldProblem[]) {
    super(`Step ${step} received invalid input: ${formatProblems(problems)}`);
    this.name = "InvalidStepInputError";
  }
}

/** The function's environment disagrees with the state machine it serves (wrong region wiring). */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** The regions are not in a state this runbook may act on (e.g. a drill while the secondary is ACTIVE). */
export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreconditionFailedError";
  }
}

/** A table (or its local replica) is not ACTIVE in the region being activated. */
export class ReplicaNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplicaNotReadyError";
  }
}

/** The RPO exposure (or the peer heartbeat age) exceeds the objective, or cannot be bounded. */
export class ReplicationLagExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplicationLagExceededError";
  }
}

/** A promotion was requested without the proof the graph is supposed to provide (fence or sentinel). */
export class FenceRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FenceRequiredError";
  }
}

/**
 * An automatic failover was about to fence its peer, but this region's canary saw the peer answer
 * healthy moments ago: the condition that started the run no longer holds (a blip that ended, a
 * stale approval). Nothing was changed.
 */
export class PeerRecoveredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeerRecoveredError";
  }
}

/** The local write function is stopped (reserved concurrency 0) and the value to restore is unknown. */
export class WriteFunctionStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WriteFunctionStoppedError";
  }
}

/** The failback execution a drill started in the peer region ended without succeeding. */
export class PeerFailbackFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeerFailbackFailedError";
  }
}

/**
 * The drill's restore rehearsal cannot restore the table: point-in-time recovery is not enabled on
 * it in this region, or its restorable window is empty. Ends the rehearsal (RestoreRehearsalFailedError).
 */
export class PointInTimeRecoveryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PointInTimeRecoveryUnavailableError";
  }
}

/**
 * A table with this run's scratch-table name exists and is not this run's restore of the source
 * table: the rehearsal leaves it alone (and does not delete it).
 */
export class ScratchTableConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScratchTableConflictError";
  }
}

/**
 * An AWS call failed in a way that may pass: throttling, a 5xx, a timeout or a dropped
 * connection, still failing after the SDK's own retries. The wrapper in handler.ts turns such
 * errors into this one name so that every Task's Retry can match it (Step Functions matches on
 * error names, and AWS has dozens of throttling names); the original is kept in the message.
 * Only steps whose effect is idempotent or conditional are in the runbook, so a retry is safe.
 */
export class TransientAwsError extends Error {
  constructor(
    step: string,
    readonly original: Error,
  ) {
    super(`Step ${step}: a transient AWS error outlasted the SDK's retries: ${original.name}: ${original.message}`);
    this.name = "TransientAwsError";
  }
}

/** Throttling error names across the services the runbooks call (their HTTP status varies: 400 or 429). */
const THROTTLING_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "SlowDown",
]);
const TIMEOUT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether an error from an AWS SDK v3 call may pass on retry: the SDK marks it retryable
 * (`$retryable`), the service says it is at fault (`$fault: "server"`, HTTP 5xx) or throttling
 * (429 or a throttling name), or the request timed out or lost its connection. Client faults
 * (validation, access denied, a failed condition) and our own named errors are not transient.
 */
export function isTransientAwsError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { $retryable?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.$retryable !== undefined ||
    e.$fault === "server" ||
    status === 429 ||
    status >= 500 ||
    THROTTLING_NAMES.has(e.name) ||
    TIMEOUT_NAMES.has(e.name) ||
    NETWORK_CODES.has(e.code ?? "")
  );
}

/** The error message of anything thrown, for reports and notifications (never a stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Error names set by Pass states in the definition (no handler throws them). */
export const ASL_RAISED_ERRORS = {
  DnsNotShiftedError: "the DNS witness did not answer the activated region within the confirmation window",
  SentinelNotReplicatedError: "the failback sentinel written through the secondary did not reach the primary in time",
  FenceAlarmNotClearedError:
    "failback: the secondary's fence alarm was not OK in time after PrimaryFenced=0; the primary stays ACTIVE and the secondary FENCED",
  PeerFailbackTimedOutError: "the drill's failback execution in the peer region was still running when polling ended",
  ApprovalRejectedError: "an operator rejected the approval request (drctl reject)",
  ApprovalTimedOutError: "nobody approved or rejected within the approval window",
  PreconditionFailedError: "the assessment refused to act (see the decision reason)",
  RestoreRehearsalFailedError:
    "the drill's restore rehearsal could not restore or check the copy (the step and its error are in the report); traffic was already back in the primary",
  RestoreCheckFailedError: "the drill's restored copy of the table did not match the source at the restore point",
  ScratchTableNotDeletedError: "the drill could not delete its restore-rehearsal scratch table (the report gives the command)",
  DrillNoPaymentsError:
    "no payment reached the drilled region during the hold, so the drill did not show it takes payments (the drill input's paymentCheck.allowNoTraffic accepts that); traffic was failed back first",
  DrillPaymentsFailedError:
    "the drilled region could not take the payments sent to it during the hold (failures above paymentCheck.maxFailurePercent, or none accepted); traffic was failed back first",
  DrillPaymentsUncheckedError:
    "the drill could not read what the payment path reported during the hold (CheckHoldPayments failed); traffic was failed back first",
} as const;

/** Every stable error name a run can end with, for docs and tests. */
export const RUNBOOK_ERROR_NAMES = [
  "InvalidInputError",
  "InvalidStepInputError",
  "ConfigurationError",
  "LeaseHeldError",
  "LeaseLostError",
  "EpochConflictError",
  "ControlRecordInvalidError",
  "PreconditionFailedError",
  "ReplicaNotReadyError",
  "ReplicationLagExceededError",
  "FenceRequiredError",
  "TwoWritersError",
  "PeerRecoveredError",
  "WriteFunctionStoppedError",
  "PeerFailbackFailedError",
  "TransientAwsError",
  ...(Object.keys(ASL_RAISED_ERRORS) as (keyof typeof ASL_RAISED_ERRORS)[]),
] as const;
