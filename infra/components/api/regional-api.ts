import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { resourceName } from "../../core/naming";
import { ShippedLogGroup } from "../logging/shipped-log-group";
import { ApiGatewayAccount } from "./api-gateway-account";

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

export interface RegionalApiArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  routes: ApiRoute[];
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
  throttleRateLimit: number;
  throttleBurstLimit: number;
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
 * When the gateway rejects a request itself, the answer is in the handlers' error shape and says
 * why (the gateway's default body is a bare "Invalid request body").
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 */
export const GATEWAY_RESPONSES: readonly { responseType: string; statusCode: string; error: string }[] = [
  { responseType: "BAD_REQUEST_BODY", statusCode: "400", error: "The request body is invalid" },
  { responseType: "BAD_REQUEST_PARAMETERS", statusCode: "400", error: "A required request parameter is missing" },
];

/**
 * What a deployment snapshots (routes and gateway responses), as a hash: its redeploy trigger. A
 * deployment is a snapshot of the API's resources, and gateway responses are among the resources
 * whose updates "require redeploying the API", so a changed response must make a new deployment.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html
 */
export function deploymentFingerprint(routes: readonly ApiRoute[], responses = GATEWAY_RESPONSES): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        routes: routes.map((r) => [r.method, r.path, r.authorization, r.requiredHeaders, r.bodySchema]),
        responses: responses.map((r) => [r.responseType, r.statusCode, responseTemplate(r)]),
      }),
    )
    .digest("hex");
}

function responseTemplate(r: { responseType: string; error: string }): string {
  return `{"error":"${r.error}","reason":"${r.responseType}","detail":"$context.error.validationErrorString"}`;
}

/**
 * The payment API in one region: a REGIONAL REST API (default execute-api endpoint disabled, so
 * the only way in is a custom domain with TLS 1.2+; ApiCustomDomains), Lambda proxy integrations,
 * request validation (required headers and a body schema) with explaining gateway responses, and a
 * stage with access logs, ERROR execution logs without data trace, X-Ray and throttling. The
 * region's API Gateway account settings (ApiGatewayAccount) are its child: execution logging needs them.
 */
export class RegionalApi extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly apiName: string;
  readonly stageArn: pulumi.Output<string>;
  /** The stage's name, resolved once the stage exists (base path mappings wait for it). */
  readonly deployedStageName: pulumi.Output<string>;
  readonly stageName = API_STAGE;

  constructor(name: string, args: RegionalApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:RegionalApi", name, {}, opts);
    const { region, environment } = args;
    const parent = { parent: this };
    this.apiName = resourceName("payments-api", region, environment);

    const account = new ApiGatewayAccount(`${name}-gateway-account`, { region, environment, accountId: args.accountId }, parent);

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

    // Everything a deployment snapshots: it must exist before the deployment is made.
    const snapshotted: pulumi.Resource[] = [];
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
      snapshotted.push(method, integration);
    }

    for (const r of GATEWAY_RESPONSES) {
      snapshotted.push(
        new aws.apigateway.Response(
          `${name}-${r.responseType.toLowerCase().replace(/_/g, "-")}`,
          {
            region,
            restApiId: api.id,
            responseType: r.responseType,
            statusCode: r.statusCode,
            responseTemplates: { "application/json": responseTemplate(r) },
            responseParameters: { "gatewayresponse.header.Cache-Control": "'no-store'" },
          },
          parent,
        ),
      );
    }

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

    // A deployment snapshots the API as it is when it is made: it waits for every route and gateway
    // response, and a change to any of them (the fingerprint) makes a new one.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html
    const fingerprint = deploymentFingerprint(args.routes);
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      { region, restApi: api.id, triggers: { snapshot: fingerprint }, description: `routes and responses ${fingerprint.slice(0, 12)}` },
      { parent: this, dependsOn: snapshotted },
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

    this.restApiId = api.id;
    this.stageArn = stage.arn;
    this.deployedStageName = stage.stageName;
    this.registerOutputs({ restApiId: this.restApiId, stageArn: this.stageArn });
  }
}
