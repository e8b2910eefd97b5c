import { normalizeExecutionInput } from "../../runbooks/domain/run";

const execution = { name: "exec-1", id: "arn:aws:states:us-east-2:1:execution:m:exec-1", startTime: "2025-06-01T12:00:00.000Z" };
const secondary = { region: "us-east-2", peerRegion: "us-east-1", primaryRegion: "us-east-1", secondaryRegion: "us-east-2" };
const primary = { region: "us-east-1", peerRegion: "us-east-2", primaryRegion: "us-east-1", secondaryRegion: "us-east-2" };
const defaults = { drillHoldSeconds: 300 };

describe("normalizeExecutionInput", () => {
  it("normalises a manual failover", () => {
    const r = normalizeExecutionInput(
      { mode: "failover", targetRegion: "us-east-2", requestedBy: "alice" },
      execution,
      secondary,
      defaults,
    );
    expect(r).toEqual({
      ok: true,
      run: expect.objectContaining({
        executionName: "exec-1",
        startedAt: Date.parse(execution.startTime),
        mode: "failover",
        checkMode: "failover",
        localRole: "secondary",
        trigger: { source: "manual" },
        automatic: false,
        requireApproval: false,
        holdSeconds: 0,
        leaseHolder: "exec-1",
        requestedBy: "alice",
      }),
    });
  });

  it("gives a drill the configured hold by default and a dry-run the runbook of its region", () => {
    const drill = normalizeExecutionInput({ mode: "drill", targetRegion: "us-east-2" }, execution, secondary, defaults);
    expect(drill.ok && drill.run.holdSeconds).toBe(300);
    const dryPrimary = normalizeExecutionInput({ mode: "dry-run" }, execution, primary, defaults);
    expect(dryPrimary.ok && dryPrimary.run.checkMode).toBe("failback");
    const drySecondary = normalizeExecutionInput({ mode: "dry-run" }, execution, secondary, defaults);
    expect(drySecondary.ok && drySecondary.run.checkMode).toBe("failover");
  });

  it("runs a drill's failback under the drill's lease", () => {
    const r = normalizeExecutionInput(
      { mode: "failback", targetRegion: "us-east-1", trigger: { source: "drill", parentExecution: "drill-7", parentRegion: "us-east-2" } },
      execution,
      primary,
      defaults,
    );
    expect(r.ok && r.run.leaseHolder).toBe("drill-7");
  });

  it.each([
    ["a wrong target region", { mode: "failover", targetRegion: "us-east-1" }, secondary, "targetRegion"],
    ["a drill in the primary", { mode: "drill", targetRegion: "us-east-1" }, primary, "mode"],
    ["checkMode outside a dry-run", { mode: "failover", targetRegion: "us-east-2", checkMode: "drill" }, secondary, "checkMode"],
    ["a failback dry-run in the secondary", { mode: "dry-run", checkMode: "failback" }, secondary, "checkMode"],
    [
      "an alarm trigger for a drill",
      {
        mode: "drill",
        targetRegion: "us-east-2",
        trigger: {
          source: "alarm",
          alarmName: "a",
          alarmArn: "b",
          state: "ALARM",
          changedAt: "2025-01-01T00:00:00Z",
          eventId: "e",
          subjectRegion: "us-east-1",
        },
      },
      secondary,
      "trigger.source",
    ],
    [
      "a drill trigger from the wrong region",
      { mode: "failback", targetRegion: "us-east-1", trigger: { source: "drill", parentExecution: "d", parentRegion: "us-east-1" } },
      primary,
      "trigger.parentRegion",
    ],
    [
      "a non-boolean requireApproval",
      { mode: "failover", targetRegion: "us-east-2", requireApproval: "yes" },
      secondary,
      "requireApproval",
    ],
    ["a reason too long", { mode: "failover", targetRegion: "us-east-2", reason: "x".repeat(501) }, secondary, "reason"],
  ])("rejects %s, naming the field", (_label, input, machine, field) => {
    const r = normalizeExecutionInput(input, execution, machine, defaults);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.field)).toContain(field);
  });
});
