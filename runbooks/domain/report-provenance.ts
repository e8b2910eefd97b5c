/**
 * Who started and approved a run, and what code and configuration ran, from the execution state
 * (`$`) and what the `write-report` function knows about itself. Pure: the handler passes in its
 * invocation context and the digest of its own code file.
 *
 * What the function cannot know is said, not guessed: the commit deployed (the functions carry no
 * commit id) and the stack settings it is not given (health checks, TTL, alarms).
 */
import type { Provenance, ProvenanceFact } from "./evidence-manifest";
import { REPORT_KIND, REPORT_SCHEMA_VERSION } from "./report";
import type { RunState } from "./steps";

export interface WriterRuntime {
  /** From the Lambda invocation context. */
  functionName: string | null;
  functionVersion: string | null;
  /** SHA-256 (hex) of the code file the function loaded, and its name (index.js in a bundle). */
  codeFile: { name: string; sha256: string } | null;
  environment: string | null;
  rpoSeconds: number;
  rtoSeconds: number;
  evidenceBucket: string;
}

/** `arn:aws:states:<region>:<account>:execution:<machine>:<name>` → the state machine's ARN. */
export function stateMachineArnOf(executionArn: string): string | null {
  const m = /^arn:([^:]+):states:([^:]+):(\d+):execution:([^:]+):[^:]+$/.exec(executionArn);
  return m ? `arn:${m[1]}:states:${m[2]}:${m[3]}:stateMachine:${m[4]}` : null;
}

export function provenanceFromState(state: RunState, runtime: WriterRuntime): Provenance {
  const { run, steps } = state;
  const trigger = run.trigger;
  const startedHow =
    trigger.source === "alarm"
      ? `automatically: alarm ${trigger.alarmName} went to ALARM at ${trigger.changedAt} (about ${trigger.subjectRegion})`
      : trigger.source === "drill"
        ? `by the drill ${trigger.parentExecution} in ${trigger.parentRegion} (its failback)`
        : trigger.source === "reconcile"
          ? `automatically: the reconciler saw ${trigger.condition} at ${trigger.observedAt} (${trigger.detail})`
          : "by hand (drctl, or StartExecution with a manual input)";
  const assess = steps.assess?.Payload;
  const required = run.requireApproval || assess?.needsApproval === true || steps.approval !== undefined;
  const requiredBecause = run.requireApproval
    ? "the start input asked for approval (requireApproval)"
    : assess?.needsApproval
      ? assess.approvalReason
      : null;
  const machine = stateMachineArnOf(run.executionId);
  const code: ProvenanceFact[] = [
    {
      label: "State machine",
      value: machine,
      note: machine
        ? "from the execution ARN; its definition is the one deployed at the time of the run"
        : "the execution ARN has no state machine",
    },
    {
      label: "write-report function",
      value: runtime.functionName ? `${runtime.functionName} (version ${runtime.functionVersion ?? "unknown"})` : null,
      note: runtime.functionName ? "from the Lambda invocation context" : "not recorded: no invocation context",
    },
    {
      label: `Code file SHA-256 (${runtime.codeFile?.name ?? "index.js"})`,
      value: runtime.codeFile?.sha256 ?? null,
      note: runtime.codeFile
        ? "the write-report function's own code as it loaded it (in Lambda: the bundle's index.js); compare with the bundle `npm run build` makes from a commit"
        : "not recorded: the function could not read its own code file",
    },
    {
      label: "Commit",
      value: null,
      note: "not recorded: the deployed functions carry no commit id; the deploy's own record (the CI run, `pulumi stack history`) names it",
    },
    {
      label: "Other functions' bundles",
      value: null,
      note: "not recorded here: each function's CodeSha256 is in `aws lambda get-function --query Configuration.CodeSha256`",
    },
    { label: "Report schema", value: `${REPORT_KIND} v${REPORT_SCHEMA_VERSION}`, note: "report.json's kind and schemaVersion" },
  ];
  const configuration: ProvenanceFact[] = [
    { label: "Environment (stack)", value: runtime.environment, note: "the write-report function's ENVIRONMENT" },
    {
      label: "Regions",
      value: `primary ${run.primaryRegion}, secondary ${run.secondaryRegion}; this run activated ${run.region}`,
      note: "the state machine's configuration",
    },
    {
      label: "Objectives",
      value: `RTO ${runtime.rtoSeconds} s, RPO ${runtime.rpoSeconds} s`,
      note: "RTO_SECONDS and RPO_SECONDS of the write-report function (the stack's rtoSeconds and rpoSeconds)",
    },
    { label: "Mode", value: run.mode, note: "the execution input" },
    ...(run.mode === "drill"
      ? [{ label: "Hold", value: `${run.holdSeconds} s`, note: "how long the drill held traffic in the secondary" }]
      : []),
    {
      label: "Automatic failover (autoFailover)",
      value: assess ? String(assess.autoFailover) : null,
      note: assess ? "as the run's assessment read it" : "not recorded: the run ended before its assessment",
    },
    { label: "Evidence bucket", value: runtime.evidenceBucket, note: "versioned, Object Lock" },
    {
      label: "Other stack settings",
      value: null,
      note: "health checks, DNS TTL, alarm thresholds: not visible to the write-report function; see the stack's configuration (`pulumi config`) at the deployed commit",
    },
  ];
  return {
    startedBy:
      run.requestedBy ??
      (trigger.source === "alarm"
        ? `alarm ${trigger.alarmName}`
        : trigger.source === "reconcile"
          ? `reconciler (${trigger.condition})`
          : null),
    startedHow,
    ticket: trigger.source === "manual" ? (trigger.ticket ?? null) : null,
    approval: {
      required,
      requiredBecause,
      approved: steps.approval ? steps.approval.approved : null,
      by: steps.approval?.approvedBy ?? null,
      comment: steps.approval?.comment ?? null,
    },
    code,
    configuration,
    writtenBy: `the write-report step of execution ${run.executionName} (${run.region})`,
  };
}
