/**
 * `drctl failover|failback --take-over-lease <execution>`: the operator takes the DR lease over
 * from a run that can no longer finish. First against mocked AWS (what reaches the execution
 * input, what is refused before anything starts), then end to end in the simulated world: a
 * failback whose region dies mid-run, its lease taken over from the surviving region.
 *
 * What this cannot prove: that the operator's real role may read the control table (the
 * simulated operator may), nor real AWS timing.
 */
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { controlKeys } from "../../lib/control-schema";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { failedOver, onControlChange, outputsOf } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { FAILBACK_NAME } from "./support/failback-drill-runs";
import { at, PRIMARY, SECONDARY, stateMachineArn } from "./support/fixtures";
import {
  acceptStartExecution,
  allCalls,
  awsError,
  cloudwatch,
  ddb,
  drctl,
  resetMocks,
  route53,
  s3,
  sfn,
  ssm,
  standardParameters,
} from "./support/harness";
import { drctlInWorld } from "./support/preflight-sim";
import { FAILOVER_NAME } from "./support/scenarios";
import { answerControlTables } from "./support/status-world";

/** The lease item as AcquireLease writes it (lib/control-schema.ts leaseSchema). */
const leaseItem = (holder: string, mode: string, region: string, expiresAtMs = at(3600)) => ({
  pk: controlKeys.lease(),
  holder,
  mode,
  region,
  acquiredAt: at(-600),
  expiresAt: Math.floor(expiresAtMs / 1000),
});

/** A failback in the primary that its region's outage interrupted holds the lease. */
const HELD_BY_FAILBACK = `${FAILBACK_NAME} (failback in us-east-1) since 2025-06-01T11:50:00.000Z until 2025-06-01T13:00:00.000Z`;

