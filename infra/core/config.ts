/**
 * The one place stack configuration is read and validated.
 *
 * `parseConfig` is pure (table-tested); `loadConfig` reads the `payments-dr:*` keys from the Pulumi
 * stack and hands them to it. Every error names the key, the value given and what is allowed, and
 * all problems are reported at once so a user fixes their stack file in one pass.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { MRSC_REGION_SETS, mrscRegionSetOf, partitionOfRegion, STACK_PARTITION } from "./aws-facts";

export const CONFIG_NAMESPACE = "payments-dr";

/** CloudWatch Logs only accepts these retention values; PCI DSS 10.5.1 asks for at least a year. */
export const LOG_RETENTION_DAYS_ALLOWED = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const REGION = /^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d+$/;

/**
 * A region of the stack's partition. Every ARN the program writes is `arn:aws:...` (IAM policies,
 * trust conditions, SSM and state-machine ARNs), so a GovCloud or China region would deploy with
 * wrong ARNs; such regions are refused here, by name, rather than half-working.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partition in every ARN: "A partition
 * is a group of AWS Regions. Each AWS account is scoped to one partition": aws, aws-cn, aws-us-gov)
 */
const region = (example: string) =>
  z
    .string()
    .regex(REGION, `must be an AWS region code such as ${example}`)
    .refine((r) => !REGION.test(r) || partitionOfRegion(r) === STACK_PARTITION, {
      error: (issue) =>
        `is in the ${partitionOfRegion(String(issue.input)) ?? "unknown"} partition; payments-dr writes every ARN for the ${STACK_PARTITION} partition (arn:${STACK_PARTITION}:...) ` +
        `and deploys only to its regions, such as ${example}`,
    });
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Environment goes into every physical name ({service}-{region}-{environment}) and must keep the
// longest of them (Lambda/IAM: 64 characters) within limits.
const ENVIRONMENT = /^[a-z][a-z0-9]{0,11}$/;

/**
 * How the three global tables replicate (docs/architecture.md, "Data layer: strong and eventual modes"):
 * - strong: DynamoDB multi-Region strong consistency (MRSC), a replica in each region and a witness
 *   in `witnessRegion`; a write is acknowledged once durable in a second region.
 * - eventual: multi-Region eventual consistency (MREC), replicated asynchronously, last writer wins.
 * Fixed when the tables are created: "You cannot change a global table's consistency mode after creation."
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
export const DATA_CONSISTENCY_MODES = ["strong", "eventual"] as const;
export type DataConsistency = (typeof DATA_CONSISTENCY_MODES)[number];

const schema = z.strictObject({
  hostedZoneName: z
    .string({ error: "is required (the public DNS zone the API lives under, e.g. payments.example.com)" })
    .regex(DNS_NAME, "must be a lower-case DNS name such as payments.example.com (no trailing dot)"),
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
    .optional(),
  delegationSetId: z
    .string()
    .regex(
      /^(\/delegationset\/)?N[A-Z0-9]{1,31}$/,
      "must be a Route 53 reusable delegation set id such as N0123456789ABCDEFGHIJ (the Id `aws route53 create-reusable-delegation-set` prints)",
    )
    .transform((id) => id.replace(/^\/delegationset\//, ""))
    .optional(),
  environment: z.string().regex(ENVIRONMENT, "must be 1-12 characters: a lower-case letter, then letters or digits"),
  primaryRegion: region("us-east-1").default("us-east-1"),
  secondaryRegion: region("us-east-2").default("us-east-2"),
  dataConsistency: z
    .enum(DATA_CONSISTENCY_MODES, {
      error:
        'must be "strong" (DynamoDB multi-Region strong consistency: replicas in both regions and a witness in witnessRegion) ' +
        'or "eventual" (multi-Region eventual consistency, last writer wins)',
    })
    .default("strong"),
  witnessRegion: region("us-west-2").default("us-west-2"),
  rpoSeconds: z.number().int().min(1).max(3600).default(60),
  rtoSeconds: z.number().int().min(60).max(3600).default(300),
  healthCheckIntervalSeconds: z
    .union([z.literal(10), z.literal(30)], { error: "must be 10 or 30 (the only intervals Route 53 offers)" })
    .default(10),
  healthCheckFailureThreshold: z.number().int().min(1).max(10).default(3),
  dnsTtlSeconds: z.number().int().min(5).max(60).default(60),
  alertEmails: z.array(z.email("must be an e-mail address")).default([]),
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS_ALLOWED as readonly number[]).includes(d), {
      message: `must be one of ${LOG_RETENTION_DAYS_ALLOWED.join(", ")} (CloudWatch Logs values of at least 365)`,
    })
    .default(365),
  autoFailover: z.boolean().default(true),
  minAutoFailoverIntervalSeconds: z.number().int().min(60).max(86400).default(900),
  drillHoldSeconds: z.number().int().min(0).max(3600).default(300),
  canaryProbesPerMinute: z.number().int().min(1).max(12).default(6),
  apiThrottleRateLimit: z.number().int().min(1).max(10000).default(100),
  apiThrottleBurstLimit: z.number().int().min(1).max(5000).default(200),
  wafEnabled: z.boolean().default(true),
  wafRateLimitPer5Minutes: z.number().int().min(100).max(2000000000).default(2000),
  accountPublicAccessBlock: z.boolean().default(true),
});

export type DrConfig = z.infer<typeof schema>;
export type RegionRole = "primary" | "secondary";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid payments-dr stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** The keys this program understands, for the "unknown key" message. */
export const CONFIG_KEYS = Object.keys(schema.shape);

