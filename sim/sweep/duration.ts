/** Durations as the command line writes them (`30s`, `2m`, `1500ms`), the grammar of experiments.ts's fault specs. */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** `2m`, `90s`, `1500ms`, `0s`: the shortest exact form. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Milliseconds, or undefined when `value` is not a duration (a bare number is seconds). */
export function parseDuration(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}
