/**
 * Runs the real drctl (runCli) in-process against the rehearsal's simulated world and records
 * what it printed. drctl gets nothing special: ordinary SDK clients (answered by the rehearsal's
 * SDK fakes), the default DNS resolver (node:dns/promises, intercepted by the rehearsal), Date and
 * timers (the virtual clock). While the command runs, virtual time advances, so the world —
 * clients paying, canaries, alarms, runbooks — keeps moving under it, as it would for an operator.
 */
import { runCli } from "../../cli/main";
import type { VirtualClock } from "../../sim/clock";

export interface Recorded {
  /** The command as typed (`drctl …`). */
  command: string;
  /** Virtual time when it was typed and when it returned (ms). */
  startedAt: number;
  endedAt: number;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** What an operator's shell gives drctl: who they are; every DRCTL_* setting at its default. */
export const OPERATOR_ENV = { USER: "alice" } as const;

/** The longest a recorded command may take in virtual time (a failback waits minutes for its fence alarm). */
const COMMAND_LIMIT_MS = 30 * 60_000;

export async function drctl(clock: VirtualClock, args: string[]): Promise<Recorded> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const startedAt = clock.now();
  let exitCode: number | undefined;
  let failure: unknown;
  runCli(args, {
    stdout: { write: (s: string) => stdout.push(s), isTTY: false },
    stderr: { write: (s: string) => stderr.push(s), isTTY: false },
    env: { ...OPERATOR_ENV },
  }).then(
    (code) => (exitCode = code),
    (error) => (failure = error ?? new Error("runCli rejected")),
  );
  // Small steps: a command that returns at once takes tenths of a second, as it would.
  await clock.advanceUntil(() => exitCode !== undefined || failure !== undefined, COMMAND_LIMIT_MS, 100);
  if (failure !== undefined) throw failure;
  if (exitCode === undefined)
    throw new Error(`drctl ${args.join(" ")} did not return within ${COMMAND_LIMIT_MS / 60_000} minutes of virtual time`);
  return {
    command: ["drctl", ...args].map(shellQuote).join(" "),
    startedAt,
    endedAt: clock.now(),
    stdout: stdout.join(""),
    stderr: stderr.join(""),
    exitCode,
  };
}

/** Quotes an argument the way it would be typed in a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
