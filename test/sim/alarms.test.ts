/**
 * CloudWatch alarm evaluation as the rehearsal simulates it, on the deployed definitions' terms:
 * M of N breaching datapoints, the four missing-data treatments, and the metric math the alarm
 * catalog uses. What this cannot prove: CloudWatch's ingestion delays and look-back rules.
 */
import { AlarmService, evaluateWindow, periodValue, type Transition } from "../../sim/cloudwatch/alarms";
import { MetricStore } from "../../sim/cloudwatch/metrics";
import type { AlarmDefinition } from "../../sim/deployment/types";

const peerHealth = {
  comparison: "LessThanThreshold" as const,
  threshold: 1,
  datapointsToAlarm: 3,
  treatMissingData: "notBreaching" as const,
};

describe("evaluating an alarm's window", () => {
  it("alarms when datapointsToAlarm of the datapoints breach", () => {
    expect(evaluateWindow(peerHealth, [0, 0, 0], "OK").state).toBe("ALARM");
    expect(evaluateWindow(peerHealth, [0, 1, 0], "OK").state).toBe("OK");
  });

  it("treats missing data as not breaching when told so", () => {
    expect(evaluateWindow(peerHealth, [0, undefined, 0], "OK").state).toBe("OK");
    expect(evaluateWindow(peerHealth, [undefined, undefined, undefined], "ALARM").state).toBe("OK");
  });

  it("counts missing data as breaching when told so (a silent canary is a failure)", () => {
    const silent = { comparison: "LessThanThreshold" as const, threshold: 0, datapointsToAlarm: 3, treatMissingData: "breaching" as const };
    expect(evaluateWindow(silent, [undefined, undefined, undefined], "OK").state).toBe("ALARM");
    expect(evaluateWindow(silent, [undefined, undefined, 1], "OK").state).toBe("OK");
  });

  it("keeps the state with no data when missing data is ignored, and goes to INSUFFICIENT_DATA when it is 'missing'", () => {
    const base = { comparison: "GreaterThanOrEqualToThreshold" as const, threshold: 1, datapointsToAlarm: 1 };
    expect(evaluateWindow({ ...base, treatMissingData: "ignore" }, [undefined], "ALARM").state).toBe("ALARM");
    expect(evaluateWindow({ ...base, treatMissingData: "missing" }, [undefined], "OK").state).toBe("INSUFFICIENT_DATA");
  });
});

describe("an alarm on the metric store", () => {
  const fence: AlarmDefinition = {
    name: "primary-fenced-us-east-2-test",
    arn: "arn:aws:cloudwatch:us-east-2:123456789012:alarm:primary-fenced-us-east-2-test",
    region: "us-east-2",
    metric: { namespace: "PaymentsDR", metricName: "PrimaryFenced", dimensions: { Environment: "test" }, statistic: "Maximum" },
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    treatMissingData: "ignore",
    alarmActions: [],
    okActions: [],
  };

  it("fires at the end of the period in which the metric crossed, and clears only after a whole clean period", () => {
    const metrics = new MetricStore();
    const alarms = new AlarmService([fence], metrics);
    const seen: Transition[] = [];
    alarms.onTransition((t) => seen.push(t));
    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "test" }, 0, 10_000);
    alarms.evaluateDue("us-east-2", 60_000);
    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "test" }, 1, 70_000);
    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "test" }, 0, 100_000);
    alarms.evaluateDue("us-east-2", 120_000);
    expect(alarms.state(fence.name, "us-east-2")).toBe("ALARM");
    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "test" }, 0, 130_000);
    alarms.evaluateDue("us-east-2", 180_000);
    expect(seen.map((t) => `${t.from}->${t.to}`)).toEqual(["INSUFFICIENT_DATA->OK", "OK->ALARM", "ALARM->OK"]);
  });

  it("describes an alarm by name in its region, with its state, why and since when (what DescribeAlarms answers)", () => {
    const metrics = new MetricStore();
    const alarms = new AlarmService([fence], metrics);
    expect(alarms.describe("us-east-2", [fence.name])).toEqual([
      { alarm: fence, state: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation", updatedAt: null },
    ]);

    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "test" }, 1, 70_000);
    alarms.evaluateDue("us-east-2", 120_000);

    expect(alarms.describe("us-east-2", [fence.name, "no-such-alarm"])).toEqual([
      { alarm: fence, state: "ALARM", reason: expect.stringContaining("1 of 1 datapoints [1]"), updatedAt: 120_000 },
    ]);
    expect(alarms.describe("us-east-1", [fence.name])).toEqual([]);
  });

  it("ignores datapoints with other dimensions (CloudWatch keys metrics by their exact dimension set)", () => {
    const metrics = new MetricStore();
    metrics.put("us-east-2", "PaymentsDR", "PrimaryFenced", { Environment: "prod" }, 1, 10_000);
    expect(periodValue(fence, metrics, 0, 60_000)).toBeUndefined();
  });

  it("computes the catalog's metric math (SUM over several metrics)", () => {
    const metrics = new MetricStore();
    const math: AlarmDefinition = {
      ...fence,
      metric: undefined,
      math: {
        expression: "SUM([m0, m1])",
        metrics: [
          {
            id: "m0",
            namespace: "AWS/DynamoDB",
            metricName: "SystemErrors",
            dimensions: { Operation: "GetItem" },
            stat: "Sum",
            periodSeconds: 60,
          },
          {
            id: "m1",
            namespace: "AWS/DynamoDB",
            metricName: "SystemErrors",
            dimensions: { Operation: "PutItem" },
            stat: "Sum",
            periodSeconds: 60,
          },
        ],
      },
    };
    metrics.put("us-east-2", "AWS/DynamoDB", "SystemErrors", { Operation: "GetItem" }, 2, 1000);
    metrics.put("us-east-2", "AWS/DynamoDB", "SystemErrors", { Operation: "PutItem" }, 3, 2000);
    expect(periodValue(math, metrics, 0, 60_000)).toBe(5);
  });

  it("fails loudly on metric math it does not evaluate", () => {
    const metrics = new MetricStore();
    const odd = { ...fence, metric: undefined, math: { expression: "RATE(m0)", metrics: [] } };
    expect(() => periodValue(odd, metrics, 0, 60_000)).toThrow(/does not evaluate the metric math expression "RATE\(m0\)"/);
  });
});
