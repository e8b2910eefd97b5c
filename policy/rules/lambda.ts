/** Lambda functions (L1–L9). */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
import { forType, resourceRule, stackRule } from "../lib/rule";
import type { StackIndex, Typed } from "../lib/stack";
import { configWithDefaults, DEFAULT_ALLOWED_RUNTIMES, RUNTIME_CONFIG_SCHEMA, type RuntimeConfig } from "../config";
import { isFunctionOutsideVpcByDesign } from "../exceptions";

type Fn = Typed<aws.lambda.Function>;

/** A function referred to by name or ARN (event source mappings, invoke configs, permissions use either). */
function functionRef(stack: StackIndex, ref: unknown): Fn | undefined {
  return stack.all(aws.lambda.Function).find(({ props }) => ref === props.name || ref === props.arn || ref === `${props.arn}:$LATEST`);
}

export const lambdaInVpc = stackRule(
  {
    id: "L1",
    name: "lambda-in-vpc",
    title:
      "Payment-path functions run in private subnets of at least two Availability Zones with security groups; only the declared runbook and canary functions run outside the VPC.",
    sources: "Security Hub Lambda.3 and Lambda.5; Checkov CKV_AWS_117; cfn-nag W89; Security Hub EC2.15",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.lambda.Function)) {
      const subnetIds = props.vpcConfig?.subnetIds ?? [];
      if (subnetIds.length === 0) {
        if (!isFunctionOutsideVpcByDesign(props.name, props.region)) report(`function ${props.name} does not run in the VPC`, resource.urn);
        continue;
      }
      const subnets = subnetIds.map((id) => stack.byId("aws:ec2/subnet:Subnet", id));
      const zones = new Set(subnets.map((s) => s?.props.availabilityZone).filter(Boolean));
      if (subnets.some((s) => !s)) report(`function ${props.name} uses subnets this stack does not define`, resource.urn);
      if (zones.size < 2) report(`function ${props.name} runs in ${zones.size} Availability Zone(s); at least 2 are needed`, resource.urn);
      if (subnets.some((s) => s?.props.mapPublicIpOnLaunch === true))
        report(`function ${props.name} uses a subnet that assigns public IPs`, resource.urn);
      if ((props.vpcConfig?.securityGroupIds ?? []).length === 0) report(`function ${props.name} has no security group`, resource.urn);
    }
  },
);

export const lambdaRuntime = resourceRule(
  {
    id: "L2",
    name: "lambda-supported-runtime",
    title: "Functions use a runtime from the configured allow-list of AWS-supported runtimes (config allowedRuntimes).",
    sources: "Security Hub Lambda.2; Checkov CKV_AWS_363; Lambda runtimes and deprecation policy",
    configSchema: RUNTIME_CONFIG_SCHEMA,
  },
  forType(aws.lambda.Function, (fn, report, args) => {
    if (fn.packageType === "Image") return;
    const { allowedRuntimes } = configWithDefaults<RuntimeConfig>(args, { allowedRuntimes: DEFAULT_ALLOWED_RUNTIMES });
    if (!allowedRuntimes.includes(String(fn.runtime))) report(`runtime ${fn.runtime} is not one of ${allowedRuntimes.join(", ")}`);
  }),
);

/** The twin of a function in the other region: same name with the region swapped. */
const twinName = (name: string, from: string, to: string) => name.replace(`-${from}-`, `-${to}-`);

export const lambdaReservedConcurrency = stackRule(
  {
    id: "L3",
    name: "lambda-reserved-concurrency",
    title:
      "Every function reserves concurrency (bounded blast radius; the DR path cannot be starved), and the secondary reserves at least what the primary does.",
    sources: "Checkov CKV_AWS_115; cfn-nag W92; AWS Well-Architected REL11-BP05 (static stability)",
  },
  (stack, report) => {
    const { primary, secondary } = stack.regionRoles();
    const functions = stack.all(aws.lambda.Function);
    for (const { resource, props } of functions) {
      const reserved = props.reservedConcurrentExecutions;
      if (reserved === undefined || reserved < 1) {
        report(`function ${props.name} reserves no concurrency`, resource.urn);
      }
      if (primary && secondary && props.region === secondary) {
        const twin = functions.find((f) => f.props.name === twinName(props.name, secondary, primary));
        const theirs = twin?.props.reservedConcurrentExecutions ?? -1;
        if (twin && theirs > 0 && (reserved ?? -1) < theirs)
          report(`function ${props.name} reserves ${reserved ?? "nothing"}, less than ${theirs} in ${primary}`, resource.urn);
      }
    }
  },
);

