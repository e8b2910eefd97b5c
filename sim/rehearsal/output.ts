/**
 * The rehearsal for people: a header that says the world is simulated, the deployment it was
 * built from, the story, a timeline in virtual time, the figures and the checks. And the same as
 * data (`--json`).
 */
import { formatOffset } from "../clock";
import type { Deployment } from "../deployment/types";
import type { RehearsalResult } from "./runner";
import type { TimelineEntry } from "../timeline";

export const SIMULATED_NOTICE =
  "SIMULATED: no AWS account is involved. Two regions of AWS (DynamoDB global tables, SQS, SNS, S3, CloudWatch alarms, EventBridge, " +
  "Step Functions, Lambda, API Gateway, Route 53 health checks and DNS) are simulated in this process on a virtual clock. What runs is " +
  "the real code: every Lambda handler, unmodified, loaded once per region with the environment the Pulumi program deploys, and the " +
  "state machines exactly as the program renders them.";

const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Traffic milestones derived from the clients' acknowledgements: which region answers, and silences. */
export function trafficMilestones(result: RehearsalResult): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let previous: { at: number; region: string } | undefined;
  for (const a of result.acks) {
    const gap = previous && a.at - previous.at > GAP_MS ? a.at - previous.at : undefined;
    if (!previous || previous.region !== a.region || gap !== undefined) {
      const after =
        gap !== undefined && previous
          ? ` — the first after ${s(gap)} without any (since ${formatOffset(previous.at - result.origin)}; clients kept retrying)`
          : "";
      out.push({ at: a.at, where: "clients", kind: "traffic", text: `payments acknowledged by ${a.region}${after}` });
    }
    previous = a;
  }
  return out;
}

/** Silences in acknowledgements longer than this are reported (clients pay every ~0.5 s together). */
export const GAP_MS = 5000;

/** The periods without any acknowledged payment, longest first. */
export function writeGaps(result: RehearsalResult): { from: number; seconds: number }[] {
  const gaps: { from: number; seconds: number }[] = [];
  for (let i = 1; i < result.acks.length; i++) {
    const d = result.acks[i].at - result.acks[i - 1].at;
    if (d > GAP_MS) gaps.push({ from: result.acks[i - 1].at, seconds: Math.round(d / 100) / 10 });
  }
  return gaps;
}

/** Consecutive states of one execution within a second become one line: "A → B → C". */
function compress(entries: TimelineEntry[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const e of entries) {
    const last = out.at(-1);
    const m = /^(\S+): (.+)$/.exec(e.text);
    const lm = last && /^(\S+): (.+)$/.exec(last.text);
    if (e.kind === "state" && last?.kind === "state" && m && lm && m[1] === lm[1] && e.at - last.at < 1000) {
      out[out.length - 1] = { ...last, text: `${lm[1]}: ${lm[2]} → ${m[2]}` };
    } else {
      out.push(e);
    }
  }
  return out;
}

export function printableTimeline(result: RehearsalResult, verbose: boolean): TimelineEntry[] {
  const shown = result.timeline.filter((e) => verbose || e.kind !== "region-record" || e.text.includes("arrived by replication"));
  return compress(shown);
}

/** The endpoint health checks' settings: one phrase when they agree (they do, unless a stack is broken), else each. */
function endpointChecks(d: Deployment): string {
  const endpoints = d.healthChecks.filter((c) => c.type === "HTTPS");
  const phrase = (c: (typeof endpoints)[number]) => `every ${c.intervalSeconds} s, unhealthy after ${c.failureThreshold} failures`;
  const phrases = [...new Set(endpoints.map(phrase))];
  if (phrases.length === 1) return `${endpoints.length} endpoint checks of ${endpoints[0].path ?? "/health"}, ${phrases[0]}`;
  return `endpoint checks ${endpoints.map((c) => `${c.referenceName} (${c.path}) ${phrase(c)}`).join(", ")}`;
}

export function renderDeployment(d: Deployment, planHeader: string): string[] {
  const ttl = d.records.find((r) => r.name === d.witnessName)?.ttlSeconds;
  const fence = d.healthChecks.find((c) => c.type === "CLOUDWATCH_METRIC")?.alarm;
  const triggers = d.eventRules.map(
    (r) =>
      `${r.region}: ${(JSON.stringify(r.pattern).match(/alarm:([^"]+)/g) ?? []).map((a) => a.slice(6).replace(`-${r.region}-${d.environment}`, "")).join(", ")}`,
  );
  return [
    ...planHeader.split("\n"),
    `Route 53: ${endpointChecks(d)}; DNS TTL ${ttl} s; primary guarded by alarm ${fence?.name} (${fence?.region})`,
    `Alarms that start runbooks — ${triggers.join("; ")}`,
    `Functions: ${d.functions.length} (${d.functions.length / 2} per region), state machines: ${d.stateMachines.map((m) => m.name).join(", ")}`,
  ];
}

