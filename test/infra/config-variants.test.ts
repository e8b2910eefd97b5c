/**
 * The same program evaluated with every optional setting changed: proves configuration reaches
 * the resources it governs (a value ignored somewhere would leave its default in place).
 */
import type { Evaluation } from "../../infra/offline/evaluate";
import { EVERY_SETTING_CHANGED, EVERY_SETTING_CHANGED_OPTIONS } from "../support/configs";
import { ofType, one, stack } from "../support/stack";

const config = EVERY_SETTING_CHANGED;

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack(EVERY_SETTING_CHANGED_OPTIONS);
});

it("uses the existing hosted zone instead of creating one", () => {
  expect(ofType(ev, "aws:route53/zone:Zone")).toEqual([]);
  expect(ev.calls.filter((c) => c.token === "aws:route53/getZone:getZone").map((c) => c.args.zoneId)).toEqual([config.hostedZoneId]);
  for (const record of ofType(ev, "aws:route53/record:Record")) expect(record.inputs.zoneId).toBe(config.hostedZoneId);
});

it("names everything for the configured environment, not the stack name", () => {
  expect(
    ofType(ev, "aws:dynamodb/table:Table")
      .map((t) => t.inputs.name)
      .sort(),
  ).toEqual(["dr-control-global-prod", "payments-global-prod", "payments-idempotency-global-prod"]);
  for (const r of ev.resources.filter((r) => r.inputs.tags)) expect(r.inputs.tags.Environment).toBe("prod");
});

it("applies the health-check interval, threshold and TTL", () => {
  for (const check of ofType(ev, "aws:route53/healthCheck:HealthCheck").filter((h) => h.inputs.type === "HTTPS")) {
    expect(check.inputs).toMatchObject({ requestInterval: 30, failureThreshold: 5 });
  }
  for (const witness of ofType(ev, "aws:route53/record:Record").filter((r) => r.inputs.type === "TXT")) expect(witness.inputs.ttl).toBe(30);
  const peerHealth = one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === "peer-health-us-east-2-prod");
  expect(peerHealth.inputs).toMatchObject({ period: 30, evaluationPeriods: 5 });
  const heartbeat = one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === "peer-heartbeat-age-us-east-1-prod");
  expect(heartbeat.inputs.threshold).toBe(30);
});

it("subscribes every alert e-mail in both regions", () => {
  const subscriptions = ofType(ev, "aws:sns/topicSubscription:TopicSubscription");
  expect(subscriptions.map((s) => `${s.region} ${s.inputs.protocol} ${s.inputs.endpoint}`).sort()).toEqual([
    "us-east-1 email oncall@example.org",
    "us-east-1 email sre@example.org",
    "us-east-2 email oncall@example.org",
    "us-east-2 email sre@example.org",
  ]);
});

it("keeps every log group for the configured retention", () => {
  const groups = ofType(ev, "aws:cloudwatch/logGroup:LogGroup");
  expect(groups.length).toBeGreaterThan(10);
  for (const g of groups) expect(g.inputs.retentionInDays).toBe(731);
});

it("creates no WAF when it is disabled, and applies the throttle", () => {
  expect(ofType(ev, "aws:wafv2/webAcl:WebAcl")).toEqual([]);
  for (const s of ofType(ev, "aws:apigateway/methodSettings:MethodSettings")) expect(s.inputs.settings.throttlingRateLimit).toBe(500);
});

it("leaves the account-level S3 public access block alone when an organisation manages it", () => {
  expect(ofType(ev, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")).toEqual([]);
});

it("gives the runbook functions that read them the DR settings: autoFailover, anti-flap interval, drill hold, objectives, probe rate", () => {
  const expected: Record<string, string> = {
    AUTO_FAILOVER: "false",
    MIN_AUTO_INTERVAL_SECONDS: "1800",
    DRILL_HOLD_SECONDS: "120",
    RPO_SECONDS: "30",
    RTO_SECONDS: "240",
    PROBES_PER_MINUTE: "2",
  };
  const seen = new Set<string>();
  for (const fn of ofType(ev, "aws:lambda/function:Function")) {
    const vars: Record<string, string> = fn.inputs.environment?.variables ?? {};
    for (const [key, value] of Object.entries(expected)) {
      if (key in vars) {
        seen.add(key);
        expect({ fn: fn.inputs.name, key, value: vars[key] }).toEqual({ fn: fn.inputs.name, key, value });
      }
    }
  }
  // Each setting reaches at least one function (assess-regions, acquire-lease, validate-input, the canary...).
  expect([...seen].sort()).toEqual(Object.keys(expected).sort());
});
