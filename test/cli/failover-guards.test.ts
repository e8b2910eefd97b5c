import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { allCalls, answerParameters, awsError, drctl, resetMocks, sfn, standardParameters } from "./support/harness";
import { executionArn, NOW, parameters, PRIMARY, SECONDARY } from "./support/fixtures";
import { FAILOVER_NAME } from "./support/scenarios";

beforeEach(() => {
  resetMocks();
  standardParameters();
  sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(SECONDARY, FAILOVER_NAME), startDate: new Date(NOW) });
});

describe("drctl failover: confirmation", () => {
  it("asks on a terminal and starts when the operator types the target region", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--no-follow"], { tty: "us-east-2\n" });

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      "failover: moves payment traffic of prod to us-east-2; the other region is fenced.\nType the region to confirm (us-east-2): ",
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("rejects a wrong answer at the prompt and starts nothing", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--no-follow"], { tty: "us-east-1\n" });

    expect(out.code).toBe(2);
    expect(out.stderr).toContain('drctl: you typed "us-east-1", not us-east-2; nothing was started\n');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("rejects end of input at the prompt and starts nothing", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--no-follow"], { tty: "" });

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("drctl: no answer (end of input); nothing was started\n");
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("refuses without a terminal and without --confirm, before any AWS call", async () => {
    const out = await drctl(["failover", "--to", "us-east-2"], { pipe: "us-east-2\n" });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      "drctl: refusing to move traffic without confirmation: there is no terminal to ask on\n  hint: pass --confirm us-east-2 to confirm from a script\n",
    );
    expect(allCalls()).toBe(0);
  });

  it("refuses a --confirm that names another region, before any AWS call", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-1"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toBe("drctl: --confirm us-east-1 does not match the region being activated (us-east-2); nothing was started\n");
    expect(allCalls()).toBe(0);
  });
});

describe("drctl failover: validation and AWS errors", () => {
  it.each([
    [
      "a region that is not one of the stack's",
      ["failover", "--to", "eu-west-1", "--confirm", "eu-west-1"],
      "drctl: eu-west-1 is neither the primary (us-east-1) nor the secondary (us-east-2) region of prod\n",
    ],
    ["a malformed region", ["failover", "--to", "useast2"], 'drctl: --to "useast2" is not an AWS region code (e.g. us-east-2)\n'],
    [
      "a reason the input schema refuses",
      ["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--reason", "x".repeat(501)],
      "drctl: the state machine would reject this request: reason: Too big: expected string to have <=500 characters; nothing was started\n",
    ],
    [
      "a malformed environment",
      ["failover", "--to", "us-east-2", "--env", "Prod!"],
      'drctl: --env "Prod!" is not an environment name (a lower-case letter, then up to 11 letters or digits)\n',
    ],
  ])("rejects %s before any AWS call", async (_label, argv, message) => {
    const out = await drctl(argv);

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(message);
    expect(allCalls()).toBe(0);
  });

  it("rejects a missing environment with a hint", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"], { env: { DRCTL_ENV: undefined } });

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("drctl: no environment: pass --env <name> or set DRCTL_ENV\n");
  });

  it("rejects an unknown flag as a usage error", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--force"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("error: unknown option '--force'");
  });

  it("fails with exit code 3 and a clear message when starting is denied", async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(
        awsError(
          "AccessDeniedException",
          "User: arn:aws:sts::123456789012:assumed-role/oncall/alice is not authorized to perform: states:StartExecution",
          400,
        ),
      );

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--json"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: states:StartExecution in us-east-2: access denied (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/oncall/alice is not authorized to perform: states:StartExecution)\n" +
        "  hint: your role lacks this permission; docs/cli.md lists what drctl needs\n",
    );
    expect(JSON.parse(out.stdout)).toEqual({
      error: {
        kind: "access-denied",
        exitCode: 3,
        message:
          "states:StartExecution in us-east-2: access denied (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/oncall/alice is not authorized to perform: states:StartExecution)",
      },
    });
  });

  it("fails with exit code 3 when the activated region is unreachable", async () => {
    answerParameters({
      [SECONDARY]: Object.assign(new Error("connect ETIMEDOUT 3.5.0.1:443"), { code: "ETIMEDOUT" }),
      [PRIMARY]: parameters(PRIMARY),
    });

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: us-east-2 is unreachable: ssm:GetParametersByPath failed (Error: connect ETIMEDOUT 3.5.0.1:443)\n" +
        "  hint: the region may be down or your network may block it; commands that do not need it still work\n",
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("fails with exit code 3 for an unknown stack (no parameters under the prefix)", async () => {
    answerParameters({ [SECONDARY]: {}, [PRIMARY]: {} });

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--env", "staging"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: no payments-dr stack in us-east-2: no SSM parameters under /payments-dr/staging/\n" +
        "  hint: check --env (the environment the stack was deployed with) and --primary-region/--secondary-region\n",
    );
  });

  it("fails with exit code 3 when the stack has no state machine parameter yet", async () => {
    const { "dr/state-machine-arn": _, ...older } = parameters(SECONDARY);
    answerParameters({ [SECONDARY]: older });

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toContain("drctl: SSM parameter /payments-dr/prod/dr/state-machine-arn is missing or unreadable in us-east-2\n");
  });

  it("fails with exit code 2 when the stack's regions contradict the flags", async () => {
    answerParameters({ "us-west-2": parameters(SECONDARY) });

    const out = await drctl(["failover", "--to", "us-west-2", "--confirm", "us-west-2", "--secondary-region", "us-west-2"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      "drctl: the stack in us-west-2 says it is the secondary us-east-2 with peer us-east-1, but drctl was told primary us-east-1, secondary us-west-2\n",
    );
  });
});
