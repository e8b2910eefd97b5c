/**
 * Runs a command the way a user does (npm start, npm run plan, a script) for the tests that check
 * the program end to end, with a budget that machine load cannot break.
 *
 * A wall-clock timeout measures the machine, not the command: the same run takes 16 s alone and
 * 50 s next to other work on 2 cores. So a child is bounded by what it does, not by how long it
 * waits for a core:
 * - a CPU budget: the CPU seconds the command and every process it starts may use (read from
 *   /proc on Linux), a few times what it needs — a runaway loop exceeds it however busy the machine;
 * - a stall limit: a command that uses no CPU at all for `stallSeconds` (deadlocked, or waiting
 *   for input that never comes) is stopped — a busy machine slows a process, it does not stop it.
 * Where /proc does not exist (macOS, Windows) the CPU budget falls back to a generous wall-clock one.
 *
 * Jest's own timeout for such a test is CHILD_TEST_TIMEOUT_MS, a backstop far above any budget:
 * the helper, not jest, decides when a child has taken too long, and says why.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");

/** Jest's timeout for a test that runs children through runChild: a backstop, not a budget. */
export const CHILD_TEST_TIMEOUT_MS = 15 * 60_000;

export interface ChildBudget {
  /** CPU seconds the command may use, all its processes together. */
  cpuSeconds: number;
  /** Stop the command when it uses no CPU for this long (default 60 s of wall time). */
  stallSeconds?: number;
}

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
  /** CPU seconds the command used (null where /proc cannot tell). */
  cpuSeconds: number | null;
  wallSeconds: number;
}

export interface ChildOptions {
  budget: ChildBudget;
  env?: Record<string, string | undefined>;
  /** Run `command` through /bin/sh, exactly as typed (for command lines quoted from the docs). */
  shell?: boolean;
}

const PROC = "/proc";
/** Linux reports process times in USER_HZ, which is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;
const POLL_MS = 500;

/** CPU seconds used by `root` and its descendants, living or exited (and waited for). */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync(PROC)) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(join(PROC, entry, "stat"), "utf8");
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    stats.set(Number(entry), { ppid: Number(fields[1]), ticks });
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/**
 * Runs `command args` in the repository root and resolves with its exit code and output (it never
 * rejects for a non-zero exit). Rejects, after stopping every process of the command, when the
 * budget is exceeded.
 */
export function runChild(command: string, args: string[], options: ChildOptions): Promise<ChildResult> {
  const { cpuSeconds: budget, stallSeconds = 60 } = options.budget;
  const measurable = existsSync(join(PROC, "self", "stat"));
  const started = performance.now();
  const child = spawn(options.shell ? "/bin/sh" : command, options.shell ? ["-c", [command, ...args].join(" ")] : args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    // Its own process group, so that stopping it stops npm, sh and node together.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const shown = [command, ...args].join(" ");
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => stdout.push(b));
  child.stderr.on("data", (b: Buffer) => stderr.push(b));

  let cpu = 0;
  let lastProgress = performance.now();
  let stopped: string | undefined;
  const stop = (why: string) => {
    stopped ??= why;
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  };
  const onExit = () => stop("the test process exited");
  process.once("exit", onExit);
  const timer = setInterval(() => {
    const wall = (performance.now() - started) / 1000;
    if (!measurable) {
      // No /proc: allow a slow machine ten times the CPU budget in wall time.
      if (wall > budget * 10) stop(`ran ${Math.round(wall)} s of wall time, over ten times its ${budget} s CPU budget`);
      return;
    }
    let now: number;
    try {
      now = treeCpuSeconds(child.pid as number);
    } catch {
      return;
    }
    if (now > cpu + 0.01) {
      cpu = now;
      lastProgress = performance.now();
    }
    if (cpu > budget) stop(`used ${cpu.toFixed(1)} s of CPU, over its budget of ${budget} s`);
    else if ((performance.now() - lastProgress) / 1000 > stallSeconds)
      stop(`used no CPU for ${stallSeconds} s (hung?) after ${cpu.toFixed(1)} s of CPU`);
  }, POLL_MS);

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      clearInterval(timer);
      process.off("exit", onExit);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearInterval(timer);
      process.off("exit", onExit);
      const result: ChildResult = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        cpuSeconds: measurable ? cpu : null,
        wallSeconds: Math.round((performance.now() - started) / 100) / 10,
      };
      if (stopped) {
        reject(new Error(`stopped \`${shown}\`: it ${stopped}.\nstderr:\n${result.stderr.slice(-4000)}`));
      } else resolve(result);
    });
  });
}

/** `node --import tsx <script> ...args` on the Node that runs the tests (the project's Node 24). */
export function runTsx(script: string, args: string[], options: ChildOptions): Promise<ChildResult> {
  return runChild(process.execPath, ["--import", "tsx", script, ...args], options);
}
