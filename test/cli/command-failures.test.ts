/**
 * failback, drill, approve, reject and report when AWS fails them (issue 7: access denied, an
 * unreachable region, no credentials, throttling): exit code 3, one line on stderr naming the
 * call, the region and the problem, plus a hint, never a stack trace, nothing on stdout, and
 * nothing started, answered or deleted.
 *
 * What mocks cannot prove: aws-sdk-client-mock replaces `send`, so neither the SDK's retries nor
 * its credential resolution run here. A rejection below stands for what the SDK hands drctl
 * *after* its attempts (ThrottlingException), or when its credential chain found nothing
 * (CredentialsProviderError, raised inside `send` before any request).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { AccessDeniedException, ThrottlingException } from "@aws-sdk/client-ssm";
import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { awsError, byRegion, cloudwatch, ddb, drctl, resetMocks, route53, s3, sfn, ssm, standardParameters } from "./support/harness";
import { ACCOUNT, evidenceBucket, executionArn, NOW, PRIMARY, SECONDARY } from "./support/fixtures";
import { FAILOVER_NAME } from "./support/scenarios";

const WAITING = "alarm-payments-dr-peer-health-us-east-2-prod-1a2b3c";
const DRILL_FAILBACK = "manual-drill-20250601T120000Z-alice-failback";
const ACCESS_HINT = "  hint: your role lacks this permission; docs/cli.md lists what drctl needs\n";
const THROTTLE_HINT = "  hint: wait a few seconds and run it again\n";

type Recorded = { calls(): { args: unknown[]; callId: number }[] };
/** Every command any mocked client received, by class name, in the order they were sent (sinon's global callId). */
const sent = () =>
  ([ssm, sfn, ddb, s3, cloudwatch, route53] as unknown as Recorded[])
    .flatMap((m) => m.calls())
    .sort((a, b) => a.callId - b.callId)
    .map((call) => (call.args[0] as object).constructor.name);

/** Each command as an operator runs it, the region it needs, and what it must never send when AWS fails it. */
const COMMANDS: [string, { argv: string[]; region: string; neverSent: string[] }][] = [
  [
    "failback",
    {
      argv: ["failback", "--confirm", "us-east-1", "--reason", "INC-1 primary recovered"],
      region: PRIMARY,
      neverSent: ["StartExecutionCommand"],
    },
  ],
  ["drill", { argv: ["drill", "--hold", "300", "--confirm", "us-east-2"], region: SECONDARY, neverSent: ["StartExecutionCommand"] }],
  [
    "approve",
    {
      argv: ["approve", "--region", "us-east-2", WAITING, "--comment", "lag accepted"],
      region: SECONDARY,
      neverSent: ["SendTaskSuccessCommand", "DeleteCommand"],
    },
  ],
  [
    "reject",
    { argv: ["reject", executionArn(SECONDARY, WAITING)], region: SECONDARY, neverSent: ["SendTaskFailureCommand", "DeleteCommand"] },
  ],
  ["report", { argv: ["report", "--region", "us-east-1", DRILL_FAILBACK], region: PRIMARY, neverSent: ["GetObjectCommand"] }],
];

/** Every client of `region` answers with `behaviour`; a call to any other region fails the test (TestMockMissing). */
function regionAnswers(region: string, behaviour: () => unknown): void {
  for (const m of [ssm, sfn, ddb, s3]) m.callsFake(byRegion({ [region]: behaviour }) as never);
}

/** What the SDK's credential chain throws when no provider has credentials (@smithy CredentialsProviderError). */
const noCredentials = () =>
  Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError", tryNextLink: false });

interface Failure {
  arrange(region: string): void;
  env?: Record<string, string>;
  stderr(region: string): string;
}

const DENIAL = `User: arn:aws:sts::${ACCOUNT}:assumed-role/oncall/alice is not authorized to perform: ssm:GetParametersByPath`;
const deniedMessage = (region: string) => `ssm:GetParametersByPath in ${region}: access denied (AccessDeniedException: ${DENIAL})`;
const DENIED: Failure = {
  arrange: (region) =>
    regionAnswers(region, () => {
      throw new AccessDeniedException({ $metadata: { httpStatusCode: 400 }, message: DENIAL, Message: DENIAL });
    }),
  stderr: (region) => `drctl: ${deniedMessage(region)}\n${ACCESS_HINT}`,
};

/** Failures of the first AWS call every one of these commands makes: reading the stack's SSM parameters. */
const FAILURES: [string, Failure][] = [
  ["its first call (ssm:GetParametersByPath) is denied", DENIED],
  [
    "its region's connections time out",
    {
      arrange: (region) =>
        regionAnswers(region, () => {
          throw Object.assign(new Error("connect ETIMEDOUT 3.5.0.1:443"), { code: "ETIMEDOUT" });
        }),
      stderr: (region) =>
        `drctl: ${region} is unreachable: ssm:GetParametersByPath failed (Error: connect ETIMEDOUT 3.5.0.1:443)\n` +
        "  hint: the region may be down or your network may block it; commands that do not need it still work\n",
    },
  ],
  [
    "its region does not answer within DRCTL_CALL_TIMEOUT_SECONDS",
    {
      arrange: (region) => regionAnswers(region, () => new Promise(() => undefined)), // a black hole
      env: { DRCTL_CALL_TIMEOUT_SECONDS: "0.2" },
      stderr: (region) =>
        `drctl: ${region} is unreachable: ssm:GetParametersByPath got no answer within 0.2 s\n` +
        "  hint: the region may be down or your network may block it; raise DRCTL_CALL_TIMEOUT_SECONDS if the link is just slow\n",
    },
  ],
  [
    "there are no AWS credentials",
    {
      arrange: () => [ssm, sfn, ddb, s3].forEach((m) => m.rejects(noCredentials())),
      stderr: (region) =>
        `drctl: ssm:GetParametersByPath in ${region}: no valid AWS credentials (CredentialsProviderError: Could not load credentials from any providers)\n` +
        "  hint: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or refresh your session (aws sso login)\n",
    },
  ],
  [
    "AWS still throttles it after the SDK's retries",
    {
      arrange: (region) =>
        regionAnswers(region, () => {
          throw new ThrottlingException({
            $metadata: { httpStatusCode: 400, attempts: 3 },
            message: "Rate exceeded",
            Message: "Rate exceeded",
          });
        }),
      stderr: (region) =>
        `drctl: ssm:GetParametersByPath in ${region}: throttled by AWS after retries (ThrottlingException: Rate exceeded)\n${THROTTLE_HINT}`,
    },
  ],
];

