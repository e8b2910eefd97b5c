/**
 * One drctl invocation: its streams (data to stdout, progress to stderr), settings from the
 * environment, clock, DNS resolver and AWS clients.
 */
import { AwsClients } from "./aws";
import { systemDnsResolver, type DnsResolver } from "./dns";
import { EXIT, usageError, type ExitCode } from "./errors";
import { defaultSleep, painter, useColor, type CliIo, type Paint } from "./io";

export interface Context {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  dns: DnsResolver;
  aws: AwsClients;
  /** What the command's action decided; runCli returns it. */
  exitCode: ExitCode;
  /** Set by a command that was given --json: errors are then also reported as JSON on stdout. */
  json: boolean;
  debug: boolean;
  /** Interval between GetExecutionHistory polls while following. */
  pollMs: number;
  callTimeoutMs: number;
  stdinIsTTY: boolean;
  io: CliIo;
  /** Colours for stdout (data) and stderr (progress), each only when that stream is a terminal. */
  paintOut: Paint;
  paintErr: Paint;
  /** Data: stdout. */
  out(text: string): void;
  outJson(value: unknown): void;
  /** Progress, warnings, prompts: stderr. */
  err(text: string): void;
}

/** Seconds from an environment variable, or the default; a bad value is a usage error naming it. */
export function secondsSetting(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw usageError(`${name}=${JSON.stringify(raw)} is not a number of seconds (e.g. 15 or 0.5)`);
  return value;
}

export const DEFAULT_CALL_TIMEOUT_SECONDS = 15;
export const DEFAULT_POLL_SECONDS = 3;

export function createContext(io: CliIo): Context {
  const env = io.env ?? {};
  const callTimeoutMs = Math.max(1, secondsSetting(env, "DRCTL_CALL_TIMEOUT_SECONDS", DEFAULT_CALL_TIMEOUT_SECONDS) * 1000);
  const pollMs = secondsSetting(env, "DRCTL_POLL_SECONDS", DEFAULT_POLL_SECONDS) * 1000;
  const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);
  return {
    env,
    now: io.now ?? Date.now,
    sleep: io.sleep ?? defaultSleep,
    signal: io.signal,
    dns: io.dns ?? systemDnsResolver(),
    aws: new AwsClients({ callTimeoutMs, signal: io.signal }),
    exitCode: EXIT.ok,
    json: false,
    debug: env.DRCTL_DEBUG !== undefined && env.DRCTL_DEBUG !== "" && env.DRCTL_DEBUG !== "0",
    pollMs,
    callTimeoutMs,
    stdinIsTTY: io.stdin?.isTTY === true,
    io,
    paintOut: painter(useColor(io.stdout, env)),
    paintErr: painter(useColor(io.stderr, env)),
    out: (text) => void io.stdout.write(line(text)),
    outJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    err: (text) => void io.stderr.write(line(text)),
  };
}
