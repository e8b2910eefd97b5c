import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { GetParametersByPathCommand } from "@aws-sdk/client-ssm";
import { answerParameters, awsError, cloudwatch, drctl, networkError, resetMocks, sfn, ssm } from "./support/harness";
import { parameters, PRIMARY, SECONDARY } from "./support/fixtures";
import { healthyWorld, statusDns } from "./support/status-world";

beforeEach(() => {
  resetMocks();
  healthyWorld();
});

describe("drctl status: failures", () => {
  it("never hangs: a region that does not answer is given up after DRCTL_CALL_TIMEOUT_SECONDS", async () => {
    ssm
      .on(GetParametersByPathCommand)
      .callsFake(async (input: { Path: string }, getClient: () => { config: { region: () => Promise<string> } }) => {
        const region = await getClient().config.region();
        if (region === SECONDARY) return new Promise(() => undefined); // a black hole
        return { Parameters: Object.entries(parameters(PRIMARY)).map(([k, v]) => ({ Name: `${input.Path}${k}`, Value: v })) };
      });

    const started = Date.now();
    const out = await drctl(["status", "--json"], { dns: statusDns, env: { DRCTL_CALL_TIMEOUT_SECONDS: "0.2" } });

    expect(Date.now() - started).toBeLessThan(30_000); // 150 times the limit: a loaded machine delays timers, it does not multiply them
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).regions[1].error).toEqual({
      kind: "unreachable",
      message: "us-east-2 is unreachable: ssm:GetParametersByPath got no answer within 0.2 s",
      hint: "the region may be down or your network may block it; raise DRCTL_CALL_TIMEOUT_SECONDS if the link is just slow",
    });
  });

  it("fails with exit code 3 when no region can be read", async () => {
    answerParameters({ [PRIMARY]: networkError("ssm.us-east-1.amazonaws.com"), [SECONDARY]: networkError("ssm.us-east-2.amazonaws.com") });

    const out = await drctl(["status"], { dns: statusDns });

    expect(out.code).toBe(3);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(
      "drctl: us-east-1 is unreachable: ssm:GetParametersByPath failed (Error: connect ECONNREFUSED ssm.us-east-1.amazonaws.com); " +
        "us-east-2 is unreachable: ssm:GetParametersByPath failed (Error: connect ECONNREFUSED ssm.us-east-2.amazonaws.com)\n" +
        "  hint: the region may be down or your network may block it; commands that do not need it still work\n",
    );
  });

  it("fails with exit code 3 and says what to do when there are no credentials", async () => {
    ssm.on(GetParametersByPathCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));

    const out = await drctl(["status"], { dns: statusDns });

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: ssm:GetParametersByPath in us-east-1: no valid AWS credentials (CredentialsProviderError: Could not load credentials from any providers)\n" +
        "  hint: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or refresh your session (aws sso login)\n",
    );
  });

  it("fails with exit code 3 for an unknown stack", async () => {
    answerParameters({ [PRIMARY]: {}, [SECONDARY]: {} });

    const out = await drctl(["status", "--env", "qa"], { dns: statusDns });

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: no payments-dr stack in us-east-1: no SSM parameters under /payments-dr/qa/; no payments-dr stack in us-east-2: no SSM parameters under /payments-dr/qa/\n" +
        "  hint: check --env (the environment the stack was deployed with) and --primary-region/--secondary-region\n",
    );
  });

  it("shows a denied or throttled part as unknown and keeps the rest", async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(awsError("AccessDenied", "User is not authorized to perform: cloudwatch:DescribeAlarms", 403));
    sfn.on(ListExecutionsCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));

    const out = await drctl(["status"], { dns: statusDns });

    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      "ALARMS IN ALARM\n" +
        "  us-east-1  unknown (cloudwatch:DescribeAlarms in us-east-1: access denied (AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms))\n" +
        "  us-east-2  unknown (cloudwatch:DescribeAlarms in us-east-2: access denied (AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms))\n",
    );
    expect(out.stdout).toContain(
      "  us-east-1  unknown (states:ListExecutions in us-east-1: throttled by AWS after retries (ThrottlingException: Rate exceeded))\n",
    );
    expect(out.stdout).toContain("  us-east-1  primary    ACTIVE   epoch 3");
  });
});
