/** Step Functions state machines: logging, tracing, type (F1, F2). */
import * as aws from "@pulumi/aws";
import { forType, resourceRule } from "../lib/rule";
import { isExpressByDesign } from "../exceptions";

export const sfnLogging = resourceRule(
  {
    id: "F1",
    name: "sfn-logging",
    title: "State machines log (ALL or ERROR) to a log group, without execution data (inputs and outputs may hold payment data).",
    sources: "Security Hub SFN.1; Checkov CKV_AWS_285; Control Tower CT.STEPFUNCTIONS.PR.1; PCI DSS v4.0.1 3.5.1 (no PAN in logs)",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    const logging = m.loggingConfiguration;
    if (logging?.level !== "ALL" && logging?.level !== "ERROR") report(`logging level is ${logging?.level ?? "OFF"}`);
    if (!logging?.logDestination) report("no log destination");
    if (logging?.includeExecutionData !== false) report("execution data must be explicitly excluded from the logs");
  }),
);

export const sfnTracingStandard = resourceRule(
  {
    id: "F2",
    name: "sfn-tracing-standard",
    title:
      "State machines are traced with X-Ray and are STANDARD (exactly-once, idempotent starts, 90-day history); the canary ticker is a declared EXPRESS exception.",
    sources: "Checkov CKV_AWS_284; Control Tower CT.STEPFUNCTIONS.PR.2; Step Functions execution guarantees",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    if (m.tracingConfiguration?.enabled !== true) report("X-Ray tracing is off");
    const type = m.type ?? "STANDARD";
    if (type !== "STANDARD" && !isExpressByDesign(m.name, m.region)) report(`type ${type} is not STANDARD`);
  }),
);

export const stepFunctionsRules = [sfnLogging, sfnTracingStandard];
