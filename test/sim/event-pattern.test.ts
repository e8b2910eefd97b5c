/**
 * Event patterns as the rehearsal evaluates them: the payments-stream filters the stack deploys
 * (lib/handlers/payment-functions.ts) against the stream records the simulated tables produce, and an
 * EventBridge rule for alarm transitions. Unsupported filters fail loudly.
 */
import { paymentStreamFilterPatterns } from "../../lib/handlers/payment-functions";
import { matchesPattern } from "../../sim/eventbridge/event-pattern";
import type { Change } from "../../sim/dynamodb/model";
import { streamRecord } from "../../sim/lambda/event-sources";

const change = (over: Partial<Change>): Change => ({
  region: "us-east-1",
  table: "payments",
  key: '"pay_1"',
  old: undefined,
  new: { paymentId: "pay_1", status: "PENDING", originRegion: "us-east-1" },
  at: 1000,
  version: { item: undefined, writtenAt: 1000, origin: "us-east-1" },
  local: true,
  ...over,
});
const record = (c: Change) => streamRecord(c, "arn:aws:dynamodb:us-east-1:123456789012:table/payments/stream/x", "paymentId");
/** Lambda passes a record that matches any one of a mapping's filters. */
const passes = (region: string, c: Change) =>
  paymentStreamFilterPatterns(region).some((p) => matchesPattern(JSON.parse(p) as Record<string, unknown>, record(c)));
const pending = { paymentId: "pay_1", status: "PENDING", originRegion: "us-east-1" };

describe("the payments-stream filters of a region", () => {
  it("pass an INSERT of a PENDING payment accepted in that region", () => {
    expect(passes("us-east-1", change({}))).toBe(true);
  });

  it("drop the same payment arriving by replication into the other region's stream", () => {
    expect(passes("us-east-2", change({ region: "us-east-2", local: false }))).toBe(false);
  });

  it("pass the MODIFY that settles the payment, and drop it in the other region", () => {
    const settled = change({ old: pending, new: { ...pending, status: "SETTLED" } });
    expect(passes("us-east-1", settled)).toBe(true);
    expect(passes("us-east-2", { ...settled, region: "us-east-2", local: false })).toBe(false);
  });

  it("drop a MODIFY that leaves the payment PENDING, a REMOVE, and an INSERT in another state", () => {
    expect(passes("us-east-1", change({ old: pending, new: { ...pending, updatedAt: "x" } }))).toBe(false);
    expect(passes("us-east-1", change({ old: pending, new: undefined }))).toBe(false);
    expect(passes("us-east-1", change({ new: { ...pending, status: "SETTLED" } }))).toBe(false);
  });
});

describe("an EventBridge rule for DR alarms", () => {
  const rule = {
    source: ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    resources: ["arn:aws:cloudwatch:us-east-2:123456789012:alarm:peer-health-us-east-2-test"],
    detail: { state: { value: ["ALARM"] } },
  };
  const event = (alarm: string, state: string) => ({
    source: "aws.cloudwatch",
    "detail-type": "CloudWatch Alarm State Change",
    resources: [`arn:aws:cloudwatch:us-east-2:123456789012:alarm:${alarm}`],
    detail: { alarmName: alarm, state: { value: state } },
  });

  it("matches the listed alarm going to ALARM", () =>
    expect(matchesPattern(rule, event("peer-health-us-east-2-test", "ALARM"))).toBe(true));
  it("ignores the same alarm going back to OK", () => expect(matchesPattern(rule, event("peer-health-us-east-2-test", "OK"))).toBe(false));
  it("ignores alarms the rule does not list", () =>
    expect(matchesPattern(rule, event("canary-silent-us-east-2-test", "ALARM"))).toBe(false));
  it("fails loudly on a content filter it does not evaluate", () => {
    expect(() => matchesPattern({ detail: { count: [{ numeric: [">", 1] }] } }, { detail: { count: 2 } })).toThrow(
      /does not evaluate the "numeric" filter/,
    );
  });
});
