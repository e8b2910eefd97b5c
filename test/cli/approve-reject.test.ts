import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { allCalls, awsError, byRegion, ddb, drctl, resetMocks, sfn, standardParameters } from "./support/harness";
import { CONTROL_TABLE, executionArn, NOW, SECONDARY } from "./support/fixtures";

const NAME = "alarm-payments-dr-peer-health-us-east-2-prod-1a2b3c";
const TOKEN = "AAAAKgAAAAIAAAAAAAAAAQ-task-token";
const SUMMARY =
  "failover in us-east-2 wants to proceed: failover — alarm about us-east-1 while STANDBY. Waiting for approval because autoFailover is false.";
const approvalItem = (expiresAt = NOW / 1000 + 600) => ({
  pk: `approval#${NAME}`,
  executionName: NAME,
  taskToken: TOKEN,
  requestedAt: NOW - 60_000,
  summary: SUMMARY,
  expiresAt,
});

beforeEach(() => {
  resetMocks();
  standardParameters();
  ddb.on(GetCommand).callsFake(
    byRegion({
      [SECONDARY]: (input: { Key: { pk: string } }) => ({ Item: input.Key.pk === `approval#${NAME}` ? approvalItem() : undefined }),
    }) as never,
  );
  ddb.on(DeleteCommand).resolves({});
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

describe("drctl approve", () => {
  it("sends the stored task token with approved=true and deletes the approval item", async () => {
    const out = await drctl(["approve", "--region", "us-east-2", NAME, "--comment", "INC-1: lag accepted"]);

    expect(out.code).toBe(0);
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: CONTROL_TABLE,
      Key: { pk: `approval#${NAME}` },
      ConsistentRead: true,
    });
    const sent = sfn.commandCalls(SendTaskSuccessCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0].args[0].input.taskToken).toBe(TOKEN);
    expect(JSON.parse(sent[0].args[0].input.output as string)).toEqual({
      approved: true,
      approvedBy: "alice",
      comment: "INC-1: lag accepted",
    });
    expect(ddb.commandCalls(DeleteCommand)[0].args[0].input).toEqual({ TableName: CONTROL_TABLE, Key: { pk: `approval#${NAME}` } });
    expect(out.stdout).toBe(`approved ${NAME} in us-east-2 as alice\ncomment: INC-1: lag accepted\n`);
    expect(out.stderr).toBe(`request: ${SUMMARY}\n`);
  });

  it("takes the region from an execution ARN, and prints JSON", async () => {
    const out = await drctl(["approve", executionArn(SECONDARY, NAME), "--json", "--operator", "bob"]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      execution: NAME,
      region: SECONDARY,
      answer: "approved",
      by: "bob",
      comment: null,
      request: SUMMARY,
      answeredAt: "2025-06-01T12:00:00.000Z",
    });
    const region = await (
      sfn.commandCalls(SendTaskSuccessCommand)[0].thisValue as { config: { region: () => Promise<string> } }
    ).config.region();
    expect(region).toBe(SECONDARY);
  });

  it("rejects a name without --region, and a --region that contradicts the ARN, before any AWS call", async () => {
    const noRegion = await drctl(["approve", NAME]);
    const contradiction = await drctl(["approve", executionArn(SECONDARY, NAME), "--region", "us-east-1"]);

    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain(`drctl: which region ran ${NAME}? pass --region <region> or the execution ARN\n`);
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr).toBe("drctl: --region us-east-1 contradicts the execution ARN, which is in us-east-2\n");
    expect(allCalls()).toBe(0);
  });

  it("fails with exit code 3 when no approval is waiting, sending nothing", async () => {
    const out = await drctl(["approve", "--region", "us-east-2", "manual-failover-20250601T110000Z-bob"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: no approval is waiting for manual-failover-20250601T110000Z-bob in us-east-2\n" +
        "  hint: it was already answered, it expired, or the run has not reached RequestApproval yet (drctl status shows the running execution)\n",
    );
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it("fails with exit code 3 for an expired request", async () => {
    ddb.on(GetCommand).resolves({ Item: approvalItem(NOW / 1000 - 1) });

    const out = await drctl(["approve", "--region", "us-east-2", NAME]);

    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`drctl: the approval request of ${NAME} expired at 2025-06-01T11:59:59.000Z\n`);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it("says so when the execution no longer waits for the token, and keeps the item", async () => {
    sfn.on(SendTaskSuccessCommand).rejects(awsError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"));

    const out = await drctl(["approve", "--region", "us-east-2", NAME]);

    expect(out.code).toBe(3);
    expect(out.stderr).toContain(
      `drctl: ${NAME} no longer waits for this approval: states:SendTaskSuccess in us-east-2 failed: TaskTimedOut: Task Timed Out: 'Provided task does not exist anymore'\n`,
    );
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it("fails with exit code 3 and a clear message when reading the control table is denied", async () => {
    ddb.on(GetCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: dynamodb:GetItem"));

    const out = await drctl(["approve", "--region", "us-east-2", NAME]);

    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "drctl: dynamodb:GetItem in us-east-2: access denied (AccessDeniedException: not authorized to perform: dynamodb:GetItem)\n" +
        "  hint: your role lacks this permission; docs/cli.md lists what drctl needs\n",
    );
  });

  it("reports success when the answer was sent but the item could not be deleted", async () => {
    ddb.on(DeleteCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));

    const out = await drctl(["approve", "--region", "us-east-2", NAME]);

    expect(out.code).toBe(0);
    expect(out.stderr).toContain("warning: the answer was sent, but the approval item could not be deleted");
  });
});

describe("drctl reject", () => {
  it("sends SendTaskFailure with ApprovalRejectedError and the reason, then deletes the item", async () => {
    const out = await drctl(["reject", "--region", "us-east-2", NAME, "--reason", "INC-1: primary is recovering", "--json"]);

    expect(out.code).toBe(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({
      taskToken: TOKEN,
      error: "ApprovalRejectedError",
      cause: "INC-1: primary is recovering",
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(1);
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      execution: NAME,
      region: SECONDARY,
      answer: "rejected",
      by: "alice",
      comment: "INC-1: primary is recovering",
      request: SUMMARY,
      answeredAt: "2025-06-01T12:00:00.000Z",
    });
  });

  it("names the operator in the cause when no reason is given", async () => {
    const out = await drctl(["reject", "--region", "us-east-2", NAME]);

    expect(out.code).toBe(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input.cause).toBe("rejected by alice with drctl");
    expect(out.stdout).toBe(`rejected ${NAME} in us-east-2 as alice\nreason: rejected by alice with drctl\n`);
  });
});
