/**
 * The per-test (and per-hook) timeout of a test file, scaled to how busy the machine is when the
 * file starts. A test that needs 5 s on a quiet 2-core machine needs 20 s when four processes want
 * each core; a fixed 30 s limit then fails a correct test, which is a timing the test must not rely
 * on. The base is 30 s; the factor is the machine's runnable processes per
 * core (the 1-minute load average over the cores, at least 1, at most 10), so a hung test still
 * fails, later on a busy machine. Where the load average is unknown (Windows reports 0) the base
 * applies. Timeouts a test gives explicitly are its own; tests that run a command are bounded by
 * CPU instead (child-process.ts).
 */
import { availableParallelism, loadavg } from "node:os";

/** The timeout on a machine with no more runnable processes than cores. */
export const BASE_TIMEOUT_MS = 30_000;

export function loadFactor(load = loadavg()[0], cores = availableParallelism()): number {
  return Math.min(10, Math.max(1, load / cores));
}

jest.setTimeout(Math.round(BASE_TIMEOUT_MS * loadFactor()));
