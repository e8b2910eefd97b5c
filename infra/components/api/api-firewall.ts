import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../core/naming";

export interface ApiFirewallArgs {
  region: string;
  environment: string;
  /** The API stage the web ACL protects. */
  stageArn: pulumi.Input<string>;
  /** Requests per client IP per 5 minutes before the web ACL blocks it. */
  rateLimitPer5Minutes: number;
}

/**
 * A REGIONAL WAF web ACL on one region's API stage: AWS managed common rules and known bad
 * inputs, and a per-IP rate limit, each with CloudWatch metrics.
 */
export class ApiFirewall extends pulumi.ComponentResource {
  readonly webAclArn: pulumi.Output<string>;

  constructor(name: string, args: ApiFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:ApiFirewall", name, {}, opts);
    const { region, environment } = args;
    const parent = { parent: this };

    const metric = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const acl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        region,
        name: resourceName("payments-api-waf", region, environment),
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        visibilityConfig: metric(resourceName("payments-api-waf", region, environment)),
        rules: [
          {
            name: "aws-common-rules",
            priority: 0,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
            visibilityConfig: metric("aws-common-rules"),
          },
          {
            name: "aws-known-bad-inputs",
            priority: 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
            visibilityConfig: metric("aws-known-bad-inputs"),
          },
          {
            name: "rate-limit-per-ip",
            priority: 2,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: args.rateLimitPer5Minutes, aggregateKeyType: "IP" } },
            visibilityConfig: metric("rate-limit-per-ip"),
          },
        ],
      },
      parent,
    );
    new aws.wafv2.WebAclAssociation(`${name}-association`, { region, resourceArn: args.stageArn, webAclArn: acl.arn }, parent);

    this.webAclArn = acl.arn;
    this.registerOutputs({ webAclArn: this.webAclArn });
  }
}
