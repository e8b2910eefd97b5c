/**
 * The payment API, its DNS failover and alarms as the program declares them (Pulumi mocks).
 * Mocks cannot prove that Route 53 evaluates these checks as intended or that AWS accepts the
 * inputs; the rehearsal (npm start) exercises the behaviour offline.
 */
import { paymentFunctions } from "../../lib/handlers";
import { type ApiRoute, deploymentFingerprint, GATEWAY_RESPONSES } from "../../infra/components/api/regional-api";
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import type { CapturedResource } from "../../infra/offline/mocks";
import { asArray, ofType, one, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const ZONE = "payments.example.com";
const other = (region: string) => (region === REGIONS.primary ? REGIONS.secondary : REGIONS.primary);
const fn = (name: string, region: string) => one(ev, "aws:lambda/function:Function", (f) => f.inputs.name === `${name}-${region}-dev`);

describe("payment functions", () => {
  it.each(paymentFunctions.map((s) => s.name))("deploys %s identically in both regions", (name) => {
    const [a, b] = [fn(name, REGIONS.primary), fn(name, REGIONS.secondary)];
    const sameEverywhere = (f: CapturedResource) => ({
      runtime: f.inputs.runtime,
      handler: f.inputs.handler,
      architectures: f.inputs.architectures,
      memorySize: f.inputs.memorySize,
      timeout: f.inputs.timeout,
      tracing: f.inputs.tracingConfig,
      reserved: f.inputs.reservedConcurrentExecutions,
      envKeys: Object.keys(f.inputs.environment.variables).sort(),
      code: f.inputs.code,
      subnets: f.inputs.vpcConfig?.subnetIds.length,
    });
    expect(sameEverywhere(b)).toEqual(sameEverywhere(a));
    expect(a.inputs.code).toEqual({ archive: "file", path: expect.stringMatching(new RegExp(`/dist/lambda/${name}$`)) });
    expect(a.inputs.runtime).toBe("nodejs24.x");
    expect(a.inputs.tracingConfig).toEqual({ mode: "Active" });
  });

  it.each([REGIONS.primary, REGIONS.secondary])("points every %s function only at its own region's resources", (region) => {
    for (const spec of paymentFunctions) {
      const vars: Record<string, string> = fn(spec.name, region).inputs.environment.variables;
      for (const [key, value] of Object.entries(vars)) {
        // Peer values, and the variables that name a region by its role, point elsewhere by design.
        if (key.startsWith("PEER_") || key === "PRIMARY_REGION" || key === "SECONDARY_REGION") continue;
        expect({ key, value: value.includes(other(region)) }).toEqual({ key, value: false });
      }
      if (vars.LOCAL_REGION) expect(vars.LOCAL_REGION).toBe(region);
      if (vars.PROCESSING_QUEUE_URL)
        expect(vars.PROCESSING_QUEUE_URL).toBe(`https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/payments-processing-${region}-dev`);
      if (vars.TRANSACTION_BUCKET) expect(vars.TRANSACTION_BUCKET).toBe(`txlog-${region}-dev-${MOCK_ACCOUNT_ID}`);
      if (vars.PAYMENTS_TABLE) expect(vars.PAYMENTS_TABLE).toBe("payments-global-dev"); // same name, local replica
      expect(Object.keys(vars).sort()).toEqual([...spec.environment, "POWERTOOLS_LOG_LEVEL"].sort());
    }
  });

  it.each([REGIONS.primary, REGIONS.secondary])("runs %s functions in that region's private subnets across 3 AZs", (region) => {
    const subnetIds = ofType(ev, "aws:ec2/subnet:Subnet", region).map((s) => s.id);
    for (const spec of paymentFunctions) {
      const { vpcConfig } = fn(spec.name, region).inputs;
      expect(vpcConfig.subnetIds.sort()).toEqual(subnetIds.sort());
      expect(vpcConfig.securityGroupIds).toHaveLength(1);
    }
  });

  it("gives every function its own role whose statements stay inside its region", () => {
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      for (const spec of paymentFunctions) {
        const name = `${spec.name}-${region}-dev`;
        const f = fn(spec.name, region);
        expect(f.inputs.role).toBe(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`);
        const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === name);
        for (const s of statements(policy.inputs.policy)) {
          for (const resource of asArray<string>(s.Resource)) {
            if (resource === "*" || resource.startsWith("arn:aws:s3:::")) continue;
            expect({ name, resource, region: resource.split(":")[3] }).toEqual({ name, resource, region });
          }
        }
      }
    }
  });

  it("feeds the stream consumer only this region's new payments and their settlements, holds a failing record as long as the stream keeps it, and records exhausted batches", () => {
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const mapping = one(
        ev,
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        (m) => m.region === region && m.inputs.eventSourceArn.includes(":table/"),
      );
      expect(mapping.inputs.eventSourceArn).toMatch(new RegExp(`^arn:aws:dynamodb:${region}:.*table/payments-global-dev/stream/`));
      expect(mapping.inputs.filterCriteria.filters.map((f: { pattern: string }) => JSON.parse(f.pattern))).toEqual([
        { eventName: ["INSERT"], dynamodb: { NewImage: { originRegion: { S: [region] }, status: { S: ["PENDING"] } } } },
        {
          eventName: ["MODIFY"],
          dynamodb: { NewImage: { originRegion: { S: [region] }, status: { S: [{ "anything-but": ["PENDING"] }] } } },
        },
      ]);
      // Lambda's most retries, and no age limit below the stream's 24 h: a consumer that fails for
      // minutes or hours holds its shard instead of dropping payments (the rehearsal in
      // test/sim/rehearsal-stream-consumer-outage.test.ts). Still bounded, as policy L4 asks.
      expect(mapping.inputs.maximumRetryAttempts).toBe(10_000);
      expect(mapping.inputs.maximumRecordAgeInSeconds).toBeUndefined();
      expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      expect(mapping.inputs.destinationConfig.onFailure.destinationArn).toBe(
        `arn:aws:sqs:${region}:${MOCK_ACCOUNT_ID}:async-failures-${region}-dev`,
      );
    }
  });

  it.each([
    ["process-payment", "payments-processing"],
    ["record-transactions", "transaction-log"],
  ])("feeds %s from its region's %s queue, never past its reserved concurrency", (handler, queue) => {
    const consumer = paymentFunctions.find((s) => s.name === handler)!;
    expect(consumer.trigger).toMatchObject({ kind: "sqs" });
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const mapping = one(
        ev,
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        (m) => m.region === region && m.inputs.eventSourceArn === `arn:aws:sqs:${region}:${MOCK_ACCOUNT_ID}:${queue}-${region}-dev`,
      );
      expect(mapping.inputs.functionName).toContain(`${handler}-${region}-dev`);
      expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      expect(mapping.inputs.scalingConfig.maximumConcurrency).toBeLessThanOrEqual(consumer.reservedConcurrency!);
    }
  });
});

describe("the expired-item sweeper (strong mode: MRSC tables have no TTL)", () => {
  const REGION_PAIRS = [
    [REGIONS.primary, REGIONS.secondary],
    [REGIONS.secondary, REGIONS.primary],
  ] as const;
  const table = (region: string, name: string) => `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT_ID}:table/${name}`;
  const deadLetters = (region: string) => `arn:aws:sqs:${region}:${MOCK_ACCOUNT_ID}:async-failures-${region}-dev`;
  const key = (region: string) => one(ev, "aws:kms/key:Key", (k) => k.region === region).state.arn;

  it.each(REGION_PAIRS)("runs sweep-expired in %s inside the VPC, one at a time, with its region's tables and the mode", (region) => {
    const f = fn("sweep-expired", region);
    expect(f.inputs).toMatchObject({ timeout: 50, memorySize: 256, reservedConcurrentExecutions: 1, tracingConfig: { mode: "Active" } });
    expect(f.inputs.vpcConfig.subnetIds).toHaveLength(3);
    expect(f.inputs.environment.variables).toEqual({
      ENVIRONMENT: "dev",
      LOCAL_REGION: region,
      METRIC_NAMESPACE: "PaymentsDR",
      PRIMARY_REGION: REGIONS.primary,
      IDEMPOTENCY_TABLE: "payments-idempotency-global-dev",
      CONTROL_TABLE: "dr-control-global-dev",
      DATA_CONSISTENCY: "strong",
      POWERTOOLS_LOG_LEVEL: "INFO",
    });
  });

  it.each(REGION_PAIRS)("lets sweep-expired in %s scan and delete only the two expiring tables of its own region", (region) => {
    const name = `sweep-expired-${region}-dev`;
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === name);
    const dynamodb = statements(policy.inputs.policy).filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("dynamodb:")));
    expect(dynamodb).toEqual([
      { Effect: "Allow", Action: ["dynamodb:Scan", "dynamodb:DeleteItem"], Resource: table(region, "payments-idempotency-global-dev") },
      { Effect: "Allow", Action: ["dynamodb:Scan", "dynamodb:DeleteItem"], Resource: table(region, "dr-control-global-dev") },
      {
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable"],
        Resource: ["payments-global-dev", "payments-idempotency-global-dev", "dr-control-global-dev"].map((t) => table(region, t)),
      },
    ]);
    // Its asynchronous invocations that fail after Lambda's retries are recorded, not dropped.
    const invokeConfig = one(ev, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", (c) => c.inputs.functionName === name);
    expect(invokeConfig.inputs).toMatchObject({
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: deadLetters(region) } },
    });
  });

  it.each(REGION_PAIRS)(
    "starts sweep-expired in %s every minute with EventBridge Scheduler, retrying briefly, then to the DLQ",
    (region) => {
      const schedule = one(ev, "aws:scheduler/schedule:Schedule", (s) => s.inputs.name === `sweep-expired-schedule-${region}-dev`);
      expect(schedule.region).toBe(region);
      expect(schedule.inputs).toEqual(
        expect.objectContaining({
          groupName: `payment-schedules-${region}-dev`,
          scheduleExpression: "rate(1 minute)",
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: fn("sweep-expired", region).state.arn,
            roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/sweep-expired-schedule-${region}-dev`,
            input: JSON.stringify({ source: "schedule" }),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
            deadLetterConfig: { arn: deadLetters(region) },
          },
        }),
      );
    },
  );

  // What mocks cannot prove: that Scheduler sends the group's ARN as aws:SourceArn (Scheduler user
  // guide, confused deputy prevention) or that it invokes with this role.
  it.each(REGION_PAIRS)(
    "gives %s's schedule a role Scheduler assumes for its group only, allowed to invoke the sweeper and write the DLQ",
    (region) => {
      const group = one(ev, "aws:scheduler/scheduleGroup:ScheduleGroup", (g) => g.inputs.name === `payment-schedules-${region}-dev`);
      expect(group.region).toBe(region);
      const role = one(ev, "aws:iam/role:Role", (r) => r.inputs.name === `sweep-expired-schedule-${region}-dev`);
      expect(statements(role.inputs.assumeRolePolicy)).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID }, ArnLike: { "aws:SourceArn": group.state.arn } },
        },
      ]);
      const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `sweep-expired-schedule-${region}-dev`);
      expect(statements(policy.inputs.policy)).toEqual([
        { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: fn("sweep-expired", region).state.arn },
        { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: deadLetters(region) },
        {
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: key(region),
          Condition: { StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com` } },
        },
      ]);
    },
  );

  it.each([REGIONS.primary, REGIONS.secondary])("lets the sweeper's Scan through %s's DynamoDB endpoint", (region) => {
    const endpoint = one(ev, "aws:ec2/vpcEndpoint:VpcEndpoint", (e) => e.inputs.serviceName === `com.amazonaws.${region}.dynamodb`);
    expect(statements(endpoint.inputs.policy).flatMap((s) => asArray<string>(s.Action))).toEqual(
      expect.arrayContaining(["dynamodb:Scan", "dynamodb:DeleteItem"]),
    );
  });
});

describe("API", () => {
  it.each([REGIONS.primary, REGIONS.secondary])(
    "serves %s only through custom domains with TLS 1.2 and a certificate of that region",
    (region) => {
      const api = one(ev, "aws:apigateway/restApi:RestApi", (a) => a.region === region);
      expect(api.inputs).toMatchObject({
        name: `payments-api-${region}-dev`,
        endpointConfiguration: { types: "REGIONAL" },
        disableExecuteApiEndpoint: true,
      });
      const domains = ofType(ev, "aws:apigateway/domainName:DomainName", region);
      expect(domains.map((d) => d.inputs.domainName).sort()).toEqual([`api-${region}.${ZONE}`, `api.${ZONE}`]);
      for (const d of domains) {
        expect(d.inputs).toMatchObject({ securityPolicy: "TLS_1_2", endpointConfiguration: { types: "REGIONAL" } });
        expect(d.inputs.regionalCertificateArn).toMatch(new RegExp(`^arn:aws:acm:${region}:`));
        one(
          ev,
          "aws:apigateway/basePathMapping:BasePathMapping",
          (m) => m.region === region && m.inputs.domainName === d.inputs.domainName,
        );
      }
      for (const cert of ofType(ev, "aws:acm/certificate:Certificate", region)) expect(cert.inputs.validationMethod).toBe("DNS");
    },
  );

  it.each([REGIONS.primary, REGIONS.secondary])("exposes the payment routes in %s with the authorization each declares", (region) => {
    const methods = ofType(ev, "aws:apigateway/method:Method", region)
      .map((m) => `${m.inputs.httpMethod} ${m.inputs.authorization}`)
      .sort();
    const expected = paymentFunctions
      .flatMap((s) => (s.trigger.kind === "api" ? s.trigger.routes.map((r) => `${r.method} ${r.authorization}`) : []))
      .sort();
    expect(methods).toEqual(expected);
    const health = ofType(ev, "aws:apigateway/method:Method", region).filter((m) => m.inputs.authorization === "NONE");
    expect(health).toHaveLength(1); // only /health is open, for Route 53's checkers
    for (const m of ofType(ev, "aws:apigateway/method:Method", region)) expect(m.inputs.requestValidatorId).toBeDefined();
    for (const i of ofType(ev, "aws:apigateway/integration:Integration", region))
      expect(i.inputs).toMatchObject({ type: "AWS_PROXY", integrationHttpMethod: "POST" });
  });

  it("requires the Idempotency-Key header and a schema-valid body on POST /payments", () => {
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const post = one(ev, "aws:apigateway/method:Method", (m) => m.region === region && m.inputs.httpMethod === "POST");
      expect(post.inputs.requestParameters).toEqual({ "method.request.header.Idempotency-Key": true });
      const model = one(ev, "aws:apigateway/model:Model", (m) => m.region === region);
      expect(post.inputs.requestModels).toEqual({ "application/json": model.inputs.name });
      const schema = JSON.parse(model.inputs.schema);
      expect(schema).toMatchObject({ $schema: "http://json-schema.org/draft-04/schema#", type: "object", additionalProperties: false });
      expect(schema.required.sort()).toEqual(["amount", "currency", "merchantReference", "sourceReference"]);
    }
  });

  it("grants API Gateway invoke rights per route, scoped to the API's execution ARN", () => {
    for (const permission of ofType(ev, "aws:lambda/permission:Permission").filter(
      (p) => p.inputs.principal === "apigateway.amazonaws.com",
    )) {
      expect(permission.inputs.sourceArn).toMatch(
        new RegExp(`^arn:aws:execute-api:${permission.region}:${MOCK_ACCOUNT_ID}:\\w+/\\*/(GET|POST)/`),
      );
      expect(permission.inputs.sourceAccount).toBe(MOCK_ACCOUNT_ID);
    }
  });

  it.each([REGIONS.primary, REGIONS.secondary])("logs, traces and throttles the %s stage without data trace", (region) => {
    const stage = one(ev, "aws:apigateway/stage:Stage", (s) => s.region === region);
    expect(stage.inputs.xrayTracingEnabled).toBe(true);
    expect(stage.inputs.accessLogSettings.destinationArn).toMatch(
      new RegExp(`^arn:aws:logs:${region}:.*:log-group:/payments-dr/dev/api-access/${region}$`),
    );
    expect(JSON.parse(stage.inputs.accessLogSettings.format)).toMatchObject({
      requestId: "$context.requestId",
      tlsVersion: "$context.tlsVersion",
    });
    const settings = one(ev, "aws:apigateway/methodSettings:MethodSettings", (s) => s.region === region);
    expect(settings.inputs).toMatchObject({
      methodPath: "*/*",
      settings: {
        loggingLevel: "ERROR",
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        cachingEnabled: false,
      },
    });
  });

  it.each([REGIONS.primary, REGIONS.secondary])(
    "puts a regional WAF web ACL with managed rules and a rate limit on the %s stage",
    (region) => {
      const acl = one(ev, "aws:wafv2/webAcl:WebAcl", (a) => a.region === region);
      expect(acl.inputs.scope).toBe("REGIONAL");
      expect(acl.inputs.rules.map((r: any) => r.name)).toEqual(["aws-common-rules", "aws-known-bad-inputs", "rate-limit-per-ip"]);
      expect(acl.inputs.rules[2].statement.rateBasedStatement).toEqual({ limit: 2000, aggregateKeyType: "IP" });
      const stage = one(ev, "aws:apigateway/stage:Stage", (s) => s.region === region);
      const association = one(ev, "aws:wafv2/webAclAssociation:WebAclAssociation", (a) => a.region === region);
      expect(association.inputs).toEqual(expect.objectContaining({ resourceArn: stage.state.arn, webAclArn: acl.state.arn }));
    },
  );
});

describe("Route 53", () => {
  const check = (reference: string) => one(ev, "aws:route53/healthCheck:HealthCheck", (h) => h.inputs.referenceName === reference);

  it.each([
    ["primary-api-health", REGIONS.primary],
    ["secondary-api-health", REGIONS.secondary],
  ])("checks %s over HTTPS on the region-pinned /health every 10 s, 3 failures", (reference, region) => {
    expect(check(reference).inputs).toMatchObject({
      type: "HTTPS",
      fqdn: `api-${region}.${ZONE}`,
      port: 443,
      resourcePath: "/health",
      enableSni: true,
      requestInterval: 10,
      failureThreshold: 3,
    });
    expect(check(reference).inputs.regions).toBeUndefined(); // Route 53's default checker set (≥ 3 regions)
    expect(check(reference).inputs.invertHealthcheck).toBeFalsy();
    expect(check(reference).inputs.disabled).toBeFalsy();
  });

  it("guards PRIMARY with endpoint health AND the secondary-region fence alarm", () => {
    const guard = check("primary-guard");
    expect(guard.inputs.type).toBe("CALCULATED");
    expect(guard.inputs.childHealthThreshold).toBe(2);
    expect(guard.inputs.childHealthchecks.sort()).toEqual([check("primary-api-health").id, check("primary-fence").id].sort());
    const fence = check("primary-fence");
    expect(fence.inputs).toMatchObject({
      type: "CLOUDWATCH_METRIC",
      cloudwatchAlarmRegion: REGIONS.secondary,
      cloudwatchAlarmName: "primary-fenced-us-east-2-dev",
    });
    const alarm = one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === "primary-fenced-us-east-2-dev");
    expect(alarm.region).toBe(REGIONS.secondary);
    expect(alarm.inputs).toMatchObject({
      namespace: "PaymentsDR",
      metricName: "PrimaryFenced",
      period: 60,
      threshold: 1,
      treatMissingData: "ignore",
    });
  });

  // Route 53 judges an alarm check by the alarm's data stream, not its state: with no PrimaryFenced
  // datapoint the check takes insufficientDataHealthStatus, whatever the alarm's treatMissingData.
  // What the mocks cannot prove: Route 53's evaluation itself (the simulator models it).
  it("keeps the fence through silence: the fence check holds its last status when PrimaryFenced datapoints stop, as its alarm does", () => {
    expect(check("primary-fence").inputs.insufficientDataHealthStatus).toBe("LastKnownStatus");
    const alarm = one(
      ev,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      (a) => a.inputs.name === check("primary-fence").inputs.cloudwatchAlarmName,
    );
    expect(alarm.inputs.treatMissingData).toBe("ignore");
    // A dead secondary canary is reported, not silently acted on: the secondary's canary-silent alarm breaches on missing data.
    const silent = one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === `canary-silent-${REGIONS.secondary}-dev`);
    expect(silent.inputs).toMatchObject({
      treatMissingData: "breaching",
      alarmActions: [expect.stringContaining(":dr-alerts-us-east-2-dev")],
    });
  });

  it("answers api.<zone> from a PRIMARY/SECONDARY alias pair, each with its own health check", () => {
    const records = ofType(ev, "aws:route53/record:Record").filter((r) => r.inputs.name === `api.${ZONE}`);
    expect(records).toHaveLength(2);
    const byType = Object.fromEntries(records.map((r) => [r.inputs.failoverRoutingPolicies[0].type, r]));
    expect(byType.PRIMARY.inputs.healthCheckId).toBe(check("primary-guard").id);
    expect(byType.SECONDARY.inputs.healthCheckId).toBe(check("secondary-api-health").id);
    for (const [type, region] of [
      ["PRIMARY", REGIONS.primary],
      ["SECONDARY", REGIONS.secondary],
    ]) {
      const shared = one(ev, "aws:apigateway/domainName:DomainName", (d) => d.region === region && d.inputs.domainName === `api.${ZONE}`);
      expect(byType[type].inputs).toMatchObject({
        type: "A",
        setIdentifier: `${type.toLowerCase()}-${region}`,
        aliases: [{ name: shared.state.regionalDomainName, zoneId: shared.state.regionalZoneId, evaluateTargetHealth: false }],
      });
    }
  });

  it("answers the TXT witness with the same failover decision and the region's name", () => {
    const witness = ofType(ev, "aws:route53/record:Record").filter((r) => r.inputs.name === `_region.api.${ZONE}`);
    expect(
      witness.map((w) => [w.inputs.failoverRoutingPolicies[0].type, w.inputs.records, w.inputs.healthCheckId, w.inputs.ttl]).sort(),
    ).toEqual(
      [
        ["PRIMARY", [REGIONS.primary], check("primary-guard").id, 60],
        ["SECONDARY", [REGIONS.secondary], check("secondary-api-health").id, 60],
      ].sort(),
    );
  });

  it("pins api-<region>.<zone> to each region's own domain", () => {
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const pinned = one(
        ev,
        "aws:apigateway/domainName:DomainName",
        (d) => d.region === region && d.inputs.domainName === `api-${region}.${ZONE}`,
      );
      const record = one(ev, "aws:route53/record:Record", (r) => r.inputs.name === `api-${region}.${ZONE}`);
      expect(record.inputs.aliases).toEqual([
        { name: pinned.state.regionalDomainName, zoneId: pinned.state.regionalZoneId, evaluateTargetHealth: false },
      ]);
      expect(record.inputs.failoverRoutingPolicies).toBeUndefined();
    }
  });

  // ACM's DNS validation in the first deploy waits until public DNS answers from this zone: the zone
  // is created from a reusable delegation set the parent already delegates to (config refuses a
  // created zone without one). What the mocks cannot prove: that the delegation is in place.
  it("creates the zone from the configured reusable delegation set, read before the zone, with that set's name servers", () => {
    const zone = one(ev, "aws:route53/zone:Zone", () => true);
    expect(zone.inputs).toMatchObject({ name: ZONE, delegationSetId: "N0123456789EXAMPLE", forceDestroy: false });
    expect(ev.calls.filter((c) => c.token === "aws:route53/getDelegationSet:getDelegationSet").map((c) => c.args.id)).toEqual([
      "N0123456789EXAMPLE",
    ]);
    expect(ev.outputs.hostedZone.nameServers).toEqual(zone.state.nameServers);
    expect(zone.state.nameServers).toHaveLength(4);
  });

  it("logs DNS queries to a log group in us-east-1", () => {
    const queryLog = one(ev, "aws:route53/queryLog:QueryLog", () => true);
    expect(queryLog.inputs.cloudwatchLogGroupArn).toBe(`arn:aws:logs:us-east-1:${MOCK_ACCOUNT_ID}:log-group:/aws/route53/${ZONE}`);
  });
});

describe("alarms", () => {
  it("notifies the alarm's own region's topic on ALARM and OK, with missing data treated deliberately", () => {
    for (const alarm of ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
      const topic = `arn:aws:sns:${alarm.region}:${MOCK_ACCOUNT_ID}:dr-alerts-${alarm.region}-dev`;
      expect({
        name: alarm.inputs.name,
        actions: alarm.inputs.alarmActions,
        ok: alarm.inputs.okActions,
        enabled: alarm.inputs.actionsEnabled,
      }).toEqual({
        name: alarm.inputs.name,
        actions: [topic],
        ok: [topic],
        enabled: true,
      });
      expect(["breaching", "notBreaching", "ignore", "missing"]).toContain(alarm.inputs.treatMissingData);
    }
  });

  const alarm = (name: string) => one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === name);

  // (DynamoDB replication-latency alarms exist in eventual mode only: data-layer-eventual.test.ts.)
  it.each([
    [
      "create-payment-errors-us-east-1-dev",
      {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        threshold: 1,
        dimensions: { FunctionName: "create-payment-us-east-1-dev" },
        treatMissingData: "notBreaching",
      },
    ],
    [
      "process-payment-throttles-us-east-2-dev",
      { namespace: "AWS/Lambda", metricName: "Throttles", dimensions: { FunctionName: "process-payment-us-east-2-dev" } },
    ],
    [
      "api-5xx-us-east-1-dev",
      { namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: { ApiName: "payments-api-us-east-1-dev", Stage: "v1" } },
    ],
    [
      "processing-dlq-depth-us-east-2-dev",
      {
        metricName: "ApproximateNumberOfMessagesVisible",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        dimensions: { QueueName: "payments-processing-dlq-us-east-2-dev" },
      },
    ],
    [
      "async-failures-depth-us-east-1-dev",
      {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        dimensions: { QueueName: "async-failures-us-east-1-dev" },
        treatMissingData: "notBreaching",
      },
    ],
    ["async-failures-depth-us-east-2-dev", { dimensions: { QueueName: "async-failures-us-east-2-dev" } }],
    ["txlog-replication-latency-us-east-1-dev", { namespace: "AWS/S3", metricName: "ReplicationLatency", threshold: 900 }],
    ["txlog-replication-failed-us-east-2-dev", { namespace: "AWS/S3", metricName: "OperationsFailedReplication", threshold: 0 }],
    [
      "primary-endpoint-health-us-east-1-dev",
      {
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "ignore",
      },
    ],
  ])("defines %s", (name, expected) => {
    expect(alarm(name).inputs).toMatchObject(expected);
  });

  it("sums DynamoDB system errors over every operation the functions call", () => {
    const errors = alarm("payments-errors-us-east-1-dev");
    expect(errors.inputs.metricQueries.map((q: any) => q.metric?.dimensions?.Operation ?? q.expression)).toEqual([
      "GetItem",
      "PutItem",
      "UpdateItem",
      "DeleteItem",
      "Query",
      "SUM([m0, m1, m2, m3, m4])",
    ]);
  });

  it("keeps Route 53 health-check alarms in us-east-1, where the metrics exist", () => {
    const r53 = ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/Route53");
    expect(r53.map((a) => a.region)).toEqual(["us-east-1", "us-east-1"]);
    const primaryCheck = one(ev, "aws:route53/healthCheck:HealthCheck", (h) => h.inputs.referenceName === "primary-api-health");
    expect(alarm("primary-endpoint-health-us-east-1-dev").inputs.dimensions).toEqual({ HealthCheckId: primaryCheck.id });
  });
});

describe("outputs and parameters", () => {
  it("exports the endpoints, health checks and alarms", () => {
    expect(ev.outputs.primaryApiEndpoint).toBe(`https://api-us-east-1.${ZONE}`);
    expect(ev.outputs.secondaryApiEndpoint).toBe(`https://api-us-east-2.${ZONE}`);
    expect(ev.outputs.failoverApiEndpoint).toBe(`https://api.${ZONE}`);
    expect(ev.outputs.healthCheckUrls).toEqual({
      primary: `https://api-us-east-1.${ZONE}/health`,
      secondary: `https://api-us-east-2.${ZONE}/health`,
    });
    expect(Object.keys(ev.outputs.healthCheckIds).sort()).toEqual(["primaryEndpoint", "primaryFence", "primaryGuard", "secondaryEndpoint"]);
    expect(ev.outputs.alarmArns.primary["api-5xx"]).toBe(`arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT_ID}:alarm:api-5xx-us-east-1-dev`);
    expect(ev.outputs.alarmArns.secondary["primary-fenced"]).toBe(
      `arn:aws:cloudwatch:us-east-2:${MOCK_ACCOUNT_ID}:alarm:primary-fenced-us-east-2-dev`,
    );
  });

  it.each([REGIONS.primary, REGIONS.secondary])("writes the endpoints into %s's parameters, its own first", (region) => {
    const value = (n: string) =>
      one(ev, "aws:ssm/parameter:Parameter", (p) => p.region === region && p.inputs.name === `/payments-dr/dev/${n}`).inputs.value;
    expect(value("api/endpoint")).toBe(`https://api-${region}.${ZONE}`);
    expect(value("api/peer-endpoint")).toBe(`https://api-${other(region)}.${ZONE}`);
    expect(value("api/failover-endpoint")).toBe(`https://api.${ZONE}`);
    expect(value("dns/witness-name")).toBe(`_region.api.${ZONE}`);
    expect(value("dns/name-servers").split(",")).toHaveLength(4);
  });
});