function describe(value: unknown): string {
  if (value === undefined) return "(not set)";
  return JSON.stringify(value);
}

/**
 * Validates raw config. `environment` defaults to the stack name, so `raw` needs only
 * `hostedZoneName` and one of `hostedZoneId` or `delegationSetId` (zoneProblems).
 */
export function parseConfig(raw: Record<string, unknown>, stackName: string): DrConfig {
  const input: Record<string, unknown> = { environment: stackName, ...raw };
  const result = schema.safeParse(input);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
          return `unknown key(s) ${issue.keys.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}; see docs/configuration.md for the keys this program reads`;
        }
        const key = issue.path.join(".");
        const value = issue.path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey], input);
        const origin = key === "environment" && raw.environment === undefined ? " (defaulted from the stack name)" : "";
        return `${CONFIG_NAMESPACE}:${key} = ${describe(value)}${origin}: ${issue.message}`;
      });
  // Cross-field rule, checked on its own so it is reported alongside any other problem.
  const primary = input.primaryRegion ?? "us-east-1";
  const secondary = input.secondaryRegion ?? "us-east-2";
  if (primary === secondary) {
    problems.push(`${CONFIG_NAMESPACE}:secondaryRegion = ${describe(secondary)}: must differ from primaryRegion (${describe(primary)})`);
  }
  problems.push(...zoneProblems(input));
  problems.push(...consistencyProblems(raw, input));
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(problems);
}

/**
 * The zone must be delegated before the first `pulumi up`, because ACM's DNS validation of the API
 * certificates (in the same deployment) waits until public DNS answers the validation records
 * from this zone; the provider gives up after 75 minutes. A zone the stack creates gets four name
 * servers nobody can have delegated to yet, unless it is created from a reusable delegation set
 * whose name servers were delegated beforehand. So exactly one of these is required:
 * - hostedZoneId: an existing public zone, already delegated;
 * - delegationSetId: the stack creates the zone with that set's name servers (delegate them first).
 * https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
 * The 75 minutes: the bridged provider's aws_acm_certificate_validation create timeout
 * (`Create: schema.DefaultTimeout(75 * time.Minute)`, hashicorp/terraform-provider-aws
 * internal/service/acm/certificate_validation.go).
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateReusableDelegationSet.html
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html (DelegationSetId)
 */
function zoneProblems(input: Record<string, unknown>): string[] {
  const zoneId = input.hostedZoneId;
  const setId = input.delegationSetId;
  if (zoneId === undefined && setId === undefined) {
    return [
      `${CONFIG_NAMESPACE}:hostedZoneId and ${CONFIG_NAMESPACE}:delegationSetId = (neither set): the stack would create the zone ${describe(input.hostedZoneName)} ` +
        "with name servers nobody can have delegated to yet, and ACM's DNS validation of the API certificates in the same deployment waits for that " +
        `delegation until it fails (75 minutes). Set ${CONFIG_NAMESPACE}:hostedZoneId to an existing public zone that is already delegated, or create a ` +
        "reusable delegation set (aws route53 create-reusable-delegation-set --caller-reference <unique>), delegate the zone to its four name servers, " +
        `and set ${CONFIG_NAMESPACE}:delegationSetId to its Id (README, Deploy)`,
    ];
  }
  if (zoneId !== undefined && setId !== undefined) {
    return [
      `${CONFIG_NAMESPACE}:delegationSetId = ${describe(setId)}: applies only to a zone the stack creates; with ${CONFIG_NAMESPACE}:hostedZoneId = ${describe(zoneId)} ` +
        "the existing zone keeps its own name servers. Set one of the two",
    ];
  }
  return [];
}