async function started() {
  const calls = sfn.commandCalls(StartExecutionCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  return {
    region: await (calls[0].thisValue as { config: { region: () => Promise<string> } }).config.region(),
    stateMachineArn: input.stateMachineArn,
    input: JSON.parse(input.input as string),
  };
}

async function leaseReads() {
  return Promise.all(
    ddb.commandCalls(GetCommand).map(async (c) => ({
      region: await (c.thisValue as { config: { region: () => Promise<string> } }).config.region(),
      key: c.args[0].input.Key,
      consistentRead: c.args[0].input.ConsistentRead,
    })),
  );
}

describe("drctl failover/failback --take-over-lease, against mocked AWS", () => {
  beforeEach(() => {
    resetMocks();
    standardParameters();
    acceptStartExecution();
  });

  it("puts the named holder into the failover's input after showing that it holds the lease in the region being activated", async () => {
    answerControlTables({ [SECONDARY]: { lease: leaseItem(FAILBACK_NAME, "failback", PRIMARY) } });

    const out = await drctl([
      "failover",
      "--to",
      "us-east-2",
      "--confirm",
      "us-east-2",
      "--take-over-lease",
      FAILBACK_NAME,
      "--no-follow",
      "--json",
    ]);

    expect(out.code).toBe(0);
    const input = { mode: "failover", targetRegion: SECONDARY, requestedBy: "alice", takeOverLease: FAILBACK_NAME };
    expect(await started()).toEqual({ region: SECONDARY, stateMachineArn: stateMachineArn(SECONDARY), input });
    expect(JSON.parse(out.stdout).execution).toMatchObject({ name: FAILOVER_NAME, status: "RUNNING", input });
    expect(out.stderr.split("\n").slice(0, 2)).toEqual([
      `lease: held by ${HELD_BY_FAILBACK}; this run takes it over (--take-over-lease)`,
      `started ${FAILOVER_NAME} in us-east-2`,
    ]);
    // Read where AcquireLease will read it: the activated region's replica, strongly consistent.
    expect(await leaseReads()).toEqual([{ region: SECONDARY, key: { pk: "lease" }, consistentRead: true }]);
  });

  it("puts it into a failback's input, checked against the lease in the primary", async () => {
    answerControlTables({ [PRIMARY]: { lease: leaseItem(FAILOVER_NAME, "failover", SECONDARY) } });

    const out = await drctl(["failback", "--confirm", "us-east-1", "--take-over-lease", FAILOVER_NAME, "--no-follow"]);

    expect(out.code).toBe(0);
    expect(await started()).toEqual({
      region: PRIMARY,
      stateMachineArn: stateMachineArn(PRIMARY),
      input: { mode: "failback", targetRegion: PRIMARY, requestedBy: "alice", takeOverLease: FAILOVER_NAME },
    });
    expect(out.stderr).toContain(`lease: held by ${FAILOVER_NAME} (failover in us-east-2) since`);
  });

  it("shows the holder before the prompt, and the prompt says the lease is taken over", async () => {
    answerControlTables({ [SECONDARY]: { lease: leaseItem(FAILBACK_NAME, "failback", PRIMARY) } });

    const out = await drctl(["failover", "--to", "us-east-2", "--take-over-lease", FAILBACK_NAME, "--no-follow"], { tty: "us-east-2\n" });

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      `lease: held by ${HELD_BY_FAILBACK}; this run takes it over (--take-over-lease)\n` +
        "failover: moves payment traffic of prod to us-east-2; the other region is fenced. " +
        `It first takes the DR lease over from ${FAILBACK_NAME}, which must no longer be running.\n` +
        "Type the region to confirm (us-east-2): ",
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("rejects a wrong answer at the prompt and starts nothing", async () => {
    answerControlTables({ [SECONDARY]: { lease: leaseItem(FAILBACK_NAME, "failback", PRIMARY) } });

    const out = await drctl(["failover", "--to", "us-east-2", "--take-over-lease", FAILBACK_NAME], { tty: "us-east-1\n" });

    expect(out.code).toBe(2);
    expect(out.stderr).toContain('drctl: you typed "us-east-1", not us-east-2; nothing was started\n');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("refuses, naming the holder, when the named execution does not hold the lease, and starts nothing", async () => {
    answerControlTables({ [SECONDARY]: { lease: leaseItem(FAILBACK_NAME, "failback", PRIMARY) } });
    const other = "manual-failback-20250601T100000Z-bob";

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--take-over-lease", other, "--json"]);

    expect(out.code).toBe(2);
    const message = `--take-over-lease ${other}: the DR lease in us-east-2 is held by ${HELD_BY_FAILBACK}, not by ${other}; nothing was started`;
    expect(out.stderr).toBe(
      `drctl: ${message}\n` +
        "  hint: take a lease over only from its holder, and only once that execution no longer runs: drctl status --env prod shows the " +
        `running executions, aws stepfunctions describe-execution whether ${FAILBACK_NAME} still runs\n`,
    );
    expect(JSON.parse(out.stdout)).toEqual({ error: { kind: "usage", exitCode: 2, message } });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it.each([
    ["no lease item", {}, "--take-over-lease X: the DR lease in us-east-2 is free: there is nothing to take over; nothing was started"],
    [
      "an expired lease",
      { lease: leaseItem("X", "failback", PRIMARY, at(-1)) },
      "--take-over-lease X: the DR lease in us-east-2 is free (X's lease expired at 2025-06-01T11:59:59.000Z): there is nothing to take over; nothing was started",
    ],
  ])("refuses when there is nothing to take over (%s), and starts nothing", async (_label, items, message) => {
    answerControlTables({ [SECONDARY]: items });

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--take-over-lease", "X"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`drctl: ${message}\n  hint: run the command again without --take-over-lease\n`);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("warns and starts when the lease cannot be read: the state machine checks the holder again", async () => {
    ddb.on(GetCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: dynamodb:GetItem"));

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--take-over-lease", FAILBACK_NAME, "--no-follow"]);

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      "warning: could not read the DR lease in us-east-2 (dynamodb:GetItem in us-east-2: access denied (AccessDeniedException: not authorized to perform: dynamodb:GetItem)); " +
        `starting anyway: the run takes the lease over only from ${FAILBACK_NAME}, and fails with LeaseHeldError if another run holds it\n`,
    );
    expect((await started()).input).toMatchObject({ takeOverLease: FAILBACK_NAME });
  });

  const allowed =
    'an execution name, the lease holder as `drctl status` shows it (1 to 80 characters: no spaces, none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /)';
  it.each([
    [
      "a name with a space",
      ["failover", "--to", "us-east-2", "--take-over-lease", "manual failback"],
      `--take-over-lease "manual failback" is not ${allowed}`,
    ],
    ["an empty name", ["failback", "--take-over-lease", ""], `--take-over-lease "" is not ${allowed}`],
    [
      "a name longer than 80 characters",
      ["failback", "--take-over-lease", "x".repeat(81)],
      `--take-over-lease "${"x".repeat(81)}" is not ${allowed}`,
    ],
    [
      "an execution ARN",
      [
        "failover",
        "--to",
        "us-east-2",
        "--take-over-lease",
        `arn:aws:states:us-east-1:123456789012:execution:payments-dr-us-east-1-prod:${FAILBACK_NAME}`,
      ],
      `--take-over-lease takes ${allowed}, not an ARN\n  hint: --take-over-lease ${FAILBACK_NAME}`,
    ],
    [
      "--dry-run",
      ["failover", "--to", "us-east-2", "--dry-run", "--take-over-lease", FAILBACK_NAME],
      "--take-over-lease cannot be used with --dry-run: a dry-run takes no lease\n" +
        "  hint: run the dry-run without it: its lease finding names the holder, the other findings say whether the run would act",
    ],
  ])("rejects %s with exit code 2 before any AWS call", async (_label, argv, message) => {
    const out = await drctl(argv);

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`drctl: ${message}\n`);
    expect(allCalls()).toBe(0);
  });

  it("is not a flag of drill (a drill never takes a lease over)", async () => {
    const out = await drctl(["drill", "--confirm", "us-east-2", "--take-over-lease", FAILBACK_NAME]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("error: unknown option '--take-over-lease'");
    expect(allCalls()).toBe(0);
  });

  it.each(["failover", "failback"])("is documented in drctl %s --help, with an example", async (command) => {
    const out = await drctl([command, "--help"]);

    expect(out.code).toBe(0);
    expect(out.stdout).toContain("--take-over-lease <execution>");
    expect(out.stdout).toMatch(new RegExp(`\\$ drctl ${command} --env prod .*--take-over-lease manual-`));
    expect(out.stdout).toContain("Never name an execution that is still running");
  });
});

describe("drctl failover --take-over-lease, end to end in the simulated world", () => {
  let aws: SimulatedAws;
  beforeAll(async () => {
    // The simulated AWS answers the same SDK clients the mocks above stub: give them back first.
    for (const mock of [ssm, sfn, ddb, s3, cloudwatch, route53]) mock.restore();
    aws = SimulatedAws.fromEvaluation(await stack());
  });
  afterAll(() => aws?.dispose());

  const startExecutionsFromOperator = (t: TestWorld, region: string) =>
    t.calls({ service: "sfn", operation: "StartExecution", from: "internet", region });

  it("takes over the lease of a failback whose region died mid-run, from the surviving region, which becomes ACTIVE", async () => {
    // After a failover: the primary FENCED, the secondary ACTIVE. Quiet: no canary, alarm rule or
    // reconciler starts a run by itself, so the lease is only taken over by the operator's run.
    const t = await failedOver(aws);
    const { primary, secondary } = t;
    // The primary dies a millisecond after the failback's handover (primary ACTIVE, secondary
    // STANDBY) is written, before the failback can confirm DNS and finish.
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "authority" && (item.states as Record<string, string>)[primary] === "ACTIVE",
      () => t.world.clock.after(1, () => t.world.outage(primary)),
    );
    const died = new Promise<void>((resolve) => t.world.reachability.onChange((r, up) => r === primary && !up && resolve()));

    const failback = await drctlInWorld(t.world, t.clock, ["failback", "--env", "dev", "--confirm", primary, "--no-follow", "--json"]);
    expect(failback.code).toBe(0);
    const holder: string = JSON.parse(failback.stdout).execution.name;
    await t.settle(died, 10 * 60_000);
    // Its execution is frozen in the dead region; its lease stays (for hours) in the survivor's replica.
    expect(t.control(secondary, "lease")).toMatchObject({ holder, mode: "failback", region: primary });
    expect(t.regionRecord(secondary, secondary)).toMatchObject({ state: "STANDBY" });
    expect(t.executions(primary).find((e) => e.name === holder)?.status).toBe("RUNNING");

    // A name that is not the holder is refused before anything starts.
    const wrong = await drctlInWorld(t.world, t.clock, [
      "failover",
      "--env",
      "dev",
      "--to",
      secondary,
      "--confirm",
      secondary,
      "--take-over-lease",
      "manual-failback-20300101T000000Z-bob",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`the DR lease in us-east-2 is held by ${holder} (failback in us-east-1) since`);
    expect(startExecutionsFromOperator(t, secondary)).toHaveLength(0);

    const out = await drctlInWorld(
      t.world,
      t.clock,
      ["failover", "--env", "dev", "--to", secondary, "--confirm", secondary, "--take-over-lease", holder, "--json"],
      { DRCTL_POLL_SECONDS: "1" },
      15 * 60_000,
    );

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`lease: held by ${holder} (failback in us-east-1) since`);
    const result = JSON.parse(out.stdout);
    expect(result.execution).toMatchObject({
      region: secondary,
      mode: "failover",
      status: "SUCCEEDED",
      input: { mode: "failover", targetRegion: secondary, takeOverLease: holder },
    });
    expect(result.decisions).toContainEqual({
      step: "AcquireLease",
      decision: "proceed",
      reason: expect.stringContaining(`taken over from ${holder} (failback in us-east-1) at the operator's request`),
    });
    const [execution] = t.executions(secondary).filter((e) => e.name === result.execution.name);
    expect(outputsOf(execution, "AcquireLease")[0].steps.lease.Payload).toMatchObject({ acquired: true, takenOverFrom: { holder } });
    expect(t.regionRecord(secondary, secondary)).toMatchObject({ state: "ACTIVE" });
    expect(t.regionRecord(secondary, primary)).toMatchObject({ state: "FENCED" });
    // Released at the end, as every run releases its own lease.
    expect(t.control(secondary, "lease")).toBeUndefined();
    expect(startExecutionsFromOperator(t, secondary)).toHaveLength(1);
  }, 180_000);
});
