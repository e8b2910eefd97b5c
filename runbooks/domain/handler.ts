/**
 * The shape every runbook step handler shares: validate the step's input (zod/mini), run the step,
 * renew the run's DR lease when the step keeps it (the `lease` option), add timing, log start and
 * end. Errors keep their stable names (they are what the state machine's
 * Catch/Retry match); the wrapper only turns a malformed input into `InvalidStepInputError` and
 * a transient AWS failure into `TransientAwsError`, which every Task retries.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type * as z from "../../lib/zod";
import { parseWith } from "../../lib/validation";
import { InvalidStepInputError, isTransientAwsError, TransientAwsError } from "./errors";

export function createLogger(step: string): Logger {
  return new Logger({ serviceName: "payments-dr-runbooks", persistentKeys: { step } });
}

export interface StepTiming {
  step: string;
  startedAt: number;
  finishedAt: number;
}

export type StepHandler<R> = (event: unknown) => Promise<R & StepTiming>;

export interface StepOptions<I> {
  /**
   * Keeps the run's DR lease (runbooks/domain/lease.ts `leaseKeeper`): `renew` is awaited before a
   * step that acts does anything, or runs alongside a step that only reads, whose answer is returned
   * only once the renewal succeeded (the step's own error, if it fails, comes first). What it throws
   * fails the step as the step's own error would — LeaseLostError when another run holds the lease —
   * so nothing is changed and nothing read is used.
   */
  lease?: { when: "before" | "alongside"; renew: (input: I) => Promise<void> };
}

export function stepHandler<S extends z.ZodMiniType, R extends object>(
  step: string,
  schema: S,
  logger: Logger,
  run: (input: z.infer<S>) => Promise<R>,
  options: StepOptions<z.infer<S>> = {},
): StepHandler<R> {
  return async (event: unknown) => {
    const startedAt = Date.now();
    const parsed = parseWith(schema, event);
    if (!parsed.ok) {
      const error = new InvalidStepInputError(step, parsed.problems);
      logger.error("invalid step input", { error });
      throw error;
    }
    const execution = executionOf(parsed.value);
    logger.info("step started", { execution });
    try {
      if (options.lease?.when === "before") await options.lease.renew(parsed.value);
      // A reading step renews while it reads (one round trip less per poll); a renewal that fails
      // while the step itself fails is not what the run is told about (handled, so never unhandled).
      const renewal = options.lease?.when === "alongside" ? options.lease.renew(parsed.value) : undefined;
      renewal?.catch(() => undefined);
      const result = await run(parsed.value);
      await renewal;
      const finishedAt = Date.now();
      logger.info("step finished", { execution, durationMs: finishedAt - startedAt });
      return { ...result, step, startedAt, finishedAt };
    } catch (error) {
      logger.error("step failed", { execution, error: error as Error });
      // One retryable name for the state machine's Retry (see TransientAwsError).
      throw isTransientAwsError(error) ? new TransientAwsError(step, error) : error;
    }
  };
}

function executionOf(input: unknown): string | undefined {
  const run = (input as { run?: { executionName?: unknown } } | undefined)?.run;
  return typeof run?.executionName === "string" ? run.executionName : undefined;
}

/** Parses a boolean environment value ("true" / "false"); anything else is a configuration error. */
export function booleanEnv(name: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`Environment variable ${name} must be "true" or "false", got "${value}"`);
}
