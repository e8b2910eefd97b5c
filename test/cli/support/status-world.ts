/**
 * Both regions as `drctl status` reads them: control-table items per replica, alarms, executions,
 * Route 53 health-check observations and DNS answers.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetHealthCheckStatusCommand } from "@aws-sdk/client-route-53";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { alarmNames, at, authorityItem, executionArn, HEALTH_CHECK_IDS, PRIMARY, SECONDARY, stateMachineArn, ZONE } from "./fixtures";
import { byRegion, cloudwatch, ddb, fixedDns, route53, sfn, standardParameters } from "./harness";

/** Each replica's items (the one authority item, the peer's heartbeat); replication is caught up except for heartbeat ages. */
export function controlItems(region: string): Record<string, unknown> {
  const peer = region === PRIMARY ? SECONDARY : PRIMARY;
  return {
    authority: authorityItem({ [PRIMARY]: "ACTIVE", [SECONDARY]: "STANDBY" }, 3),
    [`heartbeat#${peer}`]: { pk: `heartbeat#${peer}`, region: peer, writtenAt: at(region === PRIMARY ? -1.2 : -0.8), sequence: 42 },
  };
}

export function answerControlTables(items: Record<string, Record<string, unknown> | Error>): void {
  ddb.on(GetCommand).callsFake(
    byRegion(
      Object.fromEntries(
        Object.entries(items).map(([region, byKey]) => [
          region,
          (input: { Key: { pk: string } }) => {
            if (byKey instanceof Error) throw byKey;
            return { Item: byKey[input.Key.pk] };
          },
        ]),
      ),
    ) as never,
  );
}

export const healthy = (n = 16) => ({
  HealthCheckObservations: Array.from({ length: n }, (_, i) => ({
    Region: `r${i}`,
    IPAddress: `15.177.0.${i}`,
    StatusReport: { Status: "Success: HTTP Status Code 200, OK", CheckedTime: new Date(at(-5)) },
  })),
});

export const statusDns = fixedDns({
  [`A api.${ZONE}`]: ["192.0.2.10", "192.0.2.11"],
  [`TXT _region.api.${ZONE}`]: [PRIMARY],
});

export function healthyWorld(): void {
  standardParameters();
  answerControlTables({ [PRIMARY]: controlItems(PRIMARY), [SECONDARY]: controlItems(SECONDARY) });
  cloudwatch.on(DescribeAlarmsCommand).callsFake(
    byRegion({
      [PRIMARY]: () => ({ MetricAlarms: [] }),
      [SECONDARY]: (input: { AlarmNames: string[] }) => ({
        MetricAlarms: input.AlarmNames.includes(alarmNames(SECONDARY)[1])
          ? [
              {
                AlarmName: alarmNames(SECONDARY)[1],
                StateValue: "ALARM",
                StateReason: "Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).",
                StateUpdatedTimestamp: new Date(at(-120)),
              },
            ]
          : [],
      }),
    }) as never,
  );
  sfn.on(ListExecutionsCommand).callsFake(
    byRegion({
      [PRIMARY]: (input: { stateMachineArn: string }) => {
        expect(input.stateMachineArn).toBe(stateMachineArn(PRIMARY));
        return {
          executions: [
            {
              executionArn: executionArn(PRIMARY, "manual-failback-20250520T090000Z-bob"),
              stateMachineArn: stateMachineArn(PRIMARY),
              name: "manual-failback-20250520T090000Z-bob",
              status: "SUCCEEDED",
              startDate: new Date("2025-05-20T09:00:00Z"),
              stopDate: new Date("2025-05-20T09:04:10Z"),
            },
            {
              executionArn: executionArn(PRIMARY, "manual-failback-20250101T090000Z-bob"),
              stateMachineArn: stateMachineArn(PRIMARY),
              name: "manual-failback-20250101T090000Z-bob",
              status: "FAILED",
              startDate: new Date("2025-01-01T09:00:00Z"),
              stopDate: new Date("2025-01-01T09:01:00Z"),
            },
          ],
        };
      },
      [SECONDARY]: () => ({ executions: [] }),
    }) as never,
  );
  route53.on(GetHealthCheckStatusCommand).callsFake((input: { HealthCheckId: string }) => {
    if (input.HealthCheckId === HEALTH_CHECK_IDS.primaryGuard)
      throw Object.assign(new Error("calculated checks are not supported"), { name: "InvalidInput" });
    return healthy();
  });
}
