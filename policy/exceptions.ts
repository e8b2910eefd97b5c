/**
 * Every place a rule does not hold, declared once: which rules, why, and the narrowest match.
 * Rules call the predicates below; test/policy/exceptions.test.ts proves each stays that narrow
 * (a look-alike outside the match is still a violation) and that each is still needed.
 *
 * The lists come from the stack's own declarations wherever it has one, so the pack and the
 * stack cannot drift apart: the wildcard-resource actions (infra/core/lambda-permissions.ts,
 * infra/components/orchestration/dr-orchestration.ts), the runbook functions (lib/handlers/dr-functions.ts), the canary
 * ticker's name, and the regions AWS pins Route 53 logs and metrics to.
 */
import { QUERY_LOG_REGION } from "../infra/core/aws-facts";
import { ROUTE53_METRICS_REGION } from "../infra/core/aws-facts";
import { CANARY_TICKER_SERVICE, STATE_MACHINE_WILDCARD_ACTIONS } from "../infra/core/aws-facts";
import { FIS_WILDCARD_ACTIONS } from "../infra/core/drill-experiments";
import { WILDCARD_RESOURCE_ACTIONS } from "../infra/core/lambda-permissions";
import { runbookFunctions } from "../lib/handlers";
import { actionsOf, conditionValues, type PolicyStatement, principalsOf, resourcesOf } from "./lib/documents";

export interface DeclaredException {
  key: string;
  /** Checklist ids of the rules that consult it. */
  rules: string[];
  reason: string;
  /** The match, in words (docs/security.md). */
  scope: string;
}

const ENVIRONMENT = "[a-z][a-z0-9]{0,11}";
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `{service}-{region}-{environment}` (infra/core/naming.ts), for exactly these services and this region. */
const physicalName = (services: readonly string[], region: string | undefined, suffix = "") =>
  new RegExp(`^(?:${services.map(escape).join("|")})-${escapeRegExp(region ?? "-")}-${ENVIRONMENT}${suffix}$`);

// --- I1: `Resource: "*"` -------------------------------------------------------------------------

/** Actions AWS authorises only on `Resource: "*"`, as the stack declares them. */
export const WILDCARD_RESOURCE_ACTION_SET: ReadonlySet<string> = new Set([
  ...Object.keys(WILDCARD_RESOURCE_ACTIONS),
  ...STATE_MACHINE_WILDCARD_ACTIONS,
  ...FIS_WILDCARD_ACTIONS,
]);

/**
 * May this Allow statement name `Resource: "*"`? Only if every action is one AWS does not scope
 * by resource, and PutMetricData is bound to a namespace instead.
 */
export function wildcardResourceAllowed(statement: PolicyStatement, actions: string[]): boolean {
  if (actions.length === 0 || !actions.every((a) => WILDCARD_RESOURCE_ACTION_SET.has(a))) return false;
  if (actions.includes("cloudwatch:PutMetricData")) return conditionValues(statement, "cloudwatch:namespace", ["StringEquals"]).length > 0;
  if (actions.includes("dynamodb:InjectError"))
    return conditionValues(statement, "dynamodb:FisTargetArns", ["ForAllValues:StringEquals"]).length > 0;
  return true;
}

// --- L1: functions outside the VPC ------------------------------------------------------------------

/** The runbook and canary functions (lib/handlers/dr-functions.ts) that declare `vpc: false`. */
export const FUNCTIONS_OUTSIDE_VPC: readonly string[] = runbookFunctions.filter((s) => !s.vpc).map((s) => s.name);
export const isFunctionOutsideVpcByDesign = (functionName: unknown, region: string | undefined) =>
  typeof functionName === "string" && physicalName(FUNCTIONS_OUTSIDE_VPC, region).test(functionName);

// --- S6, S11: the S3 server-access-log buckets ------------------------------------------------------

/** The service slot of the access-log buckets' names (infra/stack/payments-dr.ts). */
export const ACCESS_LOG_BUCKET_SERVICE = "s3-access-logs";
/** An access-log bucket: named so, and the target of another bucket's server access logging. */
export const isAccessLogBucket = (bucketName: unknown, region: string | undefined, isLoggingTarget: boolean) =>
  isLoggingTarget && typeof bucketName === "string" && physicalName([ACCESS_LOG_BUCKET_SERVICE], region, "-\\d{12}").test(bucketName);

// --- K1: the key policy's root statement -------------------------------------------------------------

/** AWS's default key-policy statement: the key's own account root, `kms:*`, on the key itself. */
export function isKeyPolicyRootStatement(statement: PolicyStatement, keyAccount: string | undefined): boolean {
  const p = principalsOf(statement);
  const root = keyAccount ? `arn:aws:iam::${keyAccount}:root` : undefined;
  return (
    statement.Sid === "EnableIamPolicies" &&
    statement.Effect === "Allow" &&
    !p.anyone &&
    p.service.length === 0 &&
    p.federated.length === 0 &&
    p.aws.length === 1 &&
    root !== undefined &&
    (p.aws[0] === root || p.aws[0] === keyAccount) &&
    JSON.stringify(actionsOf(statement)) === JSON.stringify(["kms:*"]) &&
    JSON.stringify(resourcesOf(statement)) === JSON.stringify(["*"])
  );
}

// --- F2: the EXPRESS canary ticker -------------------------------------------------------------------

export const isExpressByDesign = (machineName: unknown, region: string | undefined) =>
  typeof machineName === "string" && physicalName([CANARY_TICKER_SERVICE], region).test(machineName);

// --- A8: the unauthenticated health check ------------------------------------------------------------

