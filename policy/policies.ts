/**
 * Every rule of the pack, in checklist order. `index.ts` serves them to the Pulumi CLI; the tests
 * run them directly against the resources the program registers under mocks.
 */
import type { Rule } from "./lib/rule";
import { apiGatewayRules } from "./rules/apigateway";
import { cloudWatchRules } from "./rules/cloudwatch";
import { dynamodbRules } from "./rules/dynamodb";
import { eventBridgeRules } from "./rules/eventbridge";
import { fisRules } from "./rules/fis";
import { iamRules } from "./rules/iam";
import { kmsRules } from "./rules/kms";
import { lambdaRules } from "./rules/lambda";
import { messagingRules } from "./rules/messaging";
import { networkRules } from "./rules/network";
import { route53Rules } from "./rules/route53";
import { runbookRules } from "./rules/runbooks";
import { s3Rules } from "./rules/s3";
import { s3ReplicationRules } from "./rules/s3-replication";
import { stepFunctionsRules } from "./rules/stepfunctions";
import { symmetryRules } from "./rules/symmetry";

export const policies: Rule[] = [
  ...dynamodbRules,
  ...s3Rules,
  ...s3ReplicationRules,
  ...lambdaRules,
  ...apiGatewayRules,
  ...messagingRules,
  ...stepFunctionsRules,
  ...cloudWatchRules,
  ...iamRules,
  ...kmsRules,
  ...route53Rules,
  ...eventBridgeRules,
  ...networkRules,
  ...symmetryRules,
  ...runbookRules,
  ...fisRules,
];
