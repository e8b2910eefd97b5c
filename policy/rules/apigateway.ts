/** API Gateway REST APIs (A1–A8). */
import * as aws from "@pulumi/aws";
import { regionOfArn } from "../lib/arn";
import { asArray } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import type { StackIndex } from "../lib/stack";
import { UNAUTHENTICATED_ROUTES } from "../exceptions";

const isRegional = (types: unknown) =>
  asArray(types as string | string[]).includes("REGIONAL") && asArray(types as string | string[]).length === 1;

export const apiRegionalEndpoint = resourceRule(
  {
    id: "A1",
    name: "apigateway-regional-endpoint",
    title:
      "APIs are REGIONAL and their default execute-api endpoint (which accepts TLS 1.0) is disabled, so only the TLS 1.2 custom domains serve.",
    sources: "API Gateway custom-domain TLS documentation; AWS Guard apigateway-endpoint-type",
  },
  forType(aws.apigateway.RestApi, (api, report) => {
    if (!isRegional(api.endpointConfiguration?.types))
      report(`endpoint type is ${JSON.stringify(api.endpointConfiguration?.types ?? "EDGE (default)")}, not REGIONAL`);
    if (api.disableExecuteApiEndpoint !== true) report("the default execute-api endpoint is not disabled");
  }),
);

export const apiDomainTls = resourceRule(
  {
    id: "A2",
    name: "apigateway-domain-tls",
    title: "Custom domains are REGIONAL, accept TLS 1.2 or newer only, and use an ACM certificate of their own region.",
    sources: "Checkov CKV_AWS_206; cfn-nag W62; Trivy AVD-AWS-0005; PCI DSS v4.0.1 4.2.1",
  },
  forType(aws.apigateway.DomainName, (d, report) => {
    const policy = String(d.securityPolicy ?? "TLS_1_0 (default)");
    if (policy !== "TLS_1_2" && !policy.startsWith("SecurityPolicy_TLS13_")) report(`security policy ${policy} allows TLS below 1.2`);
    if (!isRegional(d.endpointConfiguration?.types)) report("the domain is not REGIONAL");
    if (!d.regionalCertificateArn) report("the domain has no regional certificate");
    else if (regionOfArn(d.regionalCertificateArn) !== d.region)
      report(`the certificate is in ${regionOfArn(d.regionalCertificateArn)}, not ${d.region}`);
  }),
);

type Settings = {
  loggingLevel?: string;
  dataTraceEnabled?: boolean;
  metricsEnabled?: boolean;
  throttlingBurstLimit?: number;
  throttlingRateLimit?: number;
  cachingEnabled?: boolean;
  cacheDataEncrypted?: boolean;
};

export const apiMethodSettings = stackRule(
  {
    id: "A3",
    name: "apigateway-method-settings",
    title:
      "Every stage sets */* method settings: execution logging ERROR or INFO without data trace, metrics on, throttling set, and encrypted cache if caching (A7).",
    sources: "Security Hub APIGateway.1 and APIGateway.5; Checkov CKV2_AWS_4, CKV_AWS_276, CKV_AWS_308; cfn-nag W87",
  },
  (stack, report) => {
    const settings = stack.all(aws.apigateway.MethodSettings).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.apigateway.Stage)) {
      const mine = settings.filter((s) => s.restApi === props.restApi && s.stageName === props.stageName && s.region === props.region);
      const all = mine.find((s) => s.methodPath === "*/*");
      const where = `stage ${props.stageName} (${props.region})`;
      if (!all) {
        report(`${where} has no */* method settings`, resource.urn);
        continue;
      }
      for (const s of mine) {
        const x = (s.settings ?? {}) as Settings;
        const path = `${where} ${s.methodPath}`;
        if (s === all && x.loggingLevel !== "ERROR" && x.loggingLevel !== "INFO")
          report(`${path}: execution logging is ${x.loggingLevel ?? "OFF"}`, resource.urn);
        if (x.dataTraceEnabled !== false)
          report(`${path}: data trace must be explicitly off (it logs request and response bodies)`, resource.urn);
        if (s === all && x.metricsEnabled !== true) report(`${path}: detailed metrics are off`, resource.urn);
        if (s === all && !((x.throttlingBurstLimit ?? 0) > 0 && (x.throttlingRateLimit ?? 0) > 0))
          report(`${path}: no throttling limits`, resource.urn);
        if (x.cachingEnabled === true && x.cacheDataEncrypted !== true) report(`${path}: the cache is not encrypted`, resource.urn);
      }
    }
  },
);

