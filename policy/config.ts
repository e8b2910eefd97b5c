/**
 * Thresholds that drift, with their defaults. Users override them per policy in a pack config
 * file (`pulumi preview --policy-pack policy --policy-pack-config policy-config.json`), e.g.
 * `{ "l2-lambda-supported-runtime": { "allowedRuntimes": ["nodejs24.x"] } }`.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * Lambda runtimes AWS still supports (nodejs20.x was deprecated on 2026-04-30).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 */
export const DEFAULT_ALLOWED_RUNTIMES = ["nodejs22.x", "nodejs24.x"];

/** CloudWatch.16 and PCI DSS 10.5.1 (12 months). */
export const DEFAULT_MINIMUM_LOG_RETENTION_DAYS = 365;

/**
 * Interface endpoints every VPC needs so its functions reach AWS without a NAT gateway (V1).
 * Step Functions is not here: no function in the VPC calls it (runbook functions run outside).
 */
export const DEFAULT_REQUIRED_INTERFACE_ENDPOINTS = ["sqs", "sns", "ssm", "kms", "sts", "logs", "xray"];
export const DEFAULT_REQUIRED_GATEWAY_ENDPOINTS = ["dynamodb", "s3"];

export interface RuntimeConfig {
  allowedRuntimes: string[];
}
export interface LogRetentionConfig {
  minimumRetentionDays: number;
}
export interface EndpointConfig {
  requiredInterfaceEndpoints: string[];
  requiredGatewayEndpoints: string[];
}

const stringList = (description: string, defaults: string[]) => ({
  type: "array" as const,
  items: { type: "string" as const },
  default: defaults,
  description,
});

export const RUNTIME_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: { allowedRuntimes: stringList("Lambda runtimes allowed (AWS's supported list).", DEFAULT_ALLOWED_RUNTIMES) },
};
export const LOG_RETENTION_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    minimumRetentionDays: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_MINIMUM_LOG_RETENTION_DAYS,
      description: "Minimum CloudWatch Logs retention in days.",
    },
  },
};
export const ENDPOINT_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    requiredInterfaceEndpoints: stringList(
      "Services every VPC reaches through an interface endpoint.",
      DEFAULT_REQUIRED_INTERFACE_ENDPOINTS,
    ),
    requiredGatewayEndpoints: stringList("Services every VPC reaches through a gateway endpoint.", DEFAULT_REQUIRED_GATEWAY_ENDPOINTS),
  },
};

/** The policy's config with defaults for what the user did not set. */
export function configWithDefaults<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  return { ...defaults, ...args.getConfig<Partial<T>>() };
}
