/**
 * Lambda, API Gateway, Step Functions and EventBridge rules (L1-L9, A1-A8, F1-F2, E1, B12)
 * against the synthesized stack and broken copies of it.
 */
import { apiGatewayRules } from "../../policy/rules/apigateway";
import * as api from "../../policy/rules/apigateway";
import { eventBridgeRules } from "../../policy/rules/eventbridge";
import * as eb from "../../policy/rules/eventbridge";
import { lambdaRules } from "../../policy/rules/lambda";
import * as l from "../../policy/rules/lambda";
import { stepFunctionsRules } from "../../policy/rules/stepfunctions";
import * as sfn from "../../policy/rules/stepfunctions";
import { byType, editJson, find, fixture, withChange, without } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const fn = (name: string) => byType("aws:lambda/function:Function", (r) => r.inputs.name === name);
const createPayment = fn("create-payment-us-east-1-dev");
const method = (name: string) => byType("aws:apigateway/method:Method", (r) => r.name === name);
const stage = byType("aws:apigateway/stage:Stage", (r) => r.region === "us-east-1");
const methodSettings = byType("aws:apigateway/methodSettings:MethodSettings", (r) => r.region === "us-east-1");
const machine = byType("aws:sfn/stateMachine:StateMachine", (r) => r.inputs.name === "dr-orchestrator-us-east-1-dev");
const eventTarget = byType("aws:cloudwatch/eventTarget:EventTarget", (r) => r.region === "us-east-1");
const schedule = byType("aws:scheduler/schedule:Schedule", (r) => r.region === "us-east-1");

