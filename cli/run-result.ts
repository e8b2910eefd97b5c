/**
 * The result of a followed run: status, decisions, measured RTO/RPO against the objectives
 * (from the run's evidence report when it wrote one, otherwise from the step outputs), and for a
 * dry-run its findings. Built once; printed as JSON or as plain text.
 */
import type { DrReport, Verdict } from "../runbooks/domain/report";
import type { Context } from "./context";
import type { Objectives } from "./discovery";
import type { Decision } from "./step-summaries";
import type { ExecutionStatus, StateProgress } from "./tracker";
import { formatElapsed } from "./tracker";

export interface RunResult {
  environment: string;
  execution: {
    name: string;
    arn: string;
    region: string;
    mode: string;
    input: unknown;
    consoleUrl: string;
    status: ExecutionStatus;
    startedAt: string;
    stoppedAt: string | null;
    error: { name: string; cause: string } | null;
  };
  outcome: string | null;
  decisions: Decision[];
  measurements: {
    rtoSeconds: number | null;
    rpoExposureSeconds: number | null;
    detectionSeconds: number | null;
    dnsShiftSeconds: number | null;
  };
  objectives: Objectives | null;
  evaluation: { rto: Verdict; rpo: Verdict; passed: boolean } | null;
  report: { bucket: string; jsonKey: string; markdownKey: string } | null;
  dryRun: { ready: boolean; checkMode: string; findings: { check: string; ok: boolean; detail: string }[] } | null;
  states: StateProgress[];
}

type Steps = Record<string, { Payload?: Record<string, unknown> } | undefined>;

/** Where the run's report went, from its WriteReport step. */
export function reportLocation(lastState: unknown): RunResult["report"] {
  const p = ((lastState as { steps?: Steps } | undefined)?.steps?.report?.Payload ?? undefined) as
    | { bucket?: string; jsonKey?: string; markdownKey?: string }
    | undefined;
  if (!p?.bucket || !p.jsonKey) return null;
  return { bucket: p.bucket, jsonKey: p.jsonKey, markdownKey: p.markdownKey ?? p.jsonKey.replace(/\.json$/, ".md") };
}

const OUTCOME_BY_ACTION: Record<string, string> = {
  failover: "failed-over",
  failback: "failed-back",
  drill: "drill-completed",
  "drain-self": "drained",
  "no-action": "no-action",
};

/** Result fields from the run's own report, or — when there is none — from its step outputs. */
export function measuredResult(
  status: ExecutionStatus,
  lastState: unknown,
  report: DrReport | undefined,
  objectives: Objectives | undefined,
): Pick<RunResult, "outcome" | "measurements" | "objectives" | "evaluation" | "dryRun"> {
  const steps = ((lastState as { steps?: Steps } | undefined)?.steps ?? {}) as Steps;
  const dry = steps.dryRun?.Payload as RunResult["dryRun"] | undefined;
  const dryRun = dry ? { ready: dry.ready, checkMode: dry.checkMode, findings: dry.findings } : null;
  if (report) {
    const m = report.measurements;
    return {
      outcome: report.outcome,
      measurements: {
        rtoSeconds: m.rtoSeconds,
        rpoExposureSeconds: m.rpoExposureSeconds,
        detectionSeconds: m.detectionSeconds,
        dnsShiftSeconds: m.dnsShiftSeconds,
      },
      objectives: report.objectives,
      evaluation: { rto: report.evaluation.rto, rpo: report.evaluation.rpo, passed: report.evaluation.passed },
      dryRun,
    };
  }
  const exposure = steps.replication?.Payload?.exposureSeconds;
  const rpoExposureSeconds = typeof exposure === "number" ? exposure : null;
  const action = steps.assess?.Payload?.action;
  const outcome =
    status === "RUNNING"
      ? null
      : status !== "SUCCEEDED"
        ? "failed"
        : dryRun
          ? dryRun.ready
            ? "ready"
            : "not-ready"
          : (OUTCOME_BY_ACTION[String(action)] ?? null);
  const rpo: Verdict =
    rpoExposureSeconds === null || !objectives ? "not-measured" : rpoExposureSeconds <= objectives.rpoSeconds ? "pass" : "fail";
  return {
    outcome,
    measurements: { rtoSeconds: null, rpoExposureSeconds, detectionSeconds: null, dnsShiftSeconds: null },
    objectives: objectives ?? null,
    evaluation: rpoExposureSeconds === null ? null : { rto: "not-measured", rpo, passed: status === "SUCCEEDED" && rpo !== "fail" },
    dryRun,
  };
}

const verdictText = (v: Verdict) => (v === "pass" ? "PASS" : v === "fail" ? "FAIL" : "not measured");
const seconds = (n: number | null) => (n === null ? "—" : `${n} s`);

/** Plain text for stdout. */
export function renderRunResult(result: RunResult, ctx: Context): string {
  const e = result.execution;
  const paint = ctx.paintOut;
  const lines: string[] = [];
  const took = e.stoppedAt ? ` in ${formatElapsed((Date.parse(e.stoppedAt) - Date.parse(e.startedAt)) / 1000)}` : "";
  const status =
    e.status === "SUCCEEDED" ? paint("green", e.status) : e.status === "RUNNING" ? paint("yellow", e.status) : paint("red", e.status);
  lines.push(`${e.mode} ${e.name} in ${e.region}: ${status}${took}`);
  if (e.error) lines.push(`error         ${e.error.name}${e.error.cause ? `: ${e.error.cause}` : ""}`);
  if (result.outcome) lines.push(`outcome       ${result.outcome}`);
  const m = result.measurements;
  const o = result.objectives;
  if (result.dryRun === null && (m.rtoSeconds !== null || m.rpoExposureSeconds !== null || result.evaluation)) {
    const ev = result.evaluation;
    lines.push(
      `RTO           ${seconds(m.rtoSeconds)}${o ? ` (objective ${o.rtoSeconds} s)` : ""}: ${verdictText(ev?.rto ?? "not-measured")}`,
    );
    lines.push(
      `RPO exposure  ${seconds(m.rpoExposureSeconds)}${o ? ` (objective ${o.rpoSeconds} s)` : ""}: ${verdictText(ev?.rpo ?? "not-measured")}`,
    );
    if (m.detectionSeconds !== null) lines.push(`detection     ${seconds(m.detectionSeconds)}`);
    if (m.dnsShiftSeconds !== null) lines.push(`DNS shift     ${seconds(m.dnsShiftSeconds)}`);
  }
  if (result.dryRun) {
    lines.push(`dry-run       ${result.dryRun.checkMode}: ${result.dryRun.ready ? paint("green", "ready") : paint("red", "not ready")}`);
    const width = Math.max(...result.dryRun.findings.map((f) => f.check.length), 5);
    for (const f of result.dryRun.findings) lines.push(`  ${f.ok ? "ok  " : paint("red", "FAIL")}  ${f.check.padEnd(width)}  ${f.detail}`);
  }
  if (result.decisions.length > 0) {
    lines.push("decisions");
    const sw = Math.max(...result.decisions.map((d) => d.step.length));
    const dw = Math.max(...result.decisions.map((d) => d.decision.length));
    for (const d of result.decisions) lines.push(`  ${d.step.padEnd(sw)}  ${d.decision.padEnd(dw)}  ${d.reason}`);
  }
  if (result.report) {
    lines.push(`report        s3://${result.report.bucket}/${result.report.markdownKey}`);
    lines.push(`              drctl report --env ${result.environment} --region ${e.region} ${e.name}`);
  }
  lines.push(`console       ${e.consoleUrl}`);
  return lines.join("\n");
}
