import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ApiRouteSpec, LambdaSpec, StackEnvironmentName } from "../../../lib/handlers/spec";
import { createPaymentRequestSchema } from "../../../functions/domain/payments";
import { paymentStreamFilterPatterns } from "../../../lib/handlers/payment-functions";
import type { RegionalResources } from "../../core/lambda-permissions";
import { type ApiDomain, ApiCustomDomains, type DomainTarget } from "../api/api-custom-domains";
import { ApiFirewall } from "../api/api-firewall";
import { type ApiRoute, RegionalApi } from "../api/regional-api";
import { resourceName } from "../../core/naming";
import { FunctionSchedule } from "./function-schedule";
import { RegionalFunction } from "./lambda-function";

export interface PaymentServiceArgs {
  region: string;
  environment: string;
  specs: readonly LambdaSpec[];
  resources: RegionalResources;
  environmentValues: Partial<Record<StackEnvironmentName, pulumi.Input<string>>>;
  vpc: { subnetIds: pulumi.Input<string>[]; securityGroupIds: pulumi.Input<string>[] };
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
  /** This region's replica stream of the payments table. */
  paymentsStreamArn: pulumi.Input<string>;
  /** The queues a function's `sqs` trigger may name. */
  queueArns: Record<Extract<LambdaSpec["trigger"], { kind: "sqs" }>["queue"], pulumi.Input<string>>;
  /**
   * Where failures nobody waits for are recorded: stream batches that exhausted their retries,
   * scheduled invocations Scheduler could not deliver or the function failed.
   */
  asyncFailuresArn: pulumi.Input<string>;
  api: {
    /** The custom domains, each with an issued certificate of this region (ApiCertificates). */
    domains: ApiDomain[];
    throttleRateLimit: number;
    throttleBurstLimit: number;
    /** A regional WAF web ACL on the stage. Default behaviour: none. */
    waf?: { rateLimitPer5Minutes: number };
  };
}

/** The `{service}` slot of each region's schedule group for payment-path functions. */
export const PAYMENT_SCHEDULE_GROUP_SERVICE = "payment-schedules";

/** What a scheduled function receives (its handler validates it). */
export const SCHEDULE_INPUT = { source: "schedule" } as const;

/** The zod schema behind each request model a route may name (lib/handlers/spec.ts ApiRouteSpec). */
export const REQUEST_MODELS: Record<NonNullable<ApiRouteSpec["requestModel"]>, unknown> = {
  CreatePaymentRequest: createPaymentRequestSchema,
};

/** API Gateway validates bodies with JSON Schema draft-04; the handler's zod schema is the source. */
export function requestModelSchema(schema: unknown): object {
  // Refinements (e.g. "no card numbers") cannot be expressed in JSON Schema; the handler keeps them.
  return z.toJSONSchema(schema as z.ZodType, { target: "draft-4", unrepresentable: "any" });
}

/**
 * The payment path of one region: every handler of lib/handlers/payment-functions.ts, their triggers (the
 * payments stream filtered to this region's payments, the processing queue) and the API with its
 * custom domains and (optionally) its web ACL.
 */
export class PaymentService extends pulumi.ComponentResource {
  readonly functions: Record<string, RegionalFunction>;
  readonly api: RegionalApi;
  /** Per domain label: what a Route 53 alias record must point at. */
  readonly domainTargets: Record<string, DomainTarget>;

