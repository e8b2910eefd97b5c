import { alarmSubjectRegion, executionNameForAlarm, planAlarmExecution, type AlarmEvent } from "../../runbooks/domain/trigger";
import { normalizeExecutionInput } from "../../runbooks/domain/run";

function event(overrides: Partial<AlarmEvent["detail"]> = {}, region = "us-east-2", id = "evt-1"): AlarmEvent {
  return {
    id,
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    region,
    time: "2025-06-01T12:00:00Z",
    resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:payments-dr-peer-health-${region}-prod`],
    detail: {
      alarmName: `payments-dr-peer-health-${region}-prod`,
      state: { value: "ALARM", reason: "Threshold Crossed", timestamp: "2025-06-01T12:00:00.123+0000" },
      previousState: { value: "OK" },
      configuration: {
        metrics: [
          {
            metricStat: {
              metric: {
                namespace: "PaymentsDR",
                name: "PeerHealthy",
                dimensions: { Environment: "prod", Region: region, Peer: "us-east-1" },
              },
            },
          },
        ],
      },
      ...overrides,
    },
  };
}

describe("alarm trigger", () => {
  it("treats an alarm with a Peer dimension as about the peer, anything else as about the local region", () => {
    expect(alarmSubjectRegion(event(), "us-east-2", "PaymentsDR")).toBe("us-east-1");
    expect(
      alarmSubjectRegion(
        event({
          configuration: {
            metrics: [{ metricStat: { metric: { namespace: "AWS/Lambda", name: "Errors", dimensions: { FunctionName: "x" } } } }],
          },
        }),
        "us-east-2",
        "PaymentsDR",
      ),
    ).toBe("us-east-2");
    expect(alarmSubjectRegion(event({ configuration: undefined }), "us-east-2", "PaymentsDR")).toBe("us-east-2");
  });

  it("names the execution deterministically: the same transition gives the same name, a new one a new name", () => {
    const a = executionNameForAlarm(event());
    expect(executionNameForAlarm(event({}, "us-east-2", "another-delivery-id"))).toBe(a);
    expect(executionNameForAlarm(event({ state: { value: "ALARM", timestamp: "2025-06-01T13:00:00.000+0000" } }))).not.toBe(a);
    expect(a).toMatch(/^alarm-payments-dr-peer-health-us-east-2-prod-[0-9a-f]{16}$/);
    expect(a.length).toBeLessThanOrEqual(80);
    const long = executionNameForAlarm(event({ alarmName: `${"x".repeat(300)} ünïcode/with:chars` }));
    expect(long).toMatch(/^[A-Za-z0-9-_]{1,80}$/);
  });

  it("plans a failover whose input the state machine accepts", () => {
    const plan = planAlarmExecution(event(), "us-east-2", "PaymentsDR");
    expect(plan.start).toBe(true);
    if (!plan.start) return;
    const run = normalizeExecutionInput(
      plan.input,
      { name: plan.name, id: "arn", startTime: "2025-06-01T12:00:01Z" },
      { region: "us-east-2", peerRegion: "us-east-1", primaryRegion: "us-east-1", secondaryRegion: "us-east-2" },
      { drillHoldSeconds: 300 },
    );
    expect(run).toMatchObject({
      ok: true,
      run: { mode: "failover", automatic: true, trigger: { source: "alarm", subjectRegion: "us-east-1" } },
    });
  });

  it("starts nothing when an alarm returns to OK, or for another region's event", () => {
    expect(planAlarmExecution(event({ state: { value: "OK" } }), "us-east-2", "PaymentsDR")).toMatchObject({ start: false });
    expect(planAlarmExecution(event({}, "us-east-1"), "us-east-2", "PaymentsDR")).toMatchObject({ start: false });
  });
});
