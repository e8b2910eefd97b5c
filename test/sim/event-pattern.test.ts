/**
 * Event patterns as the rehearsal evaluates them: the payments-stream filter the stack deploys
 * (lib/handlers/payment-functions.ts) against the stream records the simulated tables produce, and an
 * EventBridge rule for alarm transitions. Unsupported filters fail loudly.
 */
import { paymentStreamFilterPattern } from "../../lib/handlers/payment-functions";
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
const filter = JSON.parse(paymentStreamFilterPattern("us-east-1")) as Record<string, unknown>;

describe("the payments-stream filter of a region", () => {
  it("passes an INSERT of a PENDING payment accepted in that region", () => {
    expect(matchesPattern(filter, record(change({})))).toBe(true);
  });

  it("drops the same payment arriving by replication into the other region's stream", () => {
    const other = JSON.parse(paymentStreamFilterPattern("us-east-2")) as Record<string, unknown>;
    expect(matchesPattern(other, record(change({ region: "us-east-2", local: false })))).toBe(false);
  });

  it("drops the MODIFY that settles the payment", () => {
    const settled = change({
      old: { paymentId: "pay_1", status: "PENDING", originRegion: "us-east-1" },
      new: { paymentId: "pay_1", status: "SETTLED", originRegion: "us-east-1" },
    });
    expect(matchesPattern(filter, record(settled))).toBe(false);
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
