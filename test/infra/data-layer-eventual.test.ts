/**
 * The data layer in eventual mode (`dataConsistency: eventual`), evaluated as its own stack: the
 * tables as they were before strong mode existed (multi-Region eventual consistency, streams on
 * every table, TTL on the expiring ones), the replication-latency alarms MREC publishes a metric
 * for, and no sweeper. Strong mode, the default, is data-layer.test.ts. What mocks cannot prove:
 * that AWS accepts these inputs, or replicates as configured.
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { Evaluation } from "../../infra/offline/evaluate";
import { ofType, one, REGIONS, stack } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack(EVENTUAL_OFFLINE_OPTIONS);
});

const keyArn = (region: string) => one(ev, "aws:kms/key:Key", (k) => k.region === region).state.arn;
const table = (name: string) => one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === name);

describe("DynamoDB global tables (eventual mode)", () => {
  const expected = [
    ["payments", "payments-global-dev", "paymentId", undefined],
    ["idempotency", "payments-idempotency-global-dev", "id", "expiration"],
    ["control", "dr-control-global-dev", "pk", "expiresAt"],
  ] as const;

  it.each(expected)(
    "creates the %s table in the primary with an EVENTUAL replica in the secondary, a stream, TTL where items expire, and no witness",
    (_, name, hashKey, ttl) => {
      const t = table(name);
      expect(t.region).toBe(REGIONS.primary);
      expect(t.inputs).toMatchObject({
        billingMode: "PAY_PER_REQUEST",
        hashKey,
        // MREC replicates through streams: "enabled by default on all replicas ... and cannot be disabled".
        streamEnabled: true,
        streamViewType: "NEW_AND_OLD_IMAGES",
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        serverSideEncryption: { enabled: true, kmsKeyArn: keyArn(REGIONS.primary) },
      });
      expect(t.inputs.replicas).toEqual([
        {
          regionName: REGIONS.secondary,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: true,
          kmsKeyArn: keyArn(REGIONS.secondary),
          propagateTags: true,
          consistencyMode: "EVENTUAL",
        },
      ]);
      expect(t.inputs.globalTableWitness).toBeUndefined();
      if (ttl) expect(t.inputs.ttl).toEqual({ enabled: true, attributeName: ttl });
      else expect(t.inputs.ttl).toBeUndefined();
      expect(t.options).toEqual({ protect: true, replaceOnChanges: ["replicas[*].consistencyMode", "globalTableWitness"] });
    },
  );

  it("deploys no sweeper and no payment-path schedule: TTL expires the items", () => {
    expect(ofType(ev, "aws:lambda/function:Function").filter((f) => f.inputs.name.startsWith("sweep-expired-"))).toEqual([]);
    const schedules = ofType(ev, "aws:scheduler/schedule:Schedule").map((s) => s.inputs.name);
    expect(schedules.sort()).toEqual([`canary-schedule-${REGIONS.primary}-dev`, `canary-schedule-${REGIONS.secondary}-dev`]);
    expect(ofType(ev, "aws:scheduler/scheduleGroup:ScheduleGroup").map((g) => g.inputs.name)).not.toContainEqual(
      expect.stringMatching(/^payment-schedules-/),
    );
  });

  it.each([REGIONS.primary, REGIONS.secondary])(
    "alarms in %s on every table's replication latency to the other region, ignoring missing data",
    (region) => {
      const peer = region === REGIONS.primary ? REGIONS.secondary : REGIONS.primary;
      for (const [, name] of expected) {
        const short = name.replace("-global-dev", "");
        const alarm = one(
          ev,
          "aws:cloudwatch/metricAlarm:MetricAlarm",
          (a) => a.inputs.name === `${short}-replication-latency-${region}-dev`,
        );
        expect(alarm.region).toBe(region);
        expect(alarm.inputs).toMatchObject({
          namespace: "AWS/DynamoDB",
          metricName: "ReplicationLatency",
          dimensions: { TableName: name, ReceivingRegion: peer },
          statistic: "Average",
          period: 60,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          threshold: 30_000,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "ignore",
        });
      }
    },
  );

  it.each([REGIONS.primary, REGIONS.secondary])("graphs replication latency on %s's dashboard", (region) => {
    const { widgets } = JSON.parse(one(ev, "aws:cloudwatch/dashboard:Dashboard", (d) => d.region === region).inputs.dashboardBody);
    const replication = widgets.find((w: any) => String(w.properties?.title).startsWith("DynamoDB replication"));
    expect(replication.properties.metrics.map((m: string[]) => m.slice(0, 4))).toEqual(
      expected.map(([, name]) => ["AWS/DynamoDB", "ReplicationLatency", "TableName", name]),
    );
  });

  it("publishes the mode, without a witness", () => {
    expect(ev.outputs.dataConsistency).toEqual({ mode: "eventual" });
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const names = ofType(ev, "aws:ssm/parameter:Parameter", region).map((p) => p.inputs.name);
      expect(names).not.toContain("/payments-dr/dev/tables/witness-region");
      expect(
        one(ev, "aws:ssm/parameter:Parameter", (p) => p.region === region && p.inputs.name === "/payments-dr/dev/tables/consistency").inputs
          .value,
      ).toBe("eventual");
    }
  });
});
