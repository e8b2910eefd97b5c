import { Harness, approve, reject } from "./support/harness";
import { PRIMARY, SECONDARY, World, writeFunctionArn } from "./support/world";

const harness = Harness.create();

function alarmInput(subjectRegion: string, alarmName = "payments-dr-peer-health-us-east-2-test", eventId = "evt-1") {
  return {
    mode: "failover",
    targetRegion: SECONDARY,
    trigger: {
      source: "alarm",
      alarmName,
      alarmArn: `arn:aws:cloudwatch:${SECONDARY}:123456789012:alarm:${alarmName}`,
      state: "ALARM",
      previousState: "OK",
      changedAt: new Date(Date.now() - 5000).toISOString(),
      eventId,
      subjectRegion,
    },
  };
}

/** The primary went dark 30 s ago; its last heartbeat reached the secondary 2 s before that. */
function primaryOutage(): World {
  const now = Date.now();
  const world = harness.reset(World.healthy(now));
  world.down.add(PRIMARY);
  world.seed({ pk: `heartbeat#${PRIMARY}`, region: PRIMARY, writtenAt: now - 32_000, sequence: 1 });
  world.recordFailingProbes(SECONDARY, PRIMARY, now - 1000, now - 30_000, 3);
  return world;
}

describe("failover (primary outage, alarm-started in the secondary)", () => {
  it("fences the old primary, promotes the secondary, confirms DNS, notifies and releases the lease — in that order", async () => {
    const world = primaryOutage();

    const result = await harness.run(SECONDARY, alarmInput(PRIMARY));

    expect(result).toMatchObject({ status: "SUCCEEDED" });
    // End state in the secondary's replica: one writer, newer epoch.
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "FENCED", epoch: 0 });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(world.lastMetric(SECONDARY, "PrimaryFenced")).toMatchObject({ value: 1, storageResolution: 60 });
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.dnsAnswer()).toEqual([SECONDARY]);

    const order = (kind: string, detail?: string) =>
      world.effects.findIndex((e) => e.kind === kind && (detail === undefined || e.detail.includes(detail)));
    const sequence = [
      order("lease-acquired"),
      order("describe-table"),
      order("region", `${PRIMARY} FENCED`),
      order("metric", "PrimaryFenced=1"),
      order("region", `${SECONDARY} ACTIVE`),
      order("dns", SECONDARY),
      order("notify", "succeeded"),
      order("lease-released"),
    ];
    expect(sequence.every((i) => i >= 0)).toBe(true);
    expect([...sequence].sort((a, b) => a - b)).toEqual(sequence);

    // The best-effort direct stop failed (the primary is down) and did not block anything.
    expect(world.concurrency.get(writeFunctionArn(PRIMARY))).toBe(50);
    const report = JSON.parse(
      world.objects.get(`${SECONDARY}/payments-dr-evidence-${SECONDARY}-test-123456789012/reports/${result.name}/report.json`) ?? "{}",
    );
    expect(report).toMatchObject({ outcome: "failed-over", execution: { status: "SUCCEEDED" }, stopPeerWrites: { stopped: false } });
    // Last replicated heartbeat -32 s; the canary first saw the primary fail at -21 s, so the
    // primary may have taken writes until then: the runbook's bound is 11 s (the truth, 2 s, is
    // inside it — a bound that ended at the last healthy probe would have claimed 0-2 s).
    expect(report.measurements.rpoExposureSeconds).toBeCloseTo(11, 0);
    expect(world.notifications.map((n) => n.attributes.event)).toEqual(["started", "decision", "succeeded"]);
  });

  it("stops the old primary's write function when its region still answers", async () => {
    const world = harness.reset(World.healthy());
    world.recordFailingProbes(SECONDARY, PRIMARY, Date.now() - 1000, Date.now() - 20_000, 3);

    const result = await harness.run(SECONDARY, alarmInput(PRIMARY));

    expect(result.status).toBe("SUCCEEDED");
    expect(world.concurrency.get(writeFunctionArn(PRIMARY))).toBe(0);
    expect(world.tags.get(writeFunctionArn(PRIMARY))).toEqual({ "payments-dr:reserved-concurrency-before-fence": "50" });
  });

  it("does not promote when a local replica is not ACTIVE: escalates to an approval, and fails cleanly on rejection", async () => {
    const world = primaryOutage();
    world.tableStatus.get(SECONDARY)!.get("payments-dr-payments-global-test")!.status = "UPDATING";

    const result = await harness.run(SECONDARY, alarmInput(PRIMARY), { approval: reject });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(result.states).not.toContain("FenceOldPrimary");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 0 });
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
    expect(world.lastMetric(SECONDARY, "PrimaryFenced")).toBeUndefined();
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    const approvalMessage = world.notifications.find((n) => n.attributes.event === "approval-requested");
    expect(approvalMessage?.message).toContain("is UPDATING, not ACTIVE");
    expect(world.notifications.at(-1)?.attributes.event).toBe("failed");
  });

  it("promotes after an operator approves the escalation", async () => {
    const world = primaryOutage();
    world.tableStatus.get(SECONDARY)!.get("payments-dr-payments-global-test")!.status = "UPDATING";

    const result = await harness.run(SECONDARY, alarmInput(PRIMARY), { approval: approve });

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  it("fails with DnsNotShiftedError after the bounded number of DNS checks, notifying and releasing the lease", async () => {
    const world = primaryOutage();
    world.dnsMode = "stuck";
    world.stuckAnswer = [PRIMARY];

    const result = await harness.run(SECONDARY, alarmInput(PRIMARY));

    expect(result).toMatchObject({ status: "FAILED", error: "DnsNotShiftedError" });
    expect(world.dnsQueries).toBe(harness.values(SECONDARY).dnsConfirmMaxAttempts);
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    const failure = world.notifications.find((n) => n.attributes.event === "failed");
    expect(failure?.subject).toContain("DnsNotShiftedError");
    expect(failure?.message).toContain(`${SECONDARY} ACTIVE (epoch 1)`);
  });
});