export function renderResult(result: RehearsalResult, options: { verbose: boolean }): string {
  const f = result.figures;
  const lines: string[] = [];
  lines.push(`━━ Scenario ${result.scenario}: ${result.title}`, "");
  lines.push(...wrap(result.story, 100), "");
  lines.push("Timeline (virtual time; T+00:00.0 is the start of the scenario, after a minute of normal operation):");
  const entries = [...printableTimeline(result, options.verbose), ...trafficMilestones(result)].sort((a, b) => a.at - b.at);
  for (const e of entries) lines.push(`  ${formatOffset(e.at - result.origin)}  ${e.where.padEnd(9)}  ${e.text}`);
  lines.push("");
  lines.push("Summary:");
  const rb = f.runbook;
  lines.push(
    `  RTO                 ${f.rtoSeconds === null ? "not reached" : `${f.rtoSeconds} s`}  (outage start → DNS answers the secondary and a payment succeeds there)${rb?.rtoSeconds != null ? `; the runbook's report says ${rb.rtoSeconds} s` : ""}`,
  );
  lines.push(
    `  RPO exposure        ${f.rpoExposureSeconds === null ? "not measured" : `${f.rpoExposureSeconds} s`} as the runbook measured it; ${f.unreplicatedWindowSeconds ?? 0} s of writes (${f.unreplicatedPaymentsAtOutage} payments) were unreplicated when the primary stopped — delivered once it recovered`,
  );
  lines.push(
    `  Payments            ${f.acknowledged} acknowledged, ${f.acknowledgedPaymentsLost} lost, ${f.duplicatePayments} duplicates; ${f.writesAfterDemotion} accepted by a demoted region`,
  );
  const gaps = writeGaps(result);
  if (gaps.length > 0)
    lines.push(
      `  Without payments    ${gaps.map((g) => `${g.seconds} s from ${formatOffset(g.from - result.origin)}`).join(", ")} (no acknowledgement; clients retried)`,
    );
  lines.push(`  Notifications       ${f.notificationsSent} from the runbooks (+${f.alarmNotifications} alarm notifications)`);
  lines.push(
    `  Executions          ${result.executions.map((e) => `${e.region} ${e.name.replace(/-[0-9a-f]{16}$/, "")} ${e.status}${e.error ? ` (${e.error})` : ""}`).join("; ")}`,
  );
  lines.push("");
  lines.push("Checks:");
  for (const c of result.checks)
    lines.push(
      `  ${c.verdict === "pass" ? "PASS" : c.verdict === "fail" ? (c.known ? "KNOWN" : "FAIL") : "n/a "}  ${c.name} — ${c.detail}${c.known ? ` [known failure: ${c.known}]` : ""}`,
    );
  lines.push("");
  const failed = result.checks.filter((c) => c.verdict === "fail" && !c.known).length;
  const known = result.checks.filter((c) => c.verdict === "fail" && c.known).length;
  lines.push(
    `Result: ${result.passed ? "PASSED" : "FAILED"} (${result.checks.length} checks, ${failed} failed${known ? `, ${known} known failures` : ""}) — ${formatOffset(result.endedAt - result.origin).slice(2)} of virtual time in ${s(result.wallMs)} of wall time`,
  );
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (`${line} ${word}`.trim().length > width) {
      out.push(line.trim());
      line = word;
    } else line = `${line} ${word}`;
  }
  if (line.trim()) out.push(line.trim());
  return out;
}

/** `--json`: the same as data. */
export function resultData(result: RehearsalResult, reportDir: string | undefined) {
  const f = result.figures;
  return {
    simulated: true,
    scenario: result.scenario,
    title: result.title,
    story: result.story,
    summary: {
      rtoSeconds: f.rtoSeconds,
      rpoExposureSeconds: f.rpoExposureSeconds,
      unreplicatedWindowSeconds: f.unreplicatedWindowSeconds,
      unreplicatedPaymentsAtOutage: f.unreplicatedPaymentsAtOutage,
      acknowledgedPayments: f.acknowledged,
      acknowledgedPaymentsLost: f.acknowledgedPaymentsLost,
      duplicatePayments: f.duplicatePayments,
      writesAfterDemotion: f.writesAfterDemotion,
      notificationsSent: f.notificationsSent,
      alarmNotifications: f.alarmNotifications,
      runbookRtoSeconds: f.runbook?.rtoSeconds ?? null,
      longestWithoutPaymentsSeconds: Math.max(0, ...writeGaps(result).map((g) => g.seconds)),
      passed: result.passed,
      failedChecks: result.checks.filter((c) => c.verdict === "fail" && !c.known).map((c) => c.name),
      knownFailures: result.checks.filter((c) => c.verdict === "fail" && c.known).map((c) => c.name),
    },
    checks: result.checks,
    timeline: [...printableTimeline(result, true), ...trafficMilestones(result)]
      .sort((a, b) => a.at - b.at)
      .map((e) => ({
        t: formatOffset(e.at - result.origin),
        offsetSeconds: Math.round((e.at - result.origin) / 100) / 10,
        at: new Date(e.at).toISOString(),
        where: e.where,
        kind: e.kind,
        text: e.text,
      })),
    executions: result.executions.map((e) => ({
      ...e,
      startedAt: new Date(e.startedAt).toISOString(),
      stoppedAt: e.stoppedAt === null ? null : new Date(e.stoppedAt).toISOString(),
    })),
    notifications: result.notifications.map((n) => ({ ...n, at: new Date(n.at).toISOString() })),
    traffic: result.traffic,
    reportDir: reportDir ?? null,
    virtualSeconds: Math.round((result.endedAt - result.origin) / 1000),
    wallMs: result.wallMs,
  };
}
