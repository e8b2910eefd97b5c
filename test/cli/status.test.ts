import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetHealthCheckStatusCommand } from "@aws-sdk/client-route-53";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { answerParameters, byRegion, cloudwatch, ddb, drctl, fixedDns, networkError, resetMocks, route53, sfn } from "./support/harness";
import {
  alarmNames,
  at,
  authorityItem,
  executionArn,
  NOW,
  parameters,
  PRIMARY,
  SECONDARY,
  stateMachineArn,
  ZONE,
} from "./support/fixtures";
import { answerControlTables, controlItems, healthyWorld, statusDns } from "./support/status-world";

const DASHBOARD = (region: string) =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/payments-dr-${region}-prod`;

beforeEach(() => {
  resetMocks();
  healthyWorld();
});

/** us-east-1 is gone: its APIs, its replica and Route 53's API (served from us-east-1) do not answer. */
function primaryRegionDown() {
  answerParameters({ [PRIMARY]: networkError("ssm.us-east-1.amazonaws.com"), [SECONDARY]: parameters(SECONDARY) });
  answerControlTables({ [PRIMARY]: networkError("dynamodb.us-east-1.amazonaws.com"), [SECONDARY]: controlItems(SECONDARY) });
  route53.on(GetHealthCheckStatusCommand).rejects(networkError("route53.amazonaws.com"));
}

describe("drctl status", () => {
  it("prints the DR picture of both regions as plain text", async () => {
    const out = await drctl(["status"], { dns: statusDns });

    expect(out.code).toBe(0);
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe(
      [
        "payments-dr prod at 2025-06-01T12:00:00.000Z",
        "active region: us-east-1",
        "",
        "REGIONS",
        "  us-east-1  primary    ACTIVE   epoch 3  since 2025-05-30T10:00:00.000Z",
        "  us-east-2  secondary  STANDBY  epoch 3  since 2025-05-30T10:00:00.000Z",
        "",
        "HEALTH CHECKS  route53 (us-east-1): GetHealthCheckStatus is Route 53's API and needs us-east-1",
        "  primaryEndpoint    healthy  16/16 checkers report healthy",
        "  secondaryEndpoint  healthy  16/16 checkers report healthy",
        "  primaryFence       healthy  16/16 checkers report healthy",
        "  primaryGuard       healthy  calculated: primaryEndpoint AND primaryFence",
        "",
        "DNS  asked ns-1.awsdns-01.org, ns-2.awsdns-02.net",
        "  api.pay.example.com          A    192.0.2.10, 192.0.2.11",
        "  _region.api.pay.example.com  TXT  us-east-1  (traffic goes to us-east-1)",
        "",
        "REPLICATION  age of the peer's heartbeat in each region's replica",
        "  us-east-2 → us-east-1  1.2 s",
        "  us-east-1 → us-east-2  0.8 s",
        "",
        "ALARMS IN ALARM",
        "  us-east-1  none",
        "  us-east-2  payments-dr-api-5xx-us-east-2-prod  since 2025-06-01T11:58:00.000Z  Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).",
        "",
        "EXECUTIONS  running, else the latest, per region",
        "  us-east-1  manual-failback-20250520T090000Z-bob  SUCCEEDED  started 2025-05-20T09:00:00.000Z, stopped 2025-05-20T09:04:10.000Z",
        "  us-east-2  none",
        "  lease: free",
        "",
        "DASHBOARDS",
        `  us-east-1  ${DASHBOARD(PRIMARY)}`,
        `  us-east-2  ${DASHBOARD(SECONDARY)}`,
        "",
      ].join("\n"),
    );
  });

  it("prints the same data as JSON with --json", async () => {
    const out = await drctl(["status", "--json"], { dns: statusDns });

    expect(out.code).toBe(0);
    const execution = {
      name: "manual-failback-20250520T090000Z-bob",
      arn: executionArn(PRIMARY, "manual-failback-20250520T090000Z-bob"),
      status: "SUCCEEDED",
      startedAt: "2025-05-20T09:00:00.000Z",
      stoppedAt: "2025-05-20T09:04:10.000Z",
    };
    const record = (state: string, seenIn: string) => ({
      state,
      epoch: 3,
      updatedAt: "2025-05-30T10:00:00.000Z",
      reason: "set by a test",
      seenIn,
    });
    const checked = (name: string, id: string) => ({ name, id, status: "healthy", detail: "16/16 checkers report healthy" });
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      checkedAt: "2025-06-01T12:00:00.000Z",
      primaryRegion: PRIMARY,
      secondaryRegion: SECONDARY,
      activeRegion: PRIMARY,
      activeRegionNote: null,
      regions: [
        {
          region: PRIMARY,
          role: "primary",
          available: true,
          error: null,
          record: record("ACTIVE", PRIMARY),
          alarms: { inAlarm: [], error: null },
          execution: { latest: execution, error: null },
          dashboardUrl: DASHBOARD(PRIMARY),
          problems: [],
        },
        {
          region: SECONDARY,
          role: "secondary",
          available: true,
          error: null,
          record: record("STANDBY", SECONDARY),
          alarms: {
            inAlarm: [
              {
                name: alarmNames(SECONDARY)[1],
                since: "2025-06-01T11:58:00.000Z",
                reason: "Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).",
              },
            ],
            error: null,
          },
          execution: { latest: null, error: null },
          dashboardUrl: DASHBOARD(SECONDARY),
          problems: [],
        },
      ],
      replication: [
        { from: SECONDARY, to: PRIMARY, heartbeatAgeSeconds: 1.2, heartbeatWrittenAt: "2025-06-01T11:59:58.800Z", error: null },
        { from: PRIMARY, to: SECONDARY, heartbeatAgeSeconds: 0.8, heartbeatWrittenAt: "2025-06-01T11:59:59.200Z", error: null },
      ],
      lease: { state: "free", holder: null, mode: null, region: null, expiresAt: null },
      healthChecks: {
        api: "route53 (us-east-1)",
        reachable: true,
        error: null,
        checks: [
          checked("primaryEndpoint", "hc-primary-endpoint"),
          checked("secondaryEndpoint", "hc-secondary-endpoint"),
          checked("primaryFence", "hc-primary-fence"),
          { name: "primaryGuard", id: "hc-primary-guard", status: "healthy", detail: "calculated: primaryEndpoint AND primaryFence" },
        ],
      },
      dns: {
        failoverName: `api.${ZONE}`,
        witnessName: `_region.api.${ZONE}`,
        nameServers: ["ns-1.awsdns-01.org", "ns-2.awsdns-02.net"],
        failoverAnswers: ["192.0.2.10", "192.0.2.11"],
        witnessAnswers: [PRIMARY],
        servingRegion: PRIMARY,
        error: null,
      },
    });
    // The calculated guard is derived, never asked (GetHealthCheckStatus refuses CALCULATED checks).
    expect(route53.commandCalls(GetHealthCheckStatusCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual([
      "hc-primary-endpoint",
      "hc-secondary-endpoint",
      "hc-primary-fence",
    ]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: alarmNames(PRIMARY),
      StateValue: "ALARM",
      NextToken: undefined,
    });
  });

  it("shows the rest when the primary region is unreachable, and says so", async () => {
    primaryRegionDown();

    const out = await drctl(["status"], { dns: statusDns });

    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        "payments-dr prod at 2025-06-01T12:00:00.000Z",
        "active region: us-east-1 — its record says ACTIVE, but us-east-1 itself could not be read",
        "",
        "REGIONS",
        "  us-east-1  primary    ACTIVE   epoch 3  since 2025-05-30T10:00:00.000Z (as seen in us-east-2's replica)",
        "  us-east-2  secondary  STANDBY  epoch 3  since 2025-05-30T10:00:00.000Z",
        "  us-east-1: unavailable: us-east-1 is unreachable: ssm:GetParametersByPath failed (Error: connect ECONNREFUSED ssm.us-east-1.amazonaws.com)",
        "",
        "HEALTH CHECKS  route53 (us-east-1): GetHealthCheckStatus is Route 53's API and needs us-east-1",
        "  primaryEndpoint    unknown (Route 53 API unreachable)",
        "  secondaryEndpoint  unknown (Route 53 API unreachable)",
        "  primaryFence       unknown (Route 53 API unreachable)",
        "  primaryGuard       unknown (calculated: primaryEndpoint AND primaryFence)",
        "",
        "DNS  asked ns-1.awsdns-01.org, ns-2.awsdns-02.net",
        "  api.pay.example.com          A    192.0.2.10, 192.0.2.11",
        "  _region.api.pay.example.com  TXT  us-east-1  (traffic goes to us-east-1)",
        "",
        "REPLICATION  age of the peer's heartbeat in each region's replica",
        "  us-east-2 → us-east-1  unknown (us-east-1 could not be read)",
        "  us-east-1 → us-east-2  0.8 s",
        "",
        "ALARMS IN ALARM",
        "  us-east-1  unknown (region unavailable)",
        "  us-east-2  payments-dr-api-5xx-us-east-2-prod  since 2025-06-01T11:58:00.000Z  Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).",
        "",
        "EXECUTIONS  running, else the latest, per region",
        "  us-east-1  unknown (region unavailable)",
        "  us-east-2  none",
        "  lease: free",
        "",
        "DASHBOARDS",
        "  us-east-1  unknown (region unavailable)",
        `  us-east-2  ${DASHBOARD(SECONDARY)}`,
        "",
      ].join("\n"),
    );
    expect(out.stderr).toBe(
      "warning: us-east-1 could not be read: us-east-1 is unreachable: ssm:GetParametersByPath failed (Error: connect ECONNREFUSED ssm.us-east-1.amazonaws.com)\n",
    );
  });

  it("reports an unreachable region and Route 53 API in the JSON", async () => {
    primaryRegionDown();

    const out = await drctl(["status", "--json"], { dns: statusDns });

    const report = JSON.parse(out.stdout);
    expect(report.regions[0]).toMatchObject({
      region: PRIMARY,
      available: false,
      error: {
        kind: "unreachable",
        message: "us-east-1 is unreachable: ssm:GetParametersByPath failed (Error: connect ECONNREFUSED ssm.us-east-1.amazonaws.com)",
      },
      record: { state: "ACTIVE", seenIn: SECONDARY },
    });
    expect(report.healthChecks).toMatchObject({ reachable: false, error: "Route 53 API unreachable (it is served from us-east-1)" });
    expect(report.healthChecks.checks[0]).toEqual({
      name: "primaryEndpoint",
      id: "hc-primary-endpoint",
      status: "unknown",
      detail: "Route 53 API unreachable",
    });
  });

  it("shows a running execution before newer finished ones, and a held lease", async () => {
    sfn.on(ListExecutionsCommand).callsFake(
      byRegion({
        [PRIMARY]: () => ({ executions: [] }),
        [SECONDARY]: () => ({
          executions: [
            {
              executionArn: executionArn(SECONDARY, "alarm-x-1"),
              stateMachineArn: stateMachineArn(SECONDARY),
              name: "alarm-x-1",
              status: "SUCCEEDED",
              startDate: new Date(at(-60)),
              stopDate: new Date(at(-50)),
            },
            {
              executionArn: executionArn(SECONDARY, "d"),
              stateMachineArn: stateMachineArn(SECONDARY),
              name: "manual-drill-20250601T115000Z-alice",
              status: "RUNNING",
              startDate: new Date(at(-600)),
            },
          ],
        }),
      }) as never,
    );
    const lease = {
      pk: "lease",
      holder: "manual-drill-20250601T115000Z-alice",
      mode: "drill",
      region: SECONDARY,
      acquiredAt: at(-600),
      expiresAt: NOW / 1000 + 3000,
    };
    answerControlTables({ [PRIMARY]: { ...controlItems(PRIMARY), lease }, [SECONDARY]: { ...controlItems(SECONDARY), lease } });

    const out = await drctl(["status"], { dns: statusDns });

    expect(out.stdout).toContain(
      "  us-east-1  none\n  us-east-2  manual-drill-20250601T115000Z-alice  RUNNING  started 2025-06-01T11:50:00.000Z\n",
    );
    expect(out.stdout).toContain(
      "  lease: held by manual-drill-20250601T115000Z-alice (drill in us-east-2) until 2025-06-01T12:50:00.000Z\n",
    );
  });

  it("says when no region is ACTIVE, and when DNS cannot be asked", async () => {
    // One transition fenced the primary: the authority's epoch moved on for both regions, the
    // primary's state changed then, the secondary's did not.
    const fenced = authorityItem({ [PRIMARY]: "FENCED", [SECONDARY]: "STANDBY" }, 4, "2025-06-01T11:55:00.000Z", {
      [SECONDARY]: "2025-05-30T10:00:00.000Z",
    });
    answerControlTables({
      [PRIMARY]: { ...controlItems(PRIMARY), authority: fenced },
      [SECONDARY]: { ...controlItems(SECONDARY), authority: fenced },
    });

    const out = await drctl(["status"], { dns: fixedDns({ [`A api.${ZONE}`]: new Error("queryA ETIMEOUT api.pay.example.com") }) });

    expect(out.stdout).toContain("active region: unknown — no region is ACTIVE: payment writes are refused everywhere\n");
    expect(out.stdout).toContain(
      "  us-east-1  primary    FENCED   epoch 4  since 2025-06-01T11:55:00.000Z\n" +
        "  us-east-2  secondary  STANDBY  epoch 4  since 2025-05-30T10:00:00.000Z\n",
    );
    expect(out.stdout).toContain(
      "  api.pay.example.com          A    unknown\n  _region.api.pay.example.com  TXT  unknown\n" +
        "  A api.pay.example.com: queryA ETIMEOUT api.pay.example.com; TXT _region.api.pay.example.com: queryTxt ENOTFOUND _region.api.pay.example.com\n",
    );
  });

  it("reads both regions' states from each replica's one authority item, each region from its own replica", async () => {
    // Replication behind (eventual mode): us-east-2's replica already has the failover (epoch 5),
    // us-east-1's does not (epoch 3). Each region is shown as its own replica says.
    const failedOver = authorityItem({ [PRIMARY]: "FENCED", [SECONDARY]: "ACTIVE" }, 5, "2025-06-01T11:59:00.000Z");
    answerControlTables({
      [PRIMARY]: controlItems(PRIMARY),
      [SECONDARY]: { ...controlItems(SECONDARY), authority: failedOver },
    });

    const out = await drctl(["status", "--json"], { dns: statusDns });

    const report = JSON.parse(out.stdout);
    expect(report.regions.map((r: { region: string; record: unknown }) => [r.region, r.record])).toEqual([
      [PRIMARY, { state: "ACTIVE", epoch: 3, updatedAt: "2025-05-30T10:00:00.000Z", reason: "set by a test", seenIn: PRIMARY }],
      [SECONDARY, { state: "ACTIVE", epoch: 5, updatedAt: "2025-06-01T11:59:00.000Z", reason: "set by a test", seenIn: SECONDARY }],
    ]);
    expect(report.activeRegion).toBeNull();
    expect(report.activeRegionNote).toBe("both regions say ACTIVE (us-east-1, us-east-2): look at the epochs before doing anything");
    // One GetItem of the authority per replica; no per-region items are asked for.
    const keys = ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key?.pk);
    expect(keys.filter((k) => k === "authority")).toHaveLength(2);
    expect(keys.filter((k) => String(k).startsWith("region#"))).toEqual([]);
  });

  it("says so when a replica holds no authority item, and shows the region as its peer's replica does", async () => {
    const { authority: _, ...withoutAuthority } = controlItems(PRIMARY);
    answerControlTables({ [PRIMARY]: withoutAuthority, [SECONDARY]: controlItems(SECONDARY) });

    const out = await drctl(["status", "--json"], { dns: statusDns });

    const report = JSON.parse(out.stdout);
    expect(report.regions[0].problems).toEqual(["no authority item in its control table"]);
    expect(report.regions[0].record).toEqual({
      state: "ACTIVE",
      epoch: 3,
      updatedAt: "2025-05-30T10:00:00.000Z",
      reason: "set by a test",
      seenIn: SECONDARY,
    });
    expect(report.activeRegion).toBe(PRIMARY);
  });

  it("uses colours only on a terminal and never with NO_COLOR", async () => {
    const tty = await drctl(["status"], { dns: statusDns, stdoutIsTTY: true });
    const noColor = await drctl(["status"], { dns: statusDns, stdoutIsTTY: true, env: { NO_COLOR: "1" } });
    const pipe = await drctl(["status"], { dns: statusDns });

    expect(tty.stdout).toContain("\u001b[32mACTIVE\u001b[0m");
    expect(noColor.stdout).not.toContain("\u001b[");
    expect(pipe.stdout).not.toContain("\u001b[");
    expect(noColor.stdout).toBe(pipe.stdout);
  });
});
