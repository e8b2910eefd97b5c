/**
 * Runbook rules (B1, B2, B7, B8, B9, B11) on the state machines the stack renders, and on broken
 * copies of their definitions.
 */
import { runbookRules } from "../../policy/rules/runbooks";
import * as rb from "../../policy/rules/runbooks";
import { byType, editJson, withChange } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const drMachine = byType("aws:sfn/stateMachine:StateMachine", (r) => r.inputs.name === "dr-orchestrator-us-east-1-dev");
const ticker = byType("aws:sfn/stateMachine:StateMachine", (r) => r.inputs.name === "canary-ticker-us-east-1-dev");
const editDr = (edit: (states: Record<string, any>, definition: any) => void) => (rs: Parameters<FailingCase["change"]>[0]) =>
  withChange(rs, drMachine, (p) => editJson(p, "definition", (d) => edit(d.States, d)));
const editProbe = (edit: (probe: any) => void) => (rs: Parameters<FailingCase["change"]>[0]) =>
  withChange(rs, ticker, (p) => editJson(p, "definition", (d) => edit(d.States.ProbeAtOffsets.ItemProcessor.States.ProbePeer)));

const cases: FailingCase[] = [
  {
    rule: rb.noRoute53ControlPlane,
    when: "a runbook step rewrites a DNS record",
    change: editDr((s) => (s.PromoteLocalRegion.Resource = "arn:aws:states:::aws-sdk:route53:changeResourceRecordSets")),
    expect: /task PromoteLocalRegion calls the Route 53 control plane/,
  },
  {
    rule: rb.noRoute53ControlPlane,
    when: "a runbook role may update health checks",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "promote-local-us-east-1-dev"),
        (p) =>
          editJson(p, "policy", (doc) =>
            doc.Statement.push({ Effect: "Allow", Action: "route53:UpdateHealthCheck", Resource: "arn:aws:route53:::healthcheck/x" }),
          ),
      ),
    expect: /allows route53:UpdateHealthCheck/,
  },
  {
    rule: rb.runbookRegionLocal,
    when: "a step invokes the other region's function",
    change: editDr(
      (s) =>
        (s.PromoteLocalRegion.Parameters.FunctionName = s.PromoteLocalRegion.Parameters.FunctionName.replace(/us-east-1/g, "us-east-2")),
    ),
    expect: /state machine dr-orchestrator-us-east-1-dev \(us-east-1\) refers to arn:aws:lambda:us-east-2:/,
  },
  {
    rule: rb.runbookRegionLocal,
    when: "the machine's role may invoke the other region's functions",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "dr-orchestrator-us-east-1-dev"),
        (p) =>
          editJson(p, "policy", (doc) =>
            doc.Statement.push({
              Effect: "Allow",
              Action: "lambda:InvokeFunction",
              Resource: "arn:aws:lambda:us-east-2:123456789012:function:notify-us-east-2-dev",
            }),
          ),
      ),
    expect: /the role of state machine dr-orchestrator-us-east-1-dev \(us-east-1\) is granted arn:aws:lambda:us-east-2/,
  },
  {
    rule: rb.taskTimeouts,
    when: "a Task may hang forever",
    change: editDr((s) => delete s.ConfirmDnsAnswer.TimeoutSeconds),
    expect: /task ConfirmDnsAnswer has no TimeoutSeconds/,
  },
  {
    rule: rb.taskTimeouts,
    when: "the approval heartbeat is not below its timeout",
    change: editDr((s) => (s.RequestApproval.HeartbeatSeconds = s.RequestApproval.TimeoutSeconds)),
    expect: /HeartbeatSeconds 3600 is not below TimeoutSeconds 3600/,
  },
  {
    rule: rb.taskTimeouts,
    when: "the approval has no heartbeat",
    change: editDr((s) => delete s.RequestApproval.HeartbeatSeconds),
    expect: /callback task RequestApproval has no HeartbeatSeconds/,
  },
  {
    rule: rb.taskTimeouts,
    when: "the machine has no overall timeout",
    change: editDr((_s, d) => delete d.TimeoutSeconds),
    expect: /no overall TimeoutSeconds/,
  },
  {
    rule: rb.taskTimeouts,
    when: "a Task inside a Map has no timeout",
    change: editProbe((t) => delete t.TimeoutSeconds),
    expect: /task ProbeAtOffsets\/items\/ProbePeer has no TimeoutSeconds/,
  },
  {
    rule: rb.taskRetries,
    when: "a Lambda Task does not retry Lambda service errors",
    change: editDr((s) => delete s.PromoteLocalRegion.Retry),
    expect: /task PromoteLocalRegion has no retry with backoff on Lambda.ServiceException/,
  },
  {
    rule: rb.taskRetries,
    when: "retries have no backoff",
    change: editDr((s) => (s.PromoteLocalRegion.Retry[0].BackoffRate = 1)),
    expect: /task PromoteLocalRegion has no retry with backoff/,
  },
  {
    rule: rb.taskRetries,
    when: "a retry runs 50 times",
    change: editDr((s) => (s.PromoteLocalRegion.Retry[0].MaxAttempts = 50)),
    expect: /task PromoteLocalRegion has no retry with backoff/,
  },
  {
    rule: rb.taskCatches,
    when: "a Task lets failures end the execution",
    change: editDr((s) => delete s.FenceOldPrimary.Catch),
    expect: /task FenceOldPrimary does not catch States.ALL/,
  },
  {
    rule: rb.taskCatches,
    when: "a Map's Task catches only timeouts",
    change: editProbe((t) => (t.Catch[0].ErrorEquals = ["States.Timeout"])),
    expect: /ProbePeer does not catch States.ALL/,
  },
  {
    rule: rb.boundedLoops,
    when: "the DNS confirmation loop loses its counter bound",
    change: editDr((s) => (s.IsDnsShifted.Choices = s.IsDnsShifted.Choices.filter((c: any) => !("NumericGreaterThanEquals" in c)))),
    expect: /the loop .*ConfirmDnsAnswer.* has no numeric bound/,
  },
];

describe("runbook rules", () => ruleSuite(runbookRules, cases));
