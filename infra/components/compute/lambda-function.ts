import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LambdaSpec, StackEnvironmentName } from "../../../lib/handlers/spec";
import { baseStatements, permissionStatements, type RegionalResources } from "../../core/lambda-permissions";
import { resourceName } from "../../core/naming";
import { lambdaTrustPolicy, policyDocument, sendToEncryptedQueue, type Statement } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";

/** Lambda runtime for every function (SECURITY-CHECKLIST L2 keeps the allow-list in the policy pack). */
export const LAMBDA_RUNTIME = "nodejs24.x";
/** Where scripts/build-lambdas.ts writes one folder per handler. */
export const BUNDLE_DIR = join(__dirname, "..", "..", "..", "dist", "lambda");
/** Set by infra/offline/evaluate.ts: under mocks nothing is uploaded, so bundles are not needed. */
export const OFFLINE_EVALUATION_ENV = "PAYMENTS_DR_OFFLINE_EVALUATION";

/** A real deployment must upload code that exists; say how to build it instead of failing later. */
export function assertBundleBuilt(name: string, dir = BUNDLE_DIR): void {
  if (process.env[OFFLINE_EVALUATION_ENV] === "1") return;
  const entry = join(dir, name, "index.js");
  if (!existsSync(entry)) {
    throw new Error(`Lambda bundle ${entry} is missing: run \`npm run build\` before \`pulumi up\` (or use \`npm run deploy\`)`);
  }
}

export interface RegionalFunctionArgs {
  spec: LambdaSpec;
  region: string;
  environment: string;
  /** The resources of this region the function's permissions refer to. */
  resources: RegionalResources;
  /** Values for the environment variables a spec may ask for (this region's). */
  environmentValues: Partial<Record<StackEnvironmentName, pulumi.Input<string>>>;
  /** Required when `spec.vpc` is true. */
  vpc?: { subnetIds: pulumi.Input<string>[]; securityGroupIds: pulumi.Input<string>[] };
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
  /**
   * For functions invoked asynchronously (schedules, EventBridge): failed events after Lambda's
   * retries go to this queue instead of being dropped. Default behaviour: none (sync callers).
   */
  onFailureQueueArn?: pulumi.Input<string>;
}

/**
 * One handler deployed in one region: its own role with exactly the statements its spec asks
 * for, an explicit shipped log group, X-Ray, environment encrypted with the region's key, and
 * the bundle built by `npm run build`. The same spec deployed in both regions yields identical
 * functions that differ only in region-specific values.
 */
export class RegionalFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly functionName: string;
  readonly arn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: RegionalFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:compute:RegionalFunction", name, {}, opts);
    const { spec, region, environment } = args;
    if (spec.vpc && !args.vpc) throw new Error(`function ${spec.name} runs in the VPC but no subnets were given`);
    this.functionName = resourceName(spec.name, region, environment);
    assertBundleBuilt(spec.name);

    // Powertools reads only its log level from the environment here: every Logger, Metrics and
    // Tracer is given its service name and namespace in code (lib/observability.ts).
    const variables: Record<string, pulumi.Input<string>> = { POWERTOOLS_LOG_LEVEL: "INFO" };
    const missing: string[] = [];
    for (const key of spec.environment) {
      const value = args.environmentValues[key];
      if (value === undefined) missing.push(key);
      else variables[key] = value;
    }
    if (missing.length) throw new Error(`function ${spec.name} needs ${missing.join(", ")}, which the stack does not provide in ${region}`);

    const logGroup = new ShippedLogGroup(
      `${name}-logs`,
      {
        region,
        logGroupName: `/aws/lambda/${this.functionName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      { name: this.functionName, assumeRolePolicy: pulumi.jsonStringify(lambdaTrustPolicy(args.resources.accountId)) },
      { parent: this },
    );
    const statements: Statement[] = [
      ...baseStatements(logGroup.arn, spec.vpc),
      ...spec.permissions.flatMap((p) => permissionStatements(p, args.resources)),
    ];
    if (args.onFailureQueueArn) {
      statements.push(...sendToEncryptedQueue(args.onFailureQueueArn, args.kmsKeyArn, region));
    }
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, name: "least-privilege", policy: pulumi.jsonStringify(policyDocument(statements)) },
      { parent: this },
    );

    this.function = new aws.lambda.Function(
      name,
      {
        region,
        name: this.functionName,
        description: spec.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.FileArchive(join(BUNDLE_DIR, spec.name)),
        role: role.arn,
        timeout: spec.timeoutSeconds,
        memorySize: spec.memoryMb,
        kmsKeyArn: args.kmsKeyArn,
        environment: { variables },
        tracingConfig: { mode: "Active" },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        ...(spec.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: spec.reservedConcurrency } : {}),
        ...(spec.vpc && args.vpc ? { vpcConfig: { subnetIds: args.vpc.subnetIds, securityGroupIds: args.vpc.securityGroupIds } } : {}),
      },
      { parent: this, dependsOn: [policy, logGroup] },
    );
    if (args.onFailureQueueArn) {
      new aws.lambda.FunctionEventInvokeConfig(
        `${name}-async`,
        {
          region,
          functionName: this.function.name,
          maximumRetryAttempts: 2,
          maximumEventAgeInSeconds: 3600,
          destinationConfig: { onFailure: { destination: args.onFailureQueueArn } },
        },
        { parent: this },
      );
    }

    this.arn = this.function.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