export const apiAccessLogs = resourceRule(
  {
    id: "A4",
    name: "apigateway-access-logs",
    title: "Stages write access logs whose format records the request id and the TLS version.",
    sources: "Checkov CKV_AWS_76; cfn-nag W69; Trivy AVD-AWS-0001; PCI DSS v4.0.1 10.2",
  },
  forType(aws.apigateway.Stage, (s, report) => {
    const format = String(s.accessLogSettings?.format ?? "");
    if (!s.accessLogSettings?.destinationArn) report("the stage writes no access logs");
    for (const field of ["$context.requestId", "$context.tlsVersion"])
      if (!format.includes(field)) report(`the access-log format does not record ${field}`);
  }),
);

export const apiXray = resourceRule(
  {
    id: "A5",
    name: "apigateway-xray",
    title: "Stages have X-Ray tracing.",
    sources: "Security Hub APIGateway.3; Checkov CKV_AWS_73; Trivy AVD-AWS-0003",
  },
  forType(aws.apigateway.Stage, (s, report) => {
    if (s.xrayTracingEnabled !== true) report("X-Ray tracing is off");
  }),
);

export const apiWaf = stackRule(
  {
    id: "A6",
    name: "apigateway-waf",
    title:
      "Every stage is associated with a REGIONAL WAF web ACL of its region that runs the AWS managed common rules and a rate limit, with metrics.",
    sources: "Security Hub APIGateway.4, WAF.10 and WAF.12; Checkov CKV2_AWS_29",
  },
  (stack, report) => {
    const associations = stack.all(aws.wafv2.WebAclAssociation).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.apigateway.Stage)) {
      const where = `stage ${props.stageName} (${props.region})`;
      const acls = associations.filter((a) => a.resourceArn === props.arn).map((a) => stack.byArn(a.webAclArn));
      if (acls.length === 0) report(`${where} has no WAF web ACL`, resource.urn);
      for (const acl of acls) {
        const a = acl?.props as aws.wafv2.WebAclArgs | undefined;
        if (!a) {
          report(`${where} is associated with a web ACL this stack does not define`, resource.urn);
          continue;
        }
        const rules = (a.rules ?? []) as {
          statement?: { managedRuleGroupStatement?: { name?: string }; rateBasedStatement?: unknown };
          visibilityConfig?: { cloudwatchMetricsEnabled?: boolean };
        }[];
        if (a.scope !== "REGIONAL" || acl?.props.region !== props.region)
          report(`${where}: the web ACL is not REGIONAL in ${props.region}`, resource.urn);
        if (!rules.some((r) => r.statement?.managedRuleGroupStatement?.name === "AWSManagedRulesCommonRuleSet"))
          report(`${where}: the web ACL does not run AWSManagedRulesCommonRuleSet`, resource.urn);
        if (!rules.some((r) => r.statement?.rateBasedStatement)) report(`${where}: the web ACL has no rate-based rule`, resource.urn);
        if (
          (a.visibilityConfig as { cloudwatchMetricsEnabled?: boolean } | undefined)?.cloudwatchMetricsEnabled !== true ||
          rules.some((r) => r.visibilityConfig?.cloudwatchMetricsEnabled !== true)
        ) {
          report(`${where}: the web ACL or one of its rules has no CloudWatch metrics`, resource.urn);
        }
      }
    }
  },
);

/** `GET /payments/{id}` for a method, walking its resource up to the API's root. */
function routeOf(stack: StackIndex, method: { restApi?: unknown; resourceId?: unknown; httpMethod?: unknown }): string {
  const parts: string[] = [];
  let id = method.resourceId;
  for (let depth = 0; depth < 32; depth++) {
    const r = stack.byId("aws:apigateway/resource:Resource", id);
    if (!r) break;
    parts.unshift(String(r.props.pathPart));
    id = r.props.parentId;
  }
  return `${method.httpMethod} /${parts.join("/")}`;
}