/** Service principals that invoke Lambda asynchronously. */
const ASYNC_PRINCIPALS = [
  "events.amazonaws.com",
  "scheduler.amazonaws.com",
  "s3.amazonaws.com",
  "sns.amazonaws.com",
  "logs.amazonaws.com",
  "iot.amazonaws.com",
  "ses.amazonaws.com",
];

function asyncInvoked(stack: StackIndex): Map<PolicyResource, string> {
  const found = new Map<PolicyResource, string>();
  const mark = (ref: unknown, how: string) => {
    const fn = functionRef(stack, ref);
    if (fn && !found.has(fn.resource)) found.set(fn.resource, how);
  };
  for (const { props } of stack.all(aws.cloudwatch.EventTarget)) mark(props.arn, "an EventBridge rule target");
  for (const { props } of stack.all(aws.scheduler.Schedule)) mark(props.target?.arn, "an EventBridge Scheduler target");
  for (const { props } of stack.all(aws.lambda.Permission))
    if (ASYNC_PRINCIPALS.includes(props.principal)) mark(props.function, `invoked by ${props.principal}`);
  for (const { props } of stack.all(aws.sns.TopicSubscription)) if (props.protocol === "lambda") mark(props.endpoint, "an SNS subscriber");
  for (const { props } of stack.all(aws.s3.BucketNotification))
    for (const l of props.lambdaFunctions ?? []) mark(l.lambdaFunctionArn, "an S3 notification target");
  return found;
}

export const lambdaAsyncFailures = stackRule(
  {
    id: "L4",
    name: "lambda-async-failure-destination",
    title:
      "Asynchronously invoked functions send failed events to a dead-letter queue or on-failure destination, and stream event source mappings to an on-failure destination with bounded retries.",
    sources: "Checkov CKV_AWS_116; Lambda asynchronous invocation and event source mapping documentation",
  },
  (stack, report) => {
    const configs = stack.all(aws.lambda.FunctionEventInvokeConfig).map(({ props }) => props);
    for (const [resource, how] of asyncInvoked(stack)) {
      const fn = resource.props as Fn["props"];
      const destination = configs.some(
        (c) => functionRef(stack, c.functionName)?.resource === resource && c.destinationConfig?.onFailure?.destination,
      );
      if (!destination && !fn.deadLetterConfig?.targetArn)
        report(`function ${fn.name} is ${how} but has no on-failure destination or dead-letter queue`, resource.urn);
    }
    for (const { resource, props } of stack.all(aws.lambda.EventSourceMapping)) {
      const source = String(props.eventSourceArn);
      if (!/:(dynamodb|kinesis):/.test(source)) continue;
      if (!props.destinationConfig?.onFailure?.destinationArn)
        report(`the stream mapping of ${props.functionName} has no on-failure destination`, resource.urn);
      if (props.maximumRetryAttempts === undefined || props.maximumRetryAttempts < 0)
        report(`the stream mapping of ${props.functionName} retries forever (set maximumRetryAttempts)`, resource.urn);
    }
  },
);

export const lambdaTracing = resourceRule(
  {
    id: "L5",
    name: "lambda-xray-tracing",
    title: "Functions have X-Ray active tracing.",
    sources: "Checkov CKV_AWS_50; Trivy AVD-AWS-0066",
  },
  forType(aws.lambda.Function, (fn, report) => {
    if (fn.tracingConfig?.mode !== "Active") report("X-Ray tracing is not Active");
  }),
);

/** Names that announce a secret (checklist L6), matched on whole `_`-separated words. */
const SECRET_LOOKING = /(^|_)(SECRETS?|PASSWORDS?|PASSWD|TOKENS?|KEYS?|CREDENTIALS?|PRIVATE)(_|$)/i;

