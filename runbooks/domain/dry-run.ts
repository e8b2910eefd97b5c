/**
 * The dry-run's verdict: every precondition the real run would check, as findings. Pure.
 * Ready means the run, started now, would get the lease, would decide to act, would find
 * replication safe, and (for approval) says whether it would wait for an operator.
 */
import type { Assessment, DnsStep, LeaseCheckStep, ReplicationStep } from "./steps";
import type { Run } from "./run";

export interface DryRunInput {
  run: Run;
  leaseCheck: LeaseCheckStep;
  assessment: Assessment;
  replication: ReplicationStep;
  dns: DnsStep;
}

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
}

export function dryRunFindings(input: DryRunInput): { ready: boolean; checkMode: Run["mode"]; findings: Finding[]; cause: string } {
  const { run, leaseCheck, assessment, replication, dns } = input;
  const wanted = run.checkMode;
  const findings: Finding[] = [
    { check: "input", ok: true, detail: `valid ${wanted} request for ${run.region}` },
    {
      check: "lease",
      ok: leaseCheck.leaseFree,
      detail: leaseCheck.leaseFree
        ? "free"
        : `held by ${leaseCheck.heldBy?.holder} (${leaseCheck.heldBy?.mode} in ${leaseCheck.heldBy?.region}) until ${new Date((leaseCheck.heldBy?.expiresAt ?? 0) * 1000).toISOString()}`,
    },
    {
      check: "decision",
      ok: assessment.action === wanted,
      detail: `${assessment.action}: ${assessment.reason}`,
    },
    {
      check: "replication",
      ok: replication.verdict === "ok",
      detail: replication.summary,
    },
    {
      // Informational: before a failover/drill DNS answers the peer, before a failback the secondary.
      check: "dns",
      ok: dns.error === undefined && dns.answers.length > 0,
      detail: dns.error ? `witness query failed: ${dns.error}` : `witness ${dns.name} answers ${dns.answers.join(", ") || "nothing"}`,
    },
    {
      check: "approval",
      ok: true,
      detail: assessment.needsApproval
        ? `the run would wait for approval: ${assessment.approvalReason}`
        : `no approval wait (${assessment.approvalReason})`,
    },
    {
      check: "anti-flap",
      ok: true,
      detail: leaseCheck.automaticRunWouldBeSuppressed
        ? `an automatic run now would be suppressed: ${leaseCheck.antiFlapReason}`
        : leaseCheck.antiFlapReason,
    },
  ];
  const failing = findings.filter((f) => !f.ok);
  const ready = failing.length === 0;
  return {
    ready,
    checkMode: wanted,
    findings,
    cause: ready
      ? `${wanted} in ${run.region}: ready`
      : `${wanted} in ${run.region} is not ready: ${failing.map((f) => `${f.check}: ${f.detail}`).join("; ")}`.slice(0, 32000),
  };
}
