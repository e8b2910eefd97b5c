/**
 * Confirmation for actions that move traffic: the operator types the region being activated, or
 * scripts pass `--confirm <region>`. Without a terminal to ask on and without --confirm, drctl
 * refuses (it never waits on a pipe that will not answer).
 */
import type { Context } from "./context";
import { CliError, usageError } from "./errors";
import type { CliInputStream } from "./io";

export interface ConfirmationRequest {
  /** The region being activated: what must be typed. */
  region: string;
  /** One line saying what will happen, e.g. "failover: moves payment traffic to us-east-2 (prod)". */
  summary: string;
  /** The value of --confirm, if given. */
  confirmFlag?: string;
}

/**
 * Checks what can be checked before any AWS call. Returns true when the operator still has to
 * type the region (interactive), false when --confirm already settled it.
 */
export function preflightConfirmation(request: ConfirmationRequest, ctx: Context): boolean {
  if (request.confirmFlag !== undefined) {
    if (request.confirmFlag !== request.region) {
      throw usageError(
        `--confirm ${request.confirmFlag} does not match the region being activated (${request.region}); nothing was started`,
      );
    }
    return false;
  }
  if (!ctx.stdinIsTTY || ctx.io.stdin === undefined) {
    throw usageError(
      `refusing to move traffic without confirmation: there is no terminal to ask on`,
      `pass --confirm ${request.region} to confirm from a script`,
    );
  }
  return true;
}

/** Asks on stderr, reads one line from stdin; anything but the exact region refuses. */
export async function askForRegion(request: ConfirmationRequest, ctx: Context): Promise<void> {
  const stdin = ctx.io.stdin as CliInputStream;
  ctx.io.stderr.write(`${request.summary}\nType the region to confirm (${request.region}): `);
  const answer = await readLine(stdin, ctx.signal);
  if (answer === undefined) throw usageError("no answer (end of input); nothing was started");
  if (answer.trim() !== request.region) {
    throw usageError(`you typed ${JSON.stringify(answer.trim())}, not ${request.region}; nothing was started`);
  }
}

/** One line from the stream, or undefined at end of input. */
export function readLine(stream: CliInputStream, signal?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const cleanup = () => {
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      stream.removeListener("close", onEnd);
      stream.removeListener("error", onError);
      signal?.removeEventListener("abort", onAbort);
      stream.pause?.();
    };
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf("\n");
      if (newline >= 0) {
        cleanup();
        resolve(buffer.slice(0, newline).replace(/\r$/, ""));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(buffer.length > 0 ? buffer : undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAbort = () => {
      cleanup();
      reject(new CliError("interrupted", "interrupted at the confirmation prompt; nothing was started"));
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    stream.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.resume?.();
  });
}
