/**
 * A controllable `Date.now()`. Handlers read the clock at call time (`() => Date.now()`), so a
 * spy installed after they loaded is honoured; Powertools idempotency reads it the same way.
 * Only Date.now is replaced: promises and SDK internals keep real timers.
 */
export interface TestClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
  restore(): void;
}

export function installClock(start = Date.parse("2030-01-01T00:00:00.000Z")): TestClock {
  let current = start;
  const spy = jest.spyOn(Date, "now").mockImplementation(() => current);
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
    restore: () => spy.mockRestore(),
  };
}