describe("gateway error responses", () => {
  it.each([REGIONS.primary, REGIONS.secondary])(
    "explains gateway-side validation failures in %s in the handlers' error shape",
    (region) => {
      const responses = ofType(ev, "aws:apigateway/response:Response", region);
      expect(responses.map((r) => r.inputs.responseType).sort()).toEqual(["BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS"]);
      for (const r of responses) {
        expect(r.inputs.statusCode).toBe("400");
        const template = r.inputs.responseTemplates["application/json"];
        // The template must stay valid JSON once API Gateway substitutes the (quoted) variable.
        const body = JSON.parse(
          template.replace("$context.error.validationErrorString", "Missing required request parameters: [Idempotency-Key]"),
        );
        expect(body).toEqual({
          error: expect.any(String),
          reason: r.inputs.responseType,
          detail: "Missing required request parameters: [Idempotency-Key]",
        });
      }
    },
  );
});

describe("API deployments", () => {
  // A deployment is a snapshot of the API, and updates to gateway responses (like methods and
  // integrations) "require redeploying the API" (API Gateway DG, updating-api). What the mocks cannot
  // prove: that API Gateway snapshots what the engine created first; they prove the order.
  it.each([REGIONS.primary, REGIONS.secondary])(
    "makes %s's deployment wait for every method, integration and gateway response of its API",
    (region) => {
      const api = one(ev, "aws:apigateway/restApi:RestApi", (a) => a.region === region);
      const deployment = one(ev, "aws:apigateway/deployment:Deployment", (d) => d.region === region);
      const snapshot = [
        ...ofType(ev, "aws:apigateway/method:Method", region).filter((m) => m.inputs.restApi === api.id),
        ...ofType(ev, "aws:apigateway/integration:Integration", region).filter((i) => i.inputs.restApi === api.id),
        ...ofType(ev, "aws:apigateway/response:Response", region).filter((r) => r.inputs.restApiId === api.id),
      ];
      expect(snapshot.filter((r) => r.type.endsWith(":Response"))).toHaveLength(2);
      expect(deployment.dependencies).toEqual(expect.arrayContaining(snapshot.map((r) => r.urn)));
    },
  );

  const routes: ApiRoute[] = [{ method: "GET", path: "/health", authorization: "NONE", functionName: "f", invokeArn: "arn" }];

  it("redeploys when a gateway response changes, not only when a route does", () => {
    const changed = GATEWAY_RESPONSES.map((r, i) => (i === 0 ? { ...r, error: "Something else" } : r));
    expect(deploymentFingerprint(routes, changed)).not.toBe(deploymentFingerprint(routes));
    expect(deploymentFingerprint(routes, GATEWAY_RESPONSES.slice(1))).not.toBe(deploymentFingerprint(routes));
    expect(deploymentFingerprint([{ ...routes[0], path: "/healthz" }])).not.toBe(deploymentFingerprint(routes));
  });

  it.each([REGIONS.primary, REGIONS.secondary])("triggers %s's deployment on the fingerprint of routes and responses", (region) => {
    const deployment = one(ev, "aws:apigateway/deployment:Deployment", (d) => d.region === region);
    expect(Object.keys(deployment.inputs.triggers)).toEqual(["snapshot"]);
    expect(deployment.inputs.triggers.snapshot).toMatch(/^[0-9a-f]{64}$/);
    expect(deployment.inputs.description).toBe(`routes and responses ${deployment.inputs.triggers.snapshot.slice(0, 12)}`);
  });
});

