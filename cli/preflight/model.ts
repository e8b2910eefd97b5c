/**
 * `drctl preflight` as data (the --json shape, docs/cli.md): every check says pass, fail, cannot
 * tell or skipped, what it found, what to do, and which API it asked.
 */
import { CliError } from "../errors";

/**
 * - pass: checked, and fine;
 * - fail: checked, and the stack cannot deploy or does not work as intended (exit 4);
 * - cannot-tell: the answer could not be had (a region or Route 53's API unreachable, access
 *   denied, no configuration to check against): not a failure, but nothing is known;
 * - skipped: does not apply yet (after-deploy checks before the stack is deployed, certificates
 *   before the first `pulumi up` requests them).
 */
export type Verdict = "pass" | "fail" | "cannot-tell" | "skipped";

/** Checks of what must be true before `pulumi up`, and of the running stack after it. */
export type Phase = "before-deploy" | "after-deploy";

export interface CheckResult {
  /** Stable identifier, e.g. `lambda-concurrency`, `health-check:primaryEndpoint`. */
  id: string;
  phase: Phase;
  /** The region checked; null for the account, the zone and Route 53's global health checks. */
  region: string | null;
  verdict: Verdict;
  /** What was found. */
  detail: string;
  /** What to do about a fail, a cannot-tell or a skip; null on pass. */
  action: string | null;
  /** The API calls (or DNS question) the answer came from. */
  source: string;
}

export interface PreflightReport {
  environment: string;
  checkedAt: string;
  primaryRegion: string;
  secondaryRegion: string;
  account: { id: string; principal: string };
  /** Where the zone settings came from and what they are. */
  config: { source: string | null; zoneName: string | null; hostedZoneId: string | null; delegationSetId: string | null };
  /** Per region: the stack's SSM parameters exist (true), do not (false), or could not be read (null). */
  deployed: Record<string, boolean | null>;
  checks: CheckResult[];
  summary: { pass: number; fail: number; cannotTell: number; skipped: number };
  /** No check failed. */
  ready: boolean;
}

type Base = Pick<CheckResult, "id" | "phase" | "region" | "source">;

export const pass = (base: Base, detail: string): CheckResult => ({ ...base, verdict: "pass", detail, action: null });
export const fail = (base: Base, detail: string, action: string): CheckResult => ({ ...base, verdict: "fail", detail, action });
export const cannotTell = (base: Base, detail: string, action: string): CheckResult => ({
  ...base,
  verdict: "cannot-tell",
  detail,
  action,
});
export const skipped = (base: Base, detail: string, action: string): CheckResult => ({ ...base, verdict: "skipped", detail, action });

/** A check whose AWS call failed: cannot tell, saying why and what to do (the error's own hint). */
export function fromError(base: Base, error: unknown): CheckResult {
  if (error instanceof CliError) {
    const action =
      error.kind === "access-denied"
        ? `grant your role ${base.source.split(/[ ,]/)[0]} (docs/cli.md, Permissions)`
        : (error.hint ?? "run it again; if it keeps failing, check the call with the AWS CLI");
    return cannotTell(base, error.message, action);
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return cannotTell(base, message, "run it again with DRCTL_DEBUG=1 and report the output");
}

/** Runs one check; an error that escapes it becomes its cannot-tell. */
export async function check(base: Base, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError && (error.kind === "credentials" || error.kind === "interrupted")) throw error;
    return fromError(base, error);
  }
}

export function summarize(checks: CheckResult[]): PreflightReport["summary"] {
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  return { pass: count("pass"), fail: count("fail"), cannotTell: count("cannot-tell"), skipped: count("skipped") };
}

/** Name servers compared as Route 53 and resolvers print them: lower case, no trailing dot. */
export function normalizeNameServer(ns: string): string {
  return ns.trim().toLowerCase().replace(/\.$/, "");
}

/** The two lists name the same servers (order and case do not matter). */
export function sameNameServers(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a.map(normalizeNameServer))].sort();
  const y = [...new Set(b.map(normalizeNameServer))].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