export const IDEMPOTENT_ROUTE = "POST /payments";
export const IDEMPOTENCY_HEADER = "method.request.header.Idempotency-Key";

export const apiMethods = stackRule(
  {
    id: "A8",
    name: "apigateway-method-auth-validation",
    title:
      "Every method is authorised (only GET /health is open, a declared exception), validated by a request validator, and POST /payments requires the Idempotency-Key header.",
    sources: "cfn-nag W59; Checkov CKV_AWS_59 and CKV2_AWS_53; AWS Well-Architected REL04-BP04",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.apigateway.Method)) {
      const route = routeOf(stack, props);
      if (props.authorization === "NONE" && !UNAUTHENTICATED_ROUTES.includes(route))
        report(`${route} (${props.region}) has no authorization`, resource.urn);
      if (!props.requestValidatorId) report(`${route} (${props.region}) has no request validator`, resource.urn);
      if (route === IDEMPOTENT_ROUTE && props.requestParameters?.[IDEMPOTENCY_HEADER] !== true)
        report(`${route} (${props.region}) does not require the Idempotency-Key header`, resource.urn);
    }
  },
);

/**
 * A deployment is a snapshot of the API: what does not exist when it is made is not served, and
 * updates to methods, integrations and gateway responses "require redeploying the API".
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html
 */
export const apiDeploymentSnapshot = stackRule(
  {
    id: "A8",
    name: "apigateway-deployment-snapshot",
    title:
      "Every deployment of a REST API depends on all of that API's methods, integrations and gateway responses, so what it snapshots exists when it is made (the validation and its explaining responses included).",
    sources: "API Gateway Developer Guide (updates to REST APIs that require redeployment; deployments as snapshots)",
  },
  (stack, report) => {
    const parts = [
      ...stack.ofType("aws:apigateway/method:Method").map((r) => ({ r, api: r.props.restApi })),
      ...stack.ofType("aws:apigateway/integration:Integration").map((r) => ({ r, api: r.props.restApi })),
      ...stack.ofType("aws:apigateway/response:Response").map((r) => ({ r, api: r.props.restApiId })),
    ];
    for (const { resource, props } of stack.all(aws.apigateway.Deployment)) {
      const waited = new Set(resource.dependencies.map((d) => d.urn));
      const missing = parts.filter((p) => p.api === props.restApi && !waited.has(p.r.urn));
      for (const { r } of missing)
        report(
          `the deployment of API ${props.restApi} (${props.region}) does not wait for ${r.type.split(":").pop()} ${r.name}: it may snapshot the API without it`,
          resource.urn,
        );
    }
  },
);

/**
 * ACM gives every certificate of a name in an account the same validation record, and renews a
 * certificate only while that record stays in place: a record written by two resources (one per
 * region, with allowOverwrite) has two owners, and removing either one breaks the other's renewal.
 * https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
 */
export const acmValidationRecordOnce = stackRule(
  {
    id: "A2",
    name: "acm-validation-record-once",
    title:
      "Every DNS record (certificate validation records included) has one owner: no record overwrites another, and no two records of the stack write the same name and type in a zone outside a routing policy.",
    sources: "ACM User Guide (DNS validation: one CNAME per name and account, valid in every region; renewal needs it in place)",
  },
  (stack, report) => {
    const seen = new Map<string, string>();
    for (const { resource, props } of stack.all(aws.route53.Record)) {
      if (props.allowOverwrite === true)
        report(`record ${props.name} (${props.type}) overwrites whatever else writes it (allowOverwrite)`, resource.urn);
      if (props.setIdentifier) continue;
      const key = `${props.zoneId} ${String(props.name).replace(/\.$/, "")} ${props.type}`;
      const other = seen.get(key);
      if (other) report(`record ${props.name} (${props.type}) is written by both ${other} and ${resource.name}`, resource.urn);
      else seen.set(key, resource.name);
    }
  },
);

export const apiGatewayRules = [
  apiRegionalEndpoint,
  apiDomainTls,
  acmValidationRecordOnce,
  apiMethodSettings,
  apiAccessLogs,
  apiXray,
  apiWaf,
  apiMethods,
  apiDeploymentSnapshot,
];