describe("certificates", () => {
  // ACM gives every certificate for a name in an account the same CNAME, valid in every region, and
  // renews while it stays in place (ACM UG, DNS validation). One record, one owner: destroying one
  // region no longer deletes the record the other region's renewal needs. What the mocks cannot
  // prove: ACM's behaviour (the mocks model it as documented: one record per name and account).
  it("writes each name's DNS validation record once, the shared name's for both regions' certificates, never overwriting", () => {
    const validations = ofType(ev, "aws:route53/record:Record").filter((r) => r.inputs.type === "CNAME");
    expect(validations.map((r) => String(r.inputs.name).replace(/^_x\w+\./, "")).sort()).toEqual(
      [`api-us-east-1.${ZONE}.`, `api-us-east-2.${ZONE}.`, `api.${ZONE}.`].sort(),
    );
    for (const r of validations)
      expect({ name: r.name, allowOverwrite: r.inputs.allowOverwrite }).toEqual({ name: r.name, allowOverwrite: undefined });
    const shared = one(
      ev,
      "aws:route53/record:Record",
      (r) => r.inputs.type === "CNAME" && String(r.inputs.name).endsWith(`.api.${ZONE}.`),
    );
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const cert = one(ev, "aws:acm/certificate:Certificate", (c) => c.region === region && c.inputs.domainName === `api.${ZONE}`);
      expect(cert.state.domainValidationOptions[0].resourceRecordName).toBe(shared.inputs.name);
      const validation = one(
        ev,
        "aws:acm/certificateValidation:CertificateValidation",
        (v) => v.region === region && v.inputs.certificateArn === cert.state.arn,
      );
      expect(validation.inputs.validationRecordFqdns).toEqual([shared.state.fqdn]);
      expect(validation.dependencies).toContain(shared.urn);
    }
  });
});
