import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { resourceName } from "../../core/naming";
import { serviceTrustPolicy } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";

export const API_STAGE = "v1";

export interface ApiRoute {
  method: "GET" | "POST";
  /** e.g. `/payments/{id}` */
  path: string;
  authorization: "NONE" | "AWS_IAM";
  /** Request headers API Gateway must see before it calls the function. */
  requiredHeaders?: string[];
  /** JSON Schema (draft-04) for the body, validated by API Gateway. */
  bodySchema?: object;
  functionName: pulumi.Input<string>;
  invokeArn: pulumi.Input<string>;
}

export interface ApiDomain {
  /** e.g. api.payments.example.com (shared) or api-us-east-1.payments.example.com (pinned). */
  domainName: string;
  /** Short label used in resource names: "shared" | "pinned". */
  label: string;
}

export interface RegionalApiArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  routes: ApiRoute[];
  domains: ApiDomain[];
  zoneId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** A regional WAF web ACL on the stage. Default behaviour: none. */
  waf?: { rateLimitPer5Minutes: number };
}

/** Access-log fields (JSON); tlsVersion and requestId as CloudTrail-style evidence, no bodies. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.caller",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  tlsVersion: "$context.tlsVersion",
  domainName: "$context.domainName",
  responseLength: "$context.responseLength",
  integrationLatency: "$context.integrationLatency",
  wafResponse: "$context.wafResponseCode",
});

/**
 * The payment API in one region: a REGIONAL REST API (default execute-api endpoint disabled, so
 * the only way in is a custom domain with TLS 1.2+), Lambda proxy integrations, request
 * validation (required headers and a body schema), a stage with access logs, ERROR execution logs
 * without data trace, X-Ray and throttling, custom domains with regional ACM certificates, and
 * optionally a WAF web ACL.
 */
