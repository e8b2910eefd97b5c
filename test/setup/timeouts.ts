/**
 * How long a test may run, bounded by the work it does rather than by the wall clock.
 *
 * A wall-clock limit measures the machine, not the test: the same rehearsal takes 5 s alone and
 * 35 s when other work keeps both cores busy, and a limit scaled by the load when the file starts
 * still failed a correct test on CI when the load rose later (issue 13). So:
 * - a CPU budget per test (with its beforeEach and afterEach hooks): the CPU seconds this worker
 *   process spends on it, read with process.cpuUsage(). A runaway loop exceeds it however busy the machine is, and a
 *   busy machine slows a test without moving it closer to its budget. Tests that run commands
 *   bound those by CPU too (child-process.ts); a child's CPU is not counted here.
 * - a wall-clock backstop far above any budget (jest's own timeout), which only a test that waits
 *   for something that never comes (a promise nobody settles) reaches.
 * A test that needs more states it: `cpuBudget(seconds)` at the top of its file.
 */

import { budgetExceeded, cpuSecondsNow } from "./cpu";

/** CPU seconds a test or hook may use unless its file says otherwise: several times the slowest quiet test. */
export const DEFAULT_CPU_BUDGET_SECONDS = 60;
/** jest's timeout: the backstop for a test that waits forever without using CPU. */
export const BACKSTOP_TIMEOUT_MS = 10 * 60_000;

let budgetSeconds = DEFAULT_CPU_BUDGET_SECONDS;

/** Sets this file's CPU budget per test and hook. */
export function cpuBudget(seconds: number): void {
  budgetSeconds = seconds;
}

let startedAt = 0;
jest.setTimeout(BACKSTOP_TIMEOUT_MS);
beforeEach(() => {
  startedAt = cpuSecondsNow();
});
afterEach(() => {
  const error = budgetExceeded(cpuSecondsNow() - startedAt, budgetSeconds);
  if (error) throw error;
});
