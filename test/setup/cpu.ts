/**
 * The CPU clock the per-test budget reads (timeouts.ts), kept free of jest so a plain child
 * process can load it: its own test measures it in a fresh process, where no other work shares the clock.
 */

/** CPU seconds this process has used so far (user + system). */
export function cpuSecondsNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The failure for a test that used `used` CPU seconds against `budget`, or undefined within it. */
export function budgetExceeded(used: number, budget: number): Error | undefined {
  if (used <= budget) return undefined;
  return new Error(
    `This test used ${used.toFixed(1)} CPU seconds, over its budget of ${budget} s (test/setup/timeouts.ts): a runaway, or a test that grew and must say so with cpuBudget().`,
  );
}