export class RegionalApi extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly apiName: string;
  readonly stageArn: pulumi.Output<string>;
  readonly stageName = API_STAGE;
  /** Per domain label: what a Route 53 alias record must point at. */
  readonly domainTargets: Record<
    string,
    { domainName: string; regionalDomainName: pulumi.Output<string>; regionalZoneId: pulumi.Output<string> }
  >;

  constructor(name: string, args: RegionalApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:RegionalApi", name, {}, opts);
    const { region, environment } = args;
    const parent = { parent: this };
    this.apiName = resourceName("payments-api", region, environment);

    const api = new aws.apigateway.RestApi(
      `${name}-rest-api`,
      {
        region,
        name: this.apiName,
        description: `payments-dr payment API (${region})`,
        endpointConfiguration: { types: "REGIONAL" },
        // Default execute-api endpoints of regional APIs accept TLS 1.0; only the custom domains serve.
        disableExecuteApiEndpoint: true,
      },
      parent,
    );
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      { region, restApi: api.id, name: "body-and-parameters", validateRequestBody: true, validateRequestParameters: true },
      parent,
    );

    // Resource tree for the routes' paths.
    const resources = new Map<string, pulumi.Input<string>>([["/", api.rootResourceId]]);
    const resourceFor = (path: string): pulumi.Input<string> => {
      const existing = resources.get(path);
      if (existing) return existing;
      const parentPath = path.slice(0, path.lastIndexOf("/")) || "/";
      const part = path.slice(path.lastIndexOf("/") + 1);
      const resource = new aws.apigateway.Resource(
        `${name}-res${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        { region, restApi: api.id, parentId: resourceFor(parentPath), pathPart: part },
        parent,
      );
      resources.set(path, resource.id);
      return resource.id;
    };

    const routeResources: pulumi.Resource[] = [];
    for (const route of args.routes) {
      const slug = `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const requestParameters: Record<string, boolean> = {};
      for (const p of pathParams) requestParameters[`method.request.path.${p}`] = true;
      for (const h of route.requiredHeaders ?? []) requestParameters[`method.request.header.${h}`] = true;

      let requestModels: Record<string, pulumi.Input<string>> | undefined;
      if (route.bodySchema) {
        const model = new aws.apigateway.Model(
          `${name}-${slug}-model`,
          {
            region,
            restApi: api.id,
            name: slug.replace(/-/g, ""),
            contentType: "application/json",
            schema: JSON.stringify(route.bodySchema),
          },
          parent,
        );
        requestModels = { "application/json": model.name };
      }
      const method = new aws.apigateway.Method(
        `${name}-${slug}`,
        {
          region,
          restApi: api.id,
          resourceId: resourceFor(route.path),
          httpMethod: route.method,
          authorization: route.authorization,
          requestValidatorId: validator.id,
          requestParameters,
          ...(requestModels ? { requestModels } : {}),
        },
        parent,
      );
      const integration = new aws.apigateway.Integration(
        `${name}-${slug}-integration`,
        {
          region,
          restApi: api.id,
          resourceId: method.resourceId,
          httpMethod: method.httpMethod,
          type: "AWS_PROXY",
          integrationHttpMethod: "POST",
          uri: route.invokeArn,
          timeoutMilliseconds: 10000,
        },
        parent,
      );
      new aws.lambda.Permission(
        `${name}-${slug}-invoke`,
        {
          region,
          action: "lambda:InvokeFunction",
          function: route.functionName,
          principal: "apigateway.amazonaws.com",
          sourceArn: pulumi.interpolate`${api.executionArn}/*/${route.method}${route.path.replace(/\{\w+\}/g, "*")}`,
          sourceAccount: args.accountId,
        },
        parent,
      );
      routeResources.push(method, integration);
    }

    // When the gateway rejects a request itself, answer in the handlers' error shape and say why
    // (the gateway's default body is a bare "Invalid request body").
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
    for (const [type, error] of [
      ["BAD_REQUEST_BODY", "The request body is invalid"],
      ["BAD_REQUEST_PARAMETERS", "A required request parameter is missing"],
    ] as const) {
      new aws.apigateway.Response(
        `${name}-${type.toLowerCase().replace(/_/g, "-")}`,
        {
          region,
          restApiId: api.id,
          responseType: type,
          statusCode: "400",
          responseTemplates: {
            "application/json": `{"error":"${error}","reason":"${type}","detail":"$context.error.validationErrorString"}`,
          },
          responseParameters: { "gatewayresponse.header.Cache-Control": "'no-store'" },
        },
        parent,
      );
    }

    // Execution logging needs the account-level CloudWatch role of API Gateway in this region.
    const cloudwatchRole = new aws.iam.Role(
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
      { role: cloudwatchRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" },
      parent,
    );
    const account = new aws.apigateway.Account(`${name}-account`, { region, cloudwatchRoleArn: cloudwatchRole.arn }, parent);

    const accessLogs = new ShippedLogGroup(
      `${name}-access-logs`,
      {
        region,
        logGroupName: `/payments-dr/${environment}/api-access/${region}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );
    // API Gateway would create this group itself (unencrypted, never expiring); we own it instead.
    const executionLogs = new ShippedLogGroup(
      `${name}-execution-logs`,
      {
        region,
        logGroupName: pulumi.interpolate`API-Gateway-Execution-Logs_${api.id}/${API_STAGE}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );

    const fingerprint = createHash("sha256")
      .update(JSON.stringify(args.routes.map((r) => [r.method, r.path, r.authorization, r.requiredHeaders, r.bodySchema])))
      .digest("hex");
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      { region, restApi: api.id, triggers: { routes: fingerprint }, description: `routes ${fingerprint.slice(0, 12)}` },
      { parent: this, dependsOn: routeResources },
    );
    const stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        region,
        restApi: api.id,
        deployment: deployment.id,
        stageName: API_STAGE,
        xrayTracingEnabled: true,
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      },
      { parent: this, dependsOn: [account, executionLogs] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-method-settings`,
      {
        region,
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: "*/*",
        settings: {
          loggingLevel: "ERROR",
          dataTraceEnabled: false,
          metricsEnabled: true,
          throttlingRateLimit: args.throttleRateLimit,
          throttlingBurstLimit: args.throttleBurstLimit,
          cachingEnabled: false,
        },
      },
      parent,
    );

    this.domainTargets = {};
    for (const domain of args.domains) {
      const certificate = new aws.acm.Certificate(
        `${name}-${domain.label}-cert`,
        { region, domainName: domain.domainName, validationMethod: "DNS" },
        parent,
      );
      const validationRecord = new aws.route53.Record(
        `${name}-${domain.label}-cert-validation`,
        {
          zoneId: args.zoneId,
          name: certificate.domainValidationOptions[0].resourceRecordName,
          type: certificate.domainValidationOptions[0].resourceRecordType,
          records: [certificate.domainValidationOptions[0].resourceRecordValue],
          ttl: 60,
          // ACM gives every certificate for the same name in an account the same validation record,
          // so the shared name's certificates in both regions write the same record.
          allowOverwrite: true,
        },
        parent,
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-${domain.label}-cert-validated`,
        { region, certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
        parent,
      );
      const domainName = new aws.apigateway.DomainName(
        `${name}-${domain.label}-domain`,
        {
          region,
          domainName: domain.domainName,
          regionalCertificateArn: validation.certificateArn,
          endpointConfiguration: { types: "REGIONAL" },
          securityPolicy: "TLS_1_2",
        },
        parent,
      );
      new aws.apigateway.BasePathMapping(
        `${name}-${domain.label}-mapping`,
        { region, restApi: api.id, stageName: stage.stageName, domainName: domainName.domainName },
        parent,
      );
      this.domainTargets[domain.label] = {
        domainName: domain.domainName,
        regionalDomainName: domainName.regionalDomainName,
        regionalZoneId: domainName.regionalZoneId,
      };
    }

    if (args.waf) {
      const metric = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
      const acl = new aws.wafv2.WebAcl(
        `${name}-waf`,
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
              statement: { rateBasedStatement: { limit: args.waf.rateLimitPer5Minutes, aggregateKeyType: "IP" } },
              visibilityConfig: metric("rate-limit-per-ip"),
            },
          ],
        },
        parent,
      );
      new aws.wafv2.WebAclAssociation(`${name}-waf-association`, { region, resourceArn: stage.arn, webAclArn: acl.arn }, parent);
    }

    this.restApiId = api.id;
    this.stageArn = stage.arn;
    this.registerOutputs({ restApiId: this.restApiId });
  }
}
