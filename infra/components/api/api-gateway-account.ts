import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../core/naming";
import { serviceTrustPolicy } from "../../core/policy-documents";

export interface ApiGatewayAccountArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
}

/**
 * API Gateway's account-level settings in one region: the CloudWatch role it writes execution and
 * access logs with. One per region and account (a second one would overwrite it), so whatever
 * writes execution logs in that region must wait for it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export class ApiGatewayAccount extends pulumi.ComponentResource {
  readonly cloudwatchRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ApiGatewayAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:ApiGatewayAccount", name, {}, opts);
    const { region, environment } = args;
    const parent = { parent: this };

    const role = new aws.iam.Role(
      `${name}-cloudwatch-role`,
      {
        name: resourceName("apigateway-logs", region, environment),
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("apigateway.amazonaws.com", args.accountId)),
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-cloudwatch-role-policy`,
      // The AWS-managed policy API Gateway documents for execution and access logging.
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" },
      parent,
    );
    const account = new aws.apigateway.Account(`${name}-account`, { region, cloudwatchRoleArn: role.arn }, parent);

    this.cloudwatchRoleArn = account.cloudwatchRoleArn;
    this.registerOutputs({ cloudwatchRoleArn: this.cloudwatchRoleArn });
  }
}