beforeEach(() => resetMocks());

describe.each(COMMANDS)("drctl %s when AWS fails its first call", (_command, { argv, region, neverSent }) => {
  it.each(FAILURES)("fails with exit code 3 and sends nothing when %s", async (_label, failure) => {
    failure.arrange(region);

    const out = await drctl(argv, { env: failure.env });

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(failure.stderr(region));
    expect(out.stderr).not.toMatch(/^\s+at /m);
    expect(out.stdout).toBe("");
    // It stopped at the failed call: nothing started, answered, deleted or read after it.
    expect(sent()).toEqual(["GetParametersByPathCommand"]);
    for (const command of neverSent) expect(sent()).not.toContain(command);
  });

  it("fails with the error as JSON on stdout with --json", async () => {
    DENIED.arrange(region);

    const out = await drctl([...argv, "--json"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(DENIED.stderr(region));
    expect(JSON.parse(out.stdout)).toEqual({ error: { kind: "access-denied", exitCode: 3, message: deniedMessage(region) } });
  });
});

describe("AWS failing a command's own call, after the stack was found", () => {
  const approvalItem = {
    pk: `approval#${WAITING}`,
    executionName: WAITING,
    taskToken: "task-token",
    requestedAt: NOW - 60_000,
    summary: "failover in us-east-2 wants to proceed",
    expiresAt: NOW / 1000 + 600,
  };

  beforeEach(() => {
    standardParameters();
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(SECONDARY, FAILOVER_NAME), startDate: new Date(NOW) });
    ddb.on(GetCommand).resolves({ Item: approvalItem });
    ddb.on(DeleteCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });

  it.each([
    [
      "failback, when StartExecution is still throttled after retries",
      ["failback", "--confirm", "us-east-1"],
      () => sfn.on(StartExecutionCommand).rejects(awsError("ThrottlingException", "Rate exceeded")),
      `drctl: states:StartExecution in us-east-1: throttled by AWS after retries (ThrottlingException: Rate exceeded)\n${THROTTLE_HINT}`,
      ["StartExecutionCommand"],
    ],
    [
      "drill, when StartExecution is denied",
      ["drill", "--confirm", "us-east-2"],
      () => sfn.on(StartExecutionCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: states:StartExecution")),
      `drctl: states:StartExecution in us-east-2: access denied (AccessDeniedException: not authorized to perform: states:StartExecution)\n${ACCESS_HINT}`,
      ["StartExecutionCommand"],
    ],
    [
      "report, when S3 slows it down (S3's throttling) after retries",
      ["report", "--region", "us-east-1", DRILL_FAILBACK],
      () => s3.on(GetObjectCommand).rejects(awsError("SlowDown", "Please reduce your request rate.", 503)),
      `drctl: s3:GetObject in us-east-1: throttled by AWS after retries (SlowDown: Please reduce your request rate.)\n${THROTTLE_HINT}`,
      ["GetObjectCommand"],
    ],
    [
      "reject, when reading the control table is denied",
      ["reject", "--region", "us-east-2", WAITING],
      () => ddb.on(GetCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: dynamodb:GetItem")),
      `drctl: dynamodb:GetItem in us-east-2: access denied (AccessDeniedException: not authorized to perform: dynamodb:GetItem)\n${ACCESS_HINT}`,
      ["GetCommand"],
    ],
    [
      "approve, when SendTaskSuccess is still throttled after retries (the item is kept)",
      ["approve", "--region", "us-east-2", WAITING],
      () => sfn.on(SendTaskSuccessCommand).rejects(awsError("ThrottlingException", "Rate exceeded")),
      `request: failover in us-east-2 wants to proceed\ndrctl: states:SendTaskSuccess in us-east-2: throttled by AWS after retries (ThrottlingException: Rate exceeded)\n${THROTTLE_HINT}`,
      ["GetCommand", "SendTaskSuccessCommand"],
    ],
  ])("fails %s: exit code 3, nothing on stdout, nothing after the failed call", async (_label, argv, arrange, stderr, calls) => {
    arrange();

    const out = await drctl(argv);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(stderr);
    expect(out.stdout).toBe("");
    expect(sent().filter((name) => name !== "GetParametersByPathCommand")).toEqual(calls);
  });

  it("reads the report from the evidence bucket of the region it names", async () => {
    s3.on(GetObjectCommand).rejects(awsError("SlowDown", "Please reduce your request rate.", 503));

    await drctl(["report", "--region", "us-east-1", DRILL_FAILBACK]);

    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({
      Bucket: evidenceBucket(PRIMARY),
      Key: `reports/${DRILL_FAILBACK}/report.json`,
    });
  });
});