const setList = (set: readonly string[]) => set.join(", ");
const ALL_SETS = Object.entries(MRSC_REGION_SETS)
  .map(([name, regions]) => `${name}: ${setList(regions)}`)
  .join("; ");

/**
 * Strong mode needs three distinct regions of one MRSC region set: the primary and secondary hold
 * the replicas, the witness is the third ("A MRSC global table must be deployed in exactly three
 * Regions ... A witness is located in a different Region than the two replicas ... MRSC global
 * tables cannot span Region sets"). Eventual mode has no witness: witnessRegion is ignored.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
function consistencyProblems(raw: Record<string, unknown>, input: Record<string, unknown>): string[] {
  const mode = input.dataConsistency ?? "strong";
  if (mode !== "strong") return [];
  const primary = input.primaryRegion ?? "us-east-1";
  const secondary = input.secondaryRegion ?? "us-east-2";
  const witness = input.witnessRegion ?? "us-west-2";
  // Malformed or equal regions are reported by the schema and the primary/secondary rule.
  if (typeof primary !== "string" || typeof secondary !== "string" || typeof witness !== "string" || primary === secondary) return [];
  const origin = (key: string) => (raw[key] === undefined ? " (the default)" : "");
  const strongKey = `${CONFIG_NAMESPACE}:dataConsistency = "strong"${origin("dataConsistency")}`;
  const fix = `Choose primaryRegion and secondaryRegion in one set, or set ${CONFIG_NAMESPACE}:dataConsistency to "eventual"`;
  const primarySet = mrscRegionSetOf(primary);
  const secondarySet = mrscRegionSetOf(secondary);
  if (!primarySet || !secondarySet) {
    const outside = [!primarySet && `primaryRegion ${describe(primary)}`, !secondarySet && `secondaryRegion ${describe(secondary)}`]
      .filter(Boolean)
      .join(" and ");
    return [
      `${strongKey}: DynamoDB multi-Region strong consistency is offered only in the region sets ${ALL_SETS}; ${outside} ` +
        `${outside.includes(" and ") ? "are" : "is"} in none. ${fix}`,
    ];
  }
  if (primarySet !== secondarySet) {
    return [
      `${strongKey}: primaryRegion ${describe(primary)} is in the ${primarySet} region set and secondaryRegion ${describe(secondary)} in the ` +
        `${secondarySet} set; a multi-Region strongly consistent table cannot span region sets (${ALL_SETS}). ${fix}`,
    ];
  }
  const set: readonly string[] = MRSC_REGION_SETS[primarySet];
  const candidates = set.filter((r) => r !== primary && r !== secondary);
  if (!candidates.includes(witness)) {
    return [
      `${CONFIG_NAMESPACE}:witnessRegion = ${describe(witness)}${origin("witnessRegion")}: the witness of the strongly consistent tables must be ` +
        `the third region, a region of the ${primarySet} set (${setList(set)}) other than primaryRegion and ` +
        `secondaryRegion: ${candidates.length === 1 ? candidates[0] : `one of ${setList(candidates)}`}`,
    ];
  }
  return [];
}

/** Pulumi stores every value as a string; numbers, booleans and lists arrive as JSON text. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Keys whose value is a plain string (a zone name is never JSON). */
const STRING_KEYS = new Set(["hostedZoneName", "hostedZoneId", "delegationSetId", "environment", "dataConsistency", "witnessRegion"]);
/** Optional strings that Pulumi.yaml defaults to "" (Pulumi requires a default for a declared key to be optional). */
const EMPTY_MEANS_UNSET = new Set(["hostedZoneId", "delegationSetId", "environment"]);

/**
 * The `payments-dr:*` entries of Pulumi's config (every value a string) as parseConfig takes
 * them: the namespace dropped, JSON decoded except for string keys, and the "" defaults of the
 * optional strings left out.
 */
export function rawConfigFromStack(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (EMPTY_MEANS_UNSET.has(name) && value === "") continue;
    raw[name] = STRING_KEYS.has(name) ? value : decode(value);
  }
  return raw;
}

/** Reads `payments-dr:*` from the current stack and validates it. */
export function loadConfig(): DrConfig {
  return parseConfig(rawConfigFromStack(pulumi.runtime.allConfig()), pulumi.getStack());
}

/** The two regions with their roles, in a fixed order: primary first. */
export interface RegionSpec {
  region: string;
  role: RegionRole;
  peer: string;
}

export function regionSpecs(config: DrConfig): [RegionSpec, RegionSpec] {
  return [
    { region: config.primaryRegion, role: "primary", peer: config.secondaryRegion },
    { region: config.secondaryRegion, role: "secondary", peer: config.primaryRegion },
  ];
}
