import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { acceptStartExecution, allCalls, drctl, resetMocks, sfn, standardParameters } from "./support/harness";
import { HistoryBuilder, serveHistory } from "./support/history";
import { at, executionArn, NOW, PRIMARY, SECONDARY, stateMachineArn } from "./support/fixtures";
import { failoverRun } from "./support/scenarios";

beforeEach(() => {
  resetMocks();
  standardParameters();
  acceptStartExecution();
});

async function started() {
  const calls = sfn.commandCalls(StartExecutionCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  return {
    region: await (calls[0].thisValue as { config: { region: () => Promise<string> } }).config.region(),
    stateMachineArn: input.stateMachineArn,
    name: input.name,
    input: JSON.parse(input.input as string),
  };
}

describe("drctl failback", () => {
  it("starts in the primary region and asks to type the primary", async () => {
    const out = await drctl(["failback", "--no-follow", "--reason", "INC-1 primary recovered"], { tty: "us-east-1\n" });

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      "failback: moves payment traffic of prod back to the primary us-east-1; us-east-2 goes to STANDBY.\nType the region to confirm (us-east-1): ",
    );
    expect(await started()).toEqual({
      region: PRIMARY,
      stateMachineArn: stateMachineArn(PRIMARY),
      name: "manual-failback-20250601T120000Z-alice",
      input: { mode: "failback", targetRegion: PRIMARY, reason: "INC-1 primary recovered", requestedBy: "alice" },
    });
  });

  it("passes --require-approval and --operator to the run", async () => {
    const out = await drctl(["failback", "--no-follow", "--confirm", "us-east-1", "--require-approval", "--operator", "Bob Smith"]);

    expect(out.code).toBe(0);
    expect(await started()).toMatchObject({
      name: "manual-failback-20250601T120000Z-Bob-Smith",
      input: { mode: "failback", targetRegion: PRIMARY, requireApproval: true, requestedBy: "Bob Smith" },
    });
  });

  it("checks failback preconditions with --dry-run, without asking for confirmation", async () => {
    const out = await drctl(["failback", "--dry-run", "--no-follow"], { pipe: "" });

    expect(out.code).toBe(0);
    expect(await started()).toEqual({
      region: PRIMARY,
      stateMachineArn: stateMachineArn(PRIMARY),
      name: "manual-dry-run-failback-20250601T120000Z-alice",
      input: { mode: "dry-run", targetRegion: PRIMARY, checkMode: "failback", requestedBy: "alice" },
    });
  });

  it("rejects --dry-run with --confirm as conflicting flags", async () => {
    const out = await drctl(["failback", "--dry-run", "--confirm", "us-east-1"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("error: option '--dry-run' cannot be used with option '--confirm <region>'");
    expect(allCalls()).toBe(0);
  });
});

describe("drctl drill", () => {
  it("starts in the secondary with the hold time and a name that leaves room for the failback's", async () => {
    const out = await drctl([
      "drill",
      "--hold",
      "300",
      "--confirm",
      "us-east-2",
      "--ticket",
      "CHG-42",
      "--no-follow",
      "--operator",
      "a-very-long-operator-name-that-goes-on-and-on",
    ]);

    expect(out.code).toBe(0);
    const run = await started();
    expect(run).toEqual({
      region: SECONDARY,
      stateMachineArn: stateMachineArn(SECONDARY),
      name: "manual-drill-20250601T120000Z-a-very-long-operator-name-that-goes-on-an",
      input: {
        mode: "drill",
        targetRegion: SECONDARY,
        holdSeconds: 300,
        requestedBy: "a-very-long-operator-name-that-goes-on-and-on",
        trigger: { source: "manual", ticket: "CHG-42" },
      },
    });
    expect(`${run.name}-failback`.length).toBeLessThanOrEqual(80);
  });

  it.each([
    [
      "above the machine's maximum",
      "3601",
      "drctl: the state machine would reject this request: holdSeconds: Too big: expected number to be <=3600; nothing was started\n",
    ],
    ["not a whole number", "1.5", "error: option '--hold <seconds>' argument '1.5' is invalid. --hold takes a whole number of seconds\n"],
    ["not a number", "soon", "error: option '--hold <seconds>' argument 'soon' is invalid. --hold takes a whole number of seconds\n"],
  ])("rejects a hold time %s before any AWS call", async (_label, hold, message) => {
    const out = await drctl(["drill", "--hold", hold, "--confirm", "us-east-2"]);

    expect(out.code).toBe(2);
    expect(out.stderr.startsWith(message)).toBe(true);
    expect(allCalls()).toBe(0);
  });

  it("asks to type the secondary region", async () => {
    const out = await drctl(["drill", "--no-follow"], { tty: "us-east-1\n" });

    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      "drill: drains the primary us-east-1 on purpose and moves payment traffic of prod to us-east-2 for the configured hold time, then back.\nType the region to confirm (us-east-2): ",
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("follows a dry-run that is not ready: findings on stdout, exit code 4", async () => {
    const name = "manual-dry-run-drill-20250601T120000Z-alice";
    const run = failoverRun({
      executionName: name,
      executionId: executionArn(SECONDARY, name),
      mode: "dry-run",
      checkMode: "drill",
      leaseHolder: name,
    });
    const findings = [
      { check: "input", ok: true, detail: "valid drill request for us-east-2" },
      { check: "lease", ok: true, detail: "free" },
      { check: "decision", ok: true, detail: "drill: primary ACTIVE, secondary STANDBY" },
      { check: "replication", ok: false, detail: "heartbeat of us-east-1 is 95 s old (objective 60 s)" },
    ];
    const cause = "drill in us-east-2 is not ready: replication: heartbeat of us-east-1 is 95 s old (objective 60 s)";
    const history = new HistoryBuilder(NOW, { mode: "dry-run", targetRegion: SECONDARY, checkMode: "drill", requestedBy: "alice" })
      .state_("ValidateInput", "Task", 0.1, 0.2, () => ({ run, steps: {} }))
      .state_("ChooseRunbook", "Choice", 0.2, 0.2)
      .task("InspectLease", 0.2, 0.4, "leaseCheck", {
        step: "inspect-lease",
        startedAt: at(0.2),
        finishedAt: at(0.4),
        leaseFree: true,
        automaticRunWouldBeSuppressed: false,
        antiFlapReason: "no automatic run yet",
      })
      .task("SummarizeDryRun", 0.4, 0.6, "dryRun", {
        step: "summarize-dry-run",
        startedAt: at(0.4),
        finishedAt: at(0.6),
        ready: false,
        checkMode: "drill",
        findings,
        cause,
      })
      .task("NotifyDryRunResult", 0.6, 0.8)
      .state_("IsDryRunReady", "Choice", 0.8, 0.8)
      .enterOnly("DryRunNotReady", "Fail", 0.8)
      .fail(0.8, "PreconditionFailedError", cause);
    serveHistory(history.events);

    const out = await drctl(["drill", "--dry-run"]);

    expect(out.code).toBe(4);
    expect(out.stderr).toContain(
      "    +0.4s  SummarizeDryRun\n           drill in us-east-2 is not ready: replication: heartbeat of us-east-1 is 95 s old (objective 60 s)\n",
    );
    expect(out.stdout).toBe(
      [
        `dry-run ${name} in us-east-2: FAILED in 0.8s`,
        `error         PreconditionFailedError: ${cause}`,
        "outcome       failed",
        "dry-run       drill: not ready",
        "  ok    input        valid drill request for us-east-2",
        "  ok    lease        free",
        "  ok    decision     drill: primary ACTIVE, secondary STANDBY",
        "  FAIL  replication  heartbeat of us-east-1 is 95 s old (objective 60 s)",
        "decisions",
        `  SummarizeDryRun  not ready  ${cause}`,
        `console       https://us-east-2.console.aws.amazon.com/states/home?region=us-east-2#/v2/executions/details/${executionArn(SECONDARY, name)}`,
        "",
      ].join("\n"),
    );
  });
});

describe("following a run that waits for approval", () => {
  const name = "manual-failback-20250601T120000Z-alice";
  const waiting = () =>
    new HistoryBuilder(NOW, { mode: "failback", targetRegion: PRIMARY, requireApproval: true })
      .state_("ValidateInput", "Task", 0.1, 0.2, () => ({
        run: failoverRun({
          executionName: name,
          mode: "failback",
          checkMode: "failback",
          region: PRIMARY,
          peerRegion: SECONDARY,
          localRole: "primary",
        }),
        steps: {},
      }))
      .enterOnly("RequestApproval", "Task", 2);

  it("tells the operator how to approve", async () => {
    const history = waiting()
      .task("RequestApproval", 2, 40, "approval", { approved: true, approvedBy: "bob", comment: "go" })
      .state_("CheckApproval", "Choice", 40, 40);
    serveHistory(history.events);

    const out = await drctl(["failback", "--confirm", "us-east-1", "--require-approval", "--follow-timeout", "0"]);

    expect(out.stderr).toContain(
      `    +2.0s  RequestApproval\n           waiting for approval: drctl approve --env prod --region us-east-1 ${name}  (or: drctl reject ...)\n`,
    );
    expect(out.stderr).toContain("           approved by bob: go\n");
    expect(out.code).toBe(5);
  });

  it("stops following on Ctrl-C with exit code 130; the run keeps going", async () => {
    serveHistory(waiting().events);
    const controller = new AbortController();

    const out = await drctl(["failback", "--confirm", "us-east-1"], { signal: controller.signal, sleep: async () => controller.abort() });

    expect(out.code).toBe(130);
    expect(out.stderr).toContain(
      `stopped following; ${name} keeps running — follow it in the console: https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn(PRIMARY, name)}\n`,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});
