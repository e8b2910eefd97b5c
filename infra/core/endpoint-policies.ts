/**
 * VPC endpoint policies: what may pass through each endpoint of a payment VPC. An endpoint without
 * a policy allows full access to its service, so the S3 gateway endpoint would let a function reach
 * any bucket of any account (an exfiltration path). Each endpoint here allows only this account's
 * principals, on this account's resources, and only the actions the stack's functions are ever
 * granted (derived from the permission vocabulary, so the two cannot drift).
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html (endpoint policies for S3)
 * Condition keys: aws:PrincipalAccount, aws:ResourceAccount
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * Pure: table-tested in test/infra/endpoint-policies.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { PERMISSIONS, type Permission } from "../../lib/handlers/spec";
import { baseStatements, permissionStatements, type RegionalResources, WILDCARD_RESOURCE_ACTIONS } from "./lambda-permissions";
import { type PolicyDocument, policyDocument, type Statement } from "./policy-documents";

/** AWS services the payment functions call through interface endpoints (no NAT, no internet). */
export const INTERFACE_ENDPOINT_SERVICES = ["sqs", "sns", "ssm", "kms", "sts", "logs", "monitoring", "xray"] as const;
/** Services reached through gateway endpoints (free, route-table based). */
export const GATEWAY_ENDPOINT_SERVICES = ["dynamodb", "s3"] as const;

/** The IAM action prefix of each endpoint service, where the two differ. */
const IAM_PREFIX: Record<string, string> = { monitoring: "cloudwatch" };

export function iamPrefixOfEndpointService(service: string): string {
  return IAM_PREFIX[service] ?? service;
}

/** Stand-in resources: only the actions of the statements are read. */
const ANY: RegionalResources = {
  region: "*",
  accountId: "*",
  environment: "*",
  tableNames: { payments: "*", idempotency: "*", control: "*" },
  kmsKeyArn: "*",
  transactionBucketArn: "*",
  processingQueueArn: "*",
  processingDlqArn: "*",
  transactionLogQueueArn: "*",
  alertTopicArn: "*",
  stateMachineArn: "*",
  drOperationsRoleArn: "*",
  evidenceBucketArn: "*",
};

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

/** Every action any function of the stack can be granted (its declared permissions and the base statements). */
export function grantableActions(): string[] {
  const permissions = Object.keys(PERMISSIONS) as Permission[];
  const all = [...permissions.flatMap((p) => actionsOf(permissionStatements(p, ANY))), ...actionsOf(baseStatements("*", true))];
  return [...new Set(all)].sort();
}

/** The grantable actions of one endpoint service, split by whether AWS authorises them on a resource. */
export function endpointActions(service: string): { onResources: string[]; withoutResources: string[] } {
  const prefix = `${iamPrefixOfEndpointService(service)}:`;
  const mine = grantableActions().filter((a) => a.startsWith(prefix));
  return {
    onResources: mine.filter((a) => !(a in WILDCARD_RESOURCE_ACTIONS)),
    withoutResources: mine.filter((a) => a in WILDCARD_RESOURCE_ACTIONS),
  };
}

/**
 * The endpoint policy of one service: this account's principals, on this account's resources
 * (aws:ResourceAccount), for the actions the stack grants; actions AWS authorises only on `*`
 * (PutMetricData, X-Ray, ListStreams) have no resource account, so only the principal is bound.
 *
 * The Principal element depends on the endpoint type. On an interface endpoint the account
 * (`arn:aws:iam::<account>:root`) means every principal of the account. On a gateway endpoint it
 * grants access "to the AWS account root user only, not all users and roles for the account", and
 * "you must use the aws:PrincipalArn condition key to grant access to a principal" — so a gateway
 * endpoint's statements name Principal "*" and bind the account by the aws:PrincipalAccount
 * condition every statement here carries (AWS's data-perimeter endpoint policies do the same). Naming the account there denied every function's role at the DynamoDB and S3
 * endpoints: the whole payment path (found by the simulated VPC, sim/vpc-routing.ts).
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html ("Principals for gateway endpoints")
 */
export function vpcEndpointPolicy(service: string, accountId: pulumi.Input<string>, endpointType: "Gateway" | "Interface"): PolicyDocument {
  const { onResources, withoutResources } = endpointActions(service);
  if (onResources.length + withoutResources.length === 0) {
    throw new Error(
      `no function of the stack is granted any ${iamPrefixOfEndpointService(service)}: action; the ${service} endpoint is not needed`,
    );
  }
  const principal = endpointType === "Gateway" ? ("*" as const) : { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` };
  const statements: Statement[] = [];
  if (onResources.length > 0)
    statements.push({
      Sid: "ThisAccountOnThisAccountsResources",
      Effect: "Allow",
      Principal: principal,
      Action: onResources,
      Resource: "*",
      Condition: { StringEquals: { "aws:PrincipalAccount": accountId, "aws:ResourceAccount": accountId } },
    });
  if (withoutResources.length > 0)
    statements.push({
      Sid: "ThisAccountOnActionsWithoutResources",
      Effect: "Allow",
      Principal: principal,
      Action: withoutResources,
      Resource: "*",
      Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    });
  return policyDocument(statements);
}
