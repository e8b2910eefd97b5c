/**
 * What drctl talks to besides AWS: its streams, environment, clock and DNS. `runCli` takes them
 * as arguments so tests and the session recorder run the real commands in-process (AWS clients
 * are answered by aws-sdk-client-mock; DNS by an injected resolver).
 */
import type { DnsResolver } from "./dns";

export interface CliOutputStream {
  write(chunk: string): unknown;
  /** true when the stream is a terminal: colours are used only then. */
  isTTY?: boolean;
}

export interface CliInputStream {
  isTTY?: boolean;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
  setEncoding?(encoding: BufferEncoding): unknown;
}

export interface CliIo {
  stdout: CliOutputStream;
  stderr: CliOutputStream;
  /** Where the confirmation prompt reads from; without it (or when it is not a TTY) drctl never prompts. */
  stdin?: CliInputStream;
  /** DRCTL_* settings and USER. Default: none (the bin passes process.env). */
  env?: Record<string, string | undefined>;
  /** Wall clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Waits between polls. Default: a timer that stops early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborted on Ctrl-C: following stops, the execution keeps running. */
  signal?: AbortSignal;
  /** Answers DNS questions against given name servers. Default: node:dns/promises. */
  dns?: DnsResolver;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Colours only for a terminal, and never when NO_COLOR is set or TERM is dumb (https://no-color.org). */
export function useColor(stream: CliOutputStream, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== "dumb";
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Paint = (style: keyof typeof ANSI, text: string) => string;

export function painter(enabled: boolean): Paint {
  return (style, text) => (enabled ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text);
}