  constructor(name: string, args: PaymentServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:payments:PaymentService", name, {}, opts);
    const { region } = args;
    const parent = { parent: this };

    this.functions = {};
    for (const spec of args.specs) {
      this.functions[spec.name] = new RegionalFunction(
        `${name}-${spec.name}`,
        {
          spec,
          region,
          environment: args.environment,
          resources: args.resources,
          environmentValues: args.environmentValues,
          vpc: args.vpc,
          kmsKeyArn: args.kmsKeyArn,
          logRetentionDays: args.logRetentionDays,
          logDestinationArn: args.logDestinationArn,
          // Stream batches and scheduled (asynchronous) invocations that fail must not vanish.
          ...(spec.trigger.kind === "dynamodb-stream" || spec.trigger.kind === "schedule"
            ? { onFailureQueueArn: args.asyncFailuresArn }
            : {}),
        },
        parent,
      );
    }

    const routes: ApiRoute[] = [];
    for (const spec of args.specs) {
      const fn = this.functions[spec.name];
      const trigger = spec.trigger;
      switch (trigger.kind) {
        case "api":
          for (const route of trigger.routes) {
            routes.push({
              method: route.method,
              path: route.path,
              authorization: route.authorization,
              requiredHeaders: route.requiredHeaders ? [...route.requiredHeaders] : undefined,
              bodySchema: route.requestModel ? requestModelSchema(REQUEST_MODELS[route.requestModel]) : undefined,
              functionName: fn.function.name,
              invokeArn: fn.function.invokeArn,
            });
          }
          break;
        case "dynamodb-stream":
          new aws.lambda.EventSourceMapping(
            `${name}-${spec.name}-stream`,
            {
              region,
              functionName: fn.function.arn,
              eventSourceArn: args.paymentsStreamArn,
              startingPosition: "LATEST",
              batchSize: trigger.batchSize,
              maximumRetryAttempts: trigger.maximumRetryAttempts,
              bisectBatchOnFunctionError: true,
              functionResponseTypes: ["ReportBatchItemFailures"],
              // Every replica's writes arrive on every region's stream: only this region's payments.
              filterCriteria: { filters: paymentStreamFilterPatterns(region).map((pattern) => ({ pattern })) },
              destinationConfig: { onFailure: { destinationArn: args.asyncFailuresArn } },
            },
            parent,
          );
          break;
        case "sqs":
          new aws.lambda.EventSourceMapping(
            `${name}-${spec.name}-queue`,
            {
              region,
              functionName: fn.function.arn,
              eventSourceArn: args.queueArns[trigger.queue],
              batchSize: trigger.batchSize,
              functionResponseTypes: ["ReportBatchItemFailures"],
              // At or below the function's reserved concurrency, so batches are never throttled
              // back onto the queue (which would count towards maxReceiveCount).
              scalingConfig: { maximumConcurrency: Math.max(2, spec.reservedConcurrency ?? 2) },
            },
            parent,
          );
          break;
        case "schedule":
          new FunctionSchedule(
            `${name}-${spec.name}-schedule`,
            {
              region,
              accountId: args.resources.accountId,
              // The payment path's own group, apart from the DR orchestrator's (its role trusts that group only).
              scheduleGroupName: resourceName(PAYMENT_SCHEDULE_GROUP_SERVICE, region, args.environment),
              scheduleName: resourceName(`${spec.name}-schedule`, region, args.environment),
              description: `Runs ${spec.name} in ${region} every ${trigger.rate}`,
              rate: trigger.rate,
              functionArn: fn.arn,
              input: SCHEDULE_INPUT,
              deadLetterQueueArn: args.asyncFailuresArn,
              kmsKeyArn: args.kmsKeyArn,
            },
            parent,
          );
          break;
        case "manual":
          break;
        default:
          throw new Error(`payment function ${spec.name} has a trigger (${trigger.kind}) the payment service does not wire`);
      }
    }

    this.api = new RegionalApi(
      `${name}-api`,
      {
        region,
        environment: args.environment,
        accountId: args.resources.accountId,
        routes,
        kmsKeyArn: args.kmsKeyArn,
        logRetentionDays: args.logRetentionDays,
        logDestinationArn: args.logDestinationArn,
        throttleRateLimit: args.api.throttleRateLimit,
        throttleBurstLimit: args.api.throttleBurstLimit,
      },
      parent,
    );
    const domains = new ApiCustomDomains(
      `${name}-api-domains`,
      { region, restApiId: this.api.restApiId, stageName: this.api.deployedStageName, domains: args.api.domains },
      parent,
    );
    if (args.api.waf) {
      new ApiFirewall(
        `${name}-api-waf`,
        { region, environment: args.environment, stageArn: this.api.stageArn, rateLimitPer5Minutes: args.api.waf.rateLimitPer5Minutes },
        parent,
      );
    }
    this.domainTargets = domains.targets;
    this.registerOutputs({});
  }
}