export const UNAUTHENTICATED_ROUTES: readonly string[] = ["GET /health"];

// --- X1: resources that exist in one region only -----------------------------------------------------

export interface RegionFacts {
  region: string | undefined;
  primary: string | undefined;
  secondary: string | undefined;
}

export interface OneRegionOnly {
  key: string;
  /** True when this resource is a declared one-region resource, in the region it must be in. */
  matches(type: string, props: Record<string, unknown>, facts: RegionFacts): boolean;
}

/** The alarm key of the "primary fenced" alarm (infra/core/alarm-catalog.ts). */
export const FENCE_ALARM_SERVICE = "primary-fenced";

export const ONE_REGION_ONLY: readonly OneRegionOnly[] = [
  {
    key: "global-tables-in-primary",
    matches: (type, props, f) =>
      f.region === f.primary &&
      ((type === "aws:dynamodb/table:Table" && Array.isArray(props.replicas) && props.replicas.length > 0) ||
        type === "aws:dynamodb/tableItem:TableItem"),
  },
  {
    key: "backup-plan-in-primary",
    matches: (type, _props, f) => f.region === f.primary && (type === "aws:backup/plan:Plan" || type === "aws:backup/selection:Selection"),
  },
  {
    key: "route53-query-logs-in-us-east-1",
    matches: (type, props, f) =>
      f.region === QUERY_LOG_REGION &&
      ((type === "aws:cloudwatch/logGroup:LogGroup" && String(props.name).startsWith("/aws/route53/")) ||
        (type === "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter" && String(props.logGroup).startsWith("/aws/route53/")) ||
        (type === "aws:cloudwatch/logResourcePolicy:LogResourcePolicy" && String(props.policyName).startsWith("route53-query-logs-"))),
  },
  {
    key: "route53-alarms-in-us-east-1",
    matches: (type, props, f) =>
      f.region === ROUTE53_METRICS_REGION && type === "aws:cloudwatch/metricAlarm:MetricAlarm" && props.namespace === "AWS/Route53",
  },
  {
    key: "fence-alarm-in-secondary",
    matches: (type, props, f) =>
      f.region === f.secondary &&
      type === "aws:cloudwatch/metricAlarm:MetricAlarm" &&
      physicalName([FENCE_ALARM_SERVICE], f.region).test(String(props.name)),
  },
];

/** The declared exceptions, for docs/security.md and the tests. */
export const DECLARED_EXCEPTIONS: readonly DeclaredException[] = [
  {
    key: "wildcard-resource-actions",
    rules: ["I1"],
    reason:
      "AWS offers no resource-level permission for these actions (X-Ray, ENI management for VPC functions, ListStreams, vended-log delivery, FIS target resolution, GetMetricData for the drill's payment check); PutMetricData is bound by a cloudwatch:namespace condition, FIS's dynamodb:InjectError by dynamodb:FisTargetArns instead.",
    scope:
      "Allow statements whose every action is in WILDCARD_RESOURCE_ACTIONS (infra/core/lambda-permissions.ts), STATE_MACHINE_WILDCARD_ACTIONS (infra/core/aws-facts.ts) or FIS_WILDCARD_ACTIONS (infra/core/drill-experiments.ts); cloudwatch:PutMetricData only with a cloudwatch:namespace condition, dynamodb:InjectError only with a dynamodb:FisTargetArns condition.",
  },
  {
    key: "functions-outside-vpc",
    rules: ["L1"],
    reason:
      "The canary and the runbook functions must reach the peer region's public endpoints and the zone's public name servers; a failover path must not depend on a NAT gateway in the failing region (docs/architecture.md). They touch no payment data.",
    scope:
      "Functions named `<name>-<region>-<env>` for the lib/handlers/dr-functions.ts specs with `vpc: false`; never a payment-path function.",
  },
  {
    key: "access-log-buckets",
    rules: ["S6", "S11"],
    reason:
      "S3 server access logging cannot deliver to buckets encrypted with SSE-KMS, so these buckets use SSE-S3; a log bucket does not log into itself.",
    scope: `Buckets named \`${ACCESS_LOG_BUCKET_SERVICE}-<region>-<env>-<account>\` that are the target of another bucket's logging; SSE-S3 (AES256) is still required.`,
  },
  {
    key: "key-policy-root-statement",
    rules: ["K1"],
    reason:
      "AWS's default key-policy statement lets IAM policies of the key's own account grant use of the key; without it the key becomes unmanageable.",
    scope: "The statement with Sid EnableIamPolicies granting `kms:*` on `*` to the key's own account root, and nothing else.",
  },
  {
    key: "express-canary-ticker",
    rules: ["F2"],
    reason:
      "The ticker only spaces the canary's probes within each minute, started every minute by Scheduler; a probe is idempotent, so STANDARD's exactly-once execution buys nothing and would cost 1,440 executions per day per region.",
    scope: `State machines named \`${CANARY_TICKER_SERVICE}-<region>-<env>\`.`,
  },
  {
    key: "unauthenticated-health",
    rules: ["A8"],
    reason: "Route 53 health checkers cannot sign requests; /health reveals only whether the region's local dependencies answer.",
    scope: "The method GET /health; any other method or path with authorization NONE is a violation.",
  },
  {
    key: "one-region-only",
    rules: ["X1"],
    reason:
      "Global tables are created in the primary and replicated by DynamoDB; one backup plan copies into the secondary vault; Route 53 query logs and health-check metrics exist only in us-east-1; the fence alarm lives in the secondary by design.",
    scope: `${ONE_REGION_ONLY.map((o) => o.key).join(", ")} (each bound to its region).`,
  },
];