const cases: FailingCase[] = [
  {
    rule: api.acmValidationRecordOnce,
    when: "the shared name's validation record is written again for the secondary, overwriting (the old per-region records)",
    change: (rs) => {
      const shared = find(
        rs,
        byType("aws:route53/record:Record", (r) => r.inputs.type === "CNAME" && /\.api\.payments\.example\.com\.$/.test(r.inputs.name)),
      );
      return [
        ...withChange(
          rs,
          (r) => r === shared,
          (p) => (p.allowOverwrite = true),
        ),
        fixture("aws:route53/record:Record", "api-certificates-us-east-2-shared-validation", { ...shared.inputs, allowOverwrite: true }),
      ];
    },
    expect:
      /record _x\w+\.api\.payments\.example\.com\. \(CNAME\) is written by both api-certificates-global-dev-shared-validation and api-certificates-us-east-2-shared-validation/,
  },
  {
    rule: api.acmValidationRecordOnce,
    when: "a record overwrites whatever else writes it",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:route53/record:Record", (r) => r.inputs.type === "CNAME"),
        (p) => (p.allowOverwrite = true),
      ),
    expect: /overwrites whatever else writes it \(allowOverwrite\)/,
  },
  {
    rule: api.apiDeploymentSnapshot,
    when: "the deployment does not wait for the gateway responses (it may snapshot the API without them)",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:apigateway/deployment:Deployment", (r) => r.region === "us-east-1"),
        (_p, r) => {
          r.dependencies = (r.dependencies ?? []).filter((urn) => !urn.includes("aws:apigateway/response:Response"));
        },
      ),
    expect: /the deployment of API .* \(us-east-1\) does not wait for Response payments-us-east-1-dev-api-bad-request-body/,
  },
  {
    rule: l.lambdaInVpc,
    when: "a payment-path function leaves the VPC",
    change: (rs) => withChange(rs, createPayment, (p) => delete p.vpcConfig),
    expect: /function create-payment-us-east-1-dev does not run in the VPC/,
  },
  {
    rule: l.lambdaInVpc,
    when: "a function runs in one Availability Zone",
    change: (rs) => withChange(rs, createPayment, (p) => (p.vpcConfig.subnetIds = p.vpcConfig.subnetIds.slice(0, 1))),
    expect: /runs in 1 Availability Zone/,
  },
  {
    rule: l.lambdaInVpc,
    when: "a function has no security group",
    change: (rs) => withChange(rs, createPayment, (p) => (p.vpcConfig.securityGroupIds = [])),
    expect: /has no security group/,
  },
  {
    rule: l.lambdaInVpc,
    when: "a function's subnet assigns public IPs",
    change: (rs) => {
      const subnetId = find(rs, createPayment).state.vpcConfig.subnetIds[0];
      return withChange(
        rs,
        (r) => r.type === "aws:ec2/subnet:Subnet" && r.id === subnetId,
        (p) => (p.mapPublicIpOnLaunch = true),
      );
    },
    expect: /uses a subnet that assigns public IPs/,
  },
  {
    rule: l.lambdaRuntime,
    when: "a function runs a deprecated runtime",
    change: (rs) => withChange(rs, createPayment, (p) => (p.runtime = "nodejs20.x")),
    expect: /runtime nodejs20.x is not one of nodejs22.x, nodejs24.x/,
  },
  {
    rule: l.lambdaRuntime,
    when: "the configured allow-list no longer has the stack's runtime",
    change: (rs) => [...rs],
    config: { allowedRuntimes: ["nodejs22.x"] },
    expect: /runtime nodejs24.x is not one of nodejs22.x/,
  },
  {
    rule: l.lambdaReservedConcurrency,
    when: "a payment-path function reserves nothing",
    change: (rs) => withChange(rs, createPayment, (p) => delete p.reservedConcurrentExecutions),
    expect: /create-payment-us-east-1-dev reserves no concurrency/,
  },
  // No exception for the DR path any more (docs/architecture.md, Decisions): a runbook step, the trigger or the canary reserving nothing is a violation.
  {
    rule: l.lambdaReservedConcurrency,
    when: "a runbook step reserves nothing",
    change: (rs) => withChange(rs, fn("check-fence-alarm-us-east-1-dev"), (p) => delete p.reservedConcurrentExecutions),
    expect: /check-fence-alarm-us-east-1-dev reserves no concurrency/,
  },
  {
    rule: l.lambdaReservedConcurrency,
    when: "the canary reserves nothing",
    change: (rs) => withChange(rs, fn("canary-us-east-2-dev"), (p) => delete p.reservedConcurrentExecutions),
    expect: /canary-us-east-2-dev reserves no concurrency/,
  },
  {
    rule: l.lambdaReservedConcurrency,
    when: "the secondary's runbook step reserves less than the primary's",
    change: (rs) => withChange(rs, fn("start-execution-us-east-2-dev"), (p) => (p.reservedConcurrentExecutions = 1)),
    expect: /start-execution-us-east-2-dev reserves 1, less than 2 in us-east-1/,
  },
  {
    rule: l.lambdaReservedConcurrency,
    when: "the secondary reserves less than the primary",
    change: (rs) => withChange(rs, fn("create-payment-us-east-2-dev"), (p) => (p.reservedConcurrentExecutions = 5)),
    expect: /create-payment-us-east-2-dev reserves 5, less than 50 in us-east-1/,
  },
  {
    rule: l.lambdaAsyncFailures,
    when: "the EventBridge-invoked function loses its on-failure destination",
    change: (rs) =>
      without(
        rs,
        byType(
          "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
          (r) => r.name === "dr-us-east-1-dev-start-execution-async",
        ),
      ),
    expect: /start-execution-us-east-1-dev is an EventBridge rule target but has no on-failure destination/,
  },
  {
    rule: l.lambdaAsyncFailures,
    when: "a stream mapping retries forever",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:lambda/eventSourceMapping:EventSourceMapping", (r) => r.name === "payments-us-east-1-dev-payment-events-stream"),
        (p) => (p.maximumRetryAttempts = -1),
      ),
    expect: /retries forever/,
  },
  {
    rule: l.lambdaAsyncFailures,
    when: "a stream mapping drops failed batches",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:lambda/eventSourceMapping:EventSourceMapping", (r) => r.name === "payments-us-east-1-dev-payment-events-stream"),
        (p) => delete p.destinationConfig,
      ),
    expect: /has no on-failure destination/,
  },
  {
    rule: l.lambdaTracing,
    when: "tracing is passive",
    change: (rs) => withChange(rs, createPayment, (p) => (p.tracingConfig.mode = "PassThrough")),
    expect: /X-Ray tracing is not Active/,
  },
  {
    rule: l.lambdaEnvironment,
    when: "the environment uses the AWS-managed key",
    change: (rs) => withChange(rs, createPayment, (p) => delete p.kmsKeyArn),
    expect: /not encrypted with a customer-managed key/,
  },
  {
    rule: l.lambdaEnvironment,
    when: "a variable is named like a secret",
    change: (rs) => withChange(rs, createPayment, (p) => (p.environment.variables.PROCESSOR_API_KEY = "x")),
    expect: /PROCESSOR_API_KEY looks like a secret/,
  },
  {
    rule: l.lambdaPermissionScoped,
    when: "API Gateway may invoke from any API",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:lambda/permission:Permission", (r) => r.inputs.principal === "apigateway.amazonaws.com"),
        (p) => delete p.sourceArn,
      ),
    expect: /has no sourceArn/,
  },
  {
    rule: l.lambdaPermissionScoped,
    when: "anyone may invoke",
    change: (rs) => withChange(rs, byType("aws:lambda/permission:Permission"), (p) => (p.principal = "*")),
    expect: /principal \* is a wildcard/,
  },
  {
    rule: l.lambdaPermissionScoped,
    when: "a function URL is public",
    change: (rs) => [
      ...rs,
      fixture("aws:lambda/functionUrl:FunctionUrl", "public-url", {
        region: "us-east-1",
        functionName: "create-payment-us-east-1-dev",
        authorizationType: "NONE",
      }),
    ],
    expect: /function URL has no authentication/,
  },
  {
    rule: l.lambdaLogGroup,
    when: "a function logs to a group the stack does not create",
    change: (rs) => withChange(rs, createPayment, (p) => (p.loggingConfig.logGroup = "/aws/lambda/elsewhere")),
    expect: /logs to \/aws\/lambda\/elsewhere, which the stack does not create/,
  },
  {
    rule: l.lambdaSqsVisibility,
    when: "the processing queue hides messages for less than six function timeouts",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:sqs/queue:Queue", (r) => r.inputs.name === "payments-processing-us-east-1-dev"),
        (p) => (p.visibilityTimeoutSeconds = 60),
      ),
    expect: /hides messages for 60 s; process-payment-us-east-1-dev needs at least 180 s/,
  },

  {
    rule: api.apiRegionalEndpoint,
    when: "the API is edge-optimised",
    change: (rs) => withChange(rs, byType("aws:apigateway/restApi:RestApi"), (p) => (p.endpointConfiguration.types = "EDGE")),
    expect: /not REGIONAL/,
  },
  {
    rule: api.apiRegionalEndpoint,
    when: "the execute-api endpoint stays open",
    change: (rs) => withChange(rs, byType("aws:apigateway/restApi:RestApi"), (p) => delete p.disableExecuteApiEndpoint),
    expect: /execute-api endpoint is not disabled/,
  },
  {
    rule: api.apiDomainTls,
    when: "a domain accepts TLS 1.0",
    change: (rs) => withChange(rs, byType("aws:apigateway/domainName:DomainName"), (p) => (p.securityPolicy = "TLS_1_0")),
    expect: /TLS_1_0 allows TLS below 1.2/,
  },
  {
    rule: api.apiDomainTls,
    when: "a domain uses a certificate of the other region",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:apigateway/domainName:DomainName", (r) => r.region === "us-east-2"),
        (p) => (p.regionalCertificateArn = p.regionalCertificateArn.replace("us-east-2", "us-east-1")),
      ),
    expect: /certificate is in us-east-1, not us-east-2/,
  },
  {
    rule: api.apiMethodSettings,
    when: "data trace logs request bodies",
    change: (rs) => withChange(rs, methodSettings, (p) => (p.settings.dataTraceEnabled = true)),
    expect: /data trace must be explicitly off/,
  },
  {
    rule: api.apiMethodSettings,
    when: "execution logging is off",
    change: (rs) => withChange(rs, methodSettings, (p) => (p.settings.loggingLevel = "OFF")),
    expect: /execution logging is OFF/,
  },
  {
    rule: api.apiMethodSettings,
    when: "the stage is not throttled",
    change: (rs) => withChange(rs, methodSettings, (p) => delete p.settings.throttlingRateLimit),
    expect: /no throttling limits/,
  },
  {
    rule: api.apiMethodSettings,
    when: "the cache is not encrypted",
    change: (rs) => withChange(rs, methodSettings, (p) => (p.settings.cachingEnabled = true)),
    expect: /the cache is not encrypted/,
  },
  {
    rule: api.apiMethodSettings,
    when: "a stage has no method settings",
    change: (rs) => without(rs, methodSettings),
    expect: /has no \*\/\* method settings/,
  },
  {
    rule: api.apiAccessLogs,
    when: "the stage writes no access logs",
    change: (rs) => withChange(rs, stage, (p) => delete p.accessLogSettings),
    expect: /writes no access logs/,
  },
  {
    rule: api.apiAccessLogs,
    when: "the access log does not record the TLS version",
    change: (rs) => withChange(rs, stage, (p) => (p.accessLogSettings.format = JSON.stringify({ requestId: "$context.requestId" }))),
    expect: /does not record \$context.tlsVersion/,
  },
  {
    rule: api.apiXray,
    when: "the stage is not traced",
    change: (rs) => withChange(rs, stage, (p) => (p.xrayTracingEnabled = false)),
    expect: /X-Ray tracing is off/,
  },
  {
    rule: api.apiWaf,
    when: "a stage has no web ACL",
    change: (rs) =>
      without(
        rs,
        byType("aws:wafv2/webAclAssociation:WebAclAssociation", (r) => r.region === "us-east-1"),
      ),
    expect: /stage v1 \(us-east-1\) has no WAF web ACL/,
  },
  {
    rule: api.apiWaf,
    when: "the web ACL drops the AWS common rules",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:wafv2/webAcl:WebAcl", (r) => r.region === "us-east-1"),
        (p) => (p.rules = p.rules.filter((r: any) => r.name !== "aws-common-rules")),
      ),
    expect: /does not run AWSManagedRulesCommonRuleSet/,
  },
  {
    rule: api.apiWaf,
    when: "the web ACL has no rate limit",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:wafv2/webAcl:WebAcl", (r) => r.region === "us-east-1"),
        (p) => (p.rules = p.rules.filter((r: any) => !r.statement.rateBasedStatement)),
      ),
    expect: /no rate-based rule/,
  },
  {
    rule: api.apiMethods,
    when: "POST /payments is open",
    change: (rs) => withChange(rs, method("payments-us-east-1-dev-api-post-payments"), (p) => (p.authorization = "NONE")),
    expect: /POST \/payments \(us-east-1\) has no authorization/,
  },
  {
    rule: api.apiMethods,
    when: "POST /payments no longer requires Idempotency-Key",
    change: (rs) =>
      withChange(
        rs,
        method("payments-us-east-1-dev-api-post-payments"),
        (p) => delete p.requestParameters["method.request.header.Idempotency-Key"],
      ),
    expect: /does not require the Idempotency-Key header/,
  },
  {
    rule: api.apiMethods,
    when: "a method is not validated",
    change: (rs) => withChange(rs, method("payments-us-east-1-dev-api-get-payments-id"), (p) => delete p.requestValidatorId),
    expect: /GET \/payments\/\{id\} \(us-east-1\) has no request validator/,
  },

  {
    rule: sfn.sfnLogging,
    when: "execution data reaches the logs",
    change: (rs) => withChange(rs, machine, (p) => (p.loggingConfiguration.includeExecutionData = true)),
    expect: /execution data must be explicitly excluded/,
  },
  {
    rule: sfn.sfnLogging,
    when: "the machine does not log",
    change: (rs) => withChange(rs, machine, (p) => delete p.loggingConfiguration),
    expect: /logging level is OFF/,
  },
  {
    rule: sfn.sfnTracingStandard,
    when: "the runbook is EXPRESS",
    change: (rs) => withChange(rs, machine, (p) => (p.type = "EXPRESS")),
    expect: /type EXPRESS is not STANDARD/,
  },
  {
    rule: sfn.sfnTracingStandard,
    when: "the runbook is not traced",
    change: (rs) => withChange(rs, machine, (p) => delete p.tracingConfiguration),
    expect: /X-Ray tracing is off/,
  },

  {
    rule: eb.eventTargets,
    when: "a runbook start can be dropped silently",
    change: (rs) => withChange(rs, eventTarget, (p) => delete p.deadLetterConfig),
    expect: /target has no dead-letter queue/,
  },
  {
    rule: eb.eventTargets,
    when: "EventBridge's 24-hour default retry applies",
    change: (rs) => withChange(rs, eventTarget, (p) => delete p.retryPolicy),
    expect: /no explicit retry policy/,
  },
  {
    rule: eb.eventTargets,
    when: "a state-machine target has no role",
    change: (rs) =>
      withChange(rs, eventTarget, (p) => (p.arn = "arn:aws:states:us-east-1:123456789012:stateMachine:dr-orchestrator-us-east-1-dev")),
    expect: /the states target has no role/,
  },
  {
    rule: eb.eventTargets,
    when: "a schedule has no dead-letter queue",
    change: (rs) => withChange(rs, schedule, (p) => delete p.target.deadLetterConfig),
    expect: /schedule's target has no dead-letter queue/,
  },
  {
    rule: eb.alarmRulesScoped,
    when: "any alarm of the account could start a runbook",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:cloudwatch/eventRule:EventRule", (r) => r.region === "us-east-1"),
        (p) => editJson(p, "eventPattern", (pattern) => delete pattern.resources),
      ),
    expect: /without naming the alarms/,
  },
];

describe("compute rules", () => ruleSuite([...lambdaRules, ...apiGatewayRules, ...stepFunctionsRules, ...eventBridgeRules], cases));