export const lambdaEnvironment = resourceRule(
  {
    id: "L6",
    name: "lambda-environment",
    title:
      "Environment variables are encrypted with a customer-managed key of the function's region, and none is named like a secret (secrets come from SSM SecureString or Secrets Manager).",
    sources: "Checkov CKV_AWS_173 and CKV_AWS_45",
  },
  forType(aws.lambda.Function, (fn, report) => {
    const names = Object.keys(fn.environment?.variables ?? {});
    if (names.length > 0) {
      if (!isKmsKeyArn(fn.kmsKeyArn)) report("environment variables are not encrypted with a customer-managed key (kmsKeyArn)");
      else if (regionOfArn(fn.kmsKeyArn) !== fn.region)
        report(`environment variables in ${fn.region} are encrypted with a key of ${regionOfArn(fn.kmsKeyArn)}`);
    }
    for (const name of names) if (SECRET_LOOKING.test(name)) report(`environment variable ${name} looks like a secret`);
  }),
);

export const lambdaPermissionScoped = resourceRule(
  {
    id: "L7",
    name: "lambda-permission-scoped",
    title: "Invoke permissions name their principal and, for AWS services, the source ARN; no public function URLs.",
    sources: "Security Hub Lambda.1; cfn-nag F13; Checkov CKV_AWS_301 and CKV_AWS_364; Trivy AVD-AWS-0067",
  },
  [
    forType(aws.lambda.Permission, (p, report) => {
      if (String(p.principal).includes("*")) report(`principal ${p.principal} is a wildcard`);
      if (String(p.principal).endsWith(".amazonaws.com") && !p.sourceArn)
        report(`the ${p.principal} permission has no sourceArn (confused deputy)`);
      if (p.functionUrlAuthType === "NONE") report("the permission opens a function URL without authentication");
    }),
    forType(aws.lambda.FunctionUrl, (u, report) => {
      if (u.authorizationType === "NONE") report("the function URL has no authentication");
    }),
  ],
);

export const lambdaLogGroup = stackRule(
  {
    id: "L8",
    name: "lambda-explicit-log-group",
    title: "Every function logs to a log group the stack creates in its region (so retention and encryption are set, not defaulted).",
    sources: "Security Hub CloudWatch.16; cfn-nag W86; Checkov CKV_AWS_338",
  },
  (stack, report) => {
    const groups = new Set(stack.all(aws.cloudwatch.LogGroup).map(({ props }) => `${props.region} ${props.name}`));
    for (const { resource, props } of stack.all(aws.lambda.Function)) {
      const group = props.loggingConfig?.logGroup ?? `/aws/lambda/${props.name}`;
      if (!groups.has(`${props.region} ${group}`))
        report(`function ${props.name} logs to ${group}, which the stack does not create in ${props.region}`, resource.urn);
    }
  },
);

/** Lambda's default timeout when none is set. */
const DEFAULT_TIMEOUT_SECONDS = 3;

export const lambdaSqsVisibility = stackRule(
  {
    id: "L9",
    name: "lambda-sqs-visibility-timeout",
    title: "Queues that feed a function have a visibility timeout of at least six times the function's timeout.",
    sources: "Lambda with Amazon SQS documentation (visibility timeout)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.lambda.EventSourceMapping)) {
      const queue = stack.byArn(props.eventSourceArn);
      if (queue?.type !== "aws:sqs/queue:Queue") continue;
      const fn = functionRef(stack, props.functionName);
      if (!fn) continue;
      const needed = 6 * (fn.props.timeout ?? DEFAULT_TIMEOUT_SECONDS);
      const visibility = (queue.props.visibilityTimeoutSeconds as number | undefined) ?? 30;
      if (visibility < needed)
        report(`queue ${queue.props.name} hides messages for ${visibility} s; ${fn.props.name} needs at least ${needed} s`, resource.urn);
    }
  },
);

export const lambdaRules = [
  lambdaInVpc,
  lambdaRuntime,
  lambdaReservedConcurrency,
  lambdaAsyncFailures,
  lambdaTracing,
  lambdaEnvironment,
  lambdaPermissionScoped,
  lambdaLogGroup,
  lambdaSqsVisibility,
];
