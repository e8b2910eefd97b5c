/**
 * The offline plan: what the program would deploy, per region and area, evaluated with mocks.
 * `renderPlan` is pure (tested). `npm run plan` prints it through the rehearsal's command line
 * (sim/rehearsal/main.ts --plan), so it takes the same `--config <key>=<value>` and `--stack-file
 * <path>` flags as `npm start`, parsed and validated in one place (sim/rehearsal/config-flags.ts).
 */
import type { CapturedResource } from "./mocks";
import type { Evaluation } from "./evaluate";

/** Areas of the stack, by resource type. The first matching rule wins. */
const AREAS: [string, (type: string) => boolean][] = [
  ["network", (t) => /^aws:(ec2|vpc)\//.test(t)],
  ["keys", (t) => t.startsWith("aws:kms/")],
  ["tables & backups", (t) => /^aws:(dynamodb|backup)\//.test(t)],
  ["logging", (t) => /^aws:cloudwatch\/log|^aws:kinesis\//.test(t)],
  ["monitoring", (t) => /^aws:cloudwatch\/(metricAlarm|compositeAlarm|dashboard)/.test(t)],
  ["orchestration", (t) => /^aws:(sfn|scheduler)\/|^aws:cloudwatch\/event/.test(t)],
  ["functions", (t) => t.startsWith("aws:lambda/")],
  ["api", (t) => /^aws:(apigateway|acm|wafv2)\//.test(t)],
  ["dns", (t) => t.startsWith("aws:route53/")],
  ["storage", (t) => t.startsWith("aws:s3/")],
  ["messaging", (t) => /^aws:(sqs|sns)\//.test(t)],
  ["parameters", (t) => t.startsWith("aws:ssm/")],
  ["iam", (t) => t.startsWith("aws:iam/")],
];

export function areaOf(type: string): string {
  return AREAS.find(([, match]) => match(type))?.[0] ?? "other";
}

function scopeOf(r: CapturedResource): string {
  return r.region ?? "global";
}

export function renderPlan(ev: Evaluation): string {
  const out = ev.outputs;
  const aws = ev.resources.filter((r) => r.type.startsWith("aws:"));
  const scopes = [out.regions.primary, out.regions.secondary, "global"];
  const lines: string[] = [];
  lines.push(`payments-dr — offline plan for stack "${ev.stack}" (environment "${out.environment}")`);
  lines.push("Evaluated the Pulumi program with mocks: no AWS account, no Pulumi CLI. IDs and ARNs are placeholders.");
  lines.push("");
  lines.push(`Regions: ${out.regions.primary} (primary), ${out.regions.secondary} (secondary)`);
  lines.push(`Objectives: RPO ${out.objectives.rpoSeconds} s, RTO ${out.objectives.rtoSeconds} s`);
  lines.push("");

  const count = (area: string, scope: string) => aws.filter((r) => areaOf(r.type) === area && scopeOf(r) === scope).length;
  const areas = [...new Set(aws.map((r) => areaOf(r.type)))].sort();
  const width = Math.max(...areas.map((a) => a.length), 10);
  const header = ["", ...scopes].map((s, i) => (i === 0 ? s.padEnd(width) : s.padStart(10))).join("  ");
  lines.push(`Resources: ${aws.length} (${scopes.map((s) => `${s} ${aws.filter((r) => scopeOf(r) === s).length}`).join(", ")})`);
  lines.push(`  ${header}`);
  for (const area of areas) {
    lines.push(`  ${area.padEnd(width)}  ${scopes.map((s) => String(count(area, s) || "-").padStart(10)).join("  ")}`);
  }
  lines.push("");

  lines.push("Key names:");
  const named = (label: string, values: unknown) => {
    const list = typeof values === "object" && values !== null ? Object.entries(values).map(([k, v]) => `${k}: ${v}`) : [String(values)];
    lines.push(`  ${label}`);
    for (const item of list) lines.push(`    ${item}`);
  };
  named("global tables", out.tableNames);
  named("transaction-log buckets", out.transactionLogBuckets);
  named("alert topics", out.alertTopicArns);
  for (const [label, key] of [
    ["API endpoints", "apiEndpoints"],
    ["health checks", "healthCheckUrls"],
    ["state machines", "stateMachineArns"],
  ] as const) {
    if (out[key]) named(label, out[key]);
  }
  lines.push(`  SSM parameters (same names in both regions): ${out.parameterNames.primary.length} under /payments-dr/${out.environment}/`);
  return lines.join("\n");
}
