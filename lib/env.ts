/**
 * Required environment variables, read once at module scope by each handler. A missing one
 * fails the cold start with a message naming every variable that is absent, instead of a
 * confusing `undefined` somewhere deep in a request.
 */
export class MissingEnvironmentError extends Error {
  constructor(readonly missing: string[]) {
    super(`Missing required environment variable(s): ${missing.join(", ")}`);
    this.name = "MissingEnvironmentError";
  }
}

export function requireEnv<const K extends string>(names: readonly K[], env: NodeJS.ProcessEnv = process.env): Record<K, string> {
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
  return Object.fromEntries(names.map((n) => [n, env[n] as string])) as Record<K, string>;
}

/** An optional positive integer variable with a default; a malformed value is an error. */
export function intEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}
