/**
 * GetExecutionHistory as the rehearsal builds it from the local executor's event log and the Task
 * runner's notes: the service's event types and detail fields, in the service's order, even
 * though the executor's events are read asynchronously while the Task runner is called at once.
 * What this cannot prove: that every detail field matches what Step Functions writes (only those
 * drctl and the console read are modelled).
 */
import { ExecutionHistory, historyPage } from "../../sim/stepfunctions/execution-history";

const ARN = "arn:aws:states:us-east-2:123456789012:execution:dr:run-1";
const lambda = () => ({ resourceType: "lambda", resource: "invoke" });
const state = (name: string, type: string, input: unknown = {}, output?: unknown) => ({
  name,
  type,
  input,
  ...(output !== undefined ? { output } : {}),
});

function run(): ExecutionHistory {
  const h = new ExecutionHistory(1000, '{"mode":"dry-run"}', "arn:aws:iam::123456789012:role/sfn");
  // The Task runner is called before the executor's StateEntered is read: its notes must wait.
  const attempt = h.beginAttempt();
  h.task(attempt, 1000, "TaskScheduled", { ...lambda(), region: "us-east-2", parameters: "{}" });
  h.task(attempt, 1000, "TaskStarted", lambda());
  h.executor({ type: "ExecutionStarted", timestamp: 1000 }, lambda);
  h.executor({ type: "StateEntered", timestamp: 1000, state: state("ValidateInput", "Task") }, lambda);
  h.task(attempt, 1020, "TaskSucceeded", { ...lambda(), output: '{"Payload":{}}' });
  h.executor({ type: "StateExited", timestamp: 1020, state: state("ValidateInput", "Task", {}, { run: { mode: "dry-run" } }) }, lambda);
  h.executor({ type: "StateEntered", timestamp: 1020, state: state("IsValid", "Choice") }, lambda);
  h.executor({ type: "StateExited", timestamp: 1020, state: state("IsValid", "Choice", {}, {}) }, lambda);
  h.executionEnded(1030, { status: "SUCCEEDED", output: '{"ok":true}' }); // the service's end may come first
  h.executor({ type: "StateEntered", timestamp: 1021, state: state("Done", "Succeed") }, lambda);
  h.executor({ type: "StateExited", timestamp: 1021, state: state("Done", "Succeed", {}, {}) }, lambda);
  h.executor({ type: "ExecutionSucceeded", timestamp: 1021 }, lambda);
  return h;
}

describe("an execution's history", () => {
  it("has Step Functions' events, in order, with consecutive ids", () => {
    const h = run();
    expect(h.events.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "SucceedStateEntered",
      "SucceedStateExited",
      "ExecutionSucceeded",
    ]);
    expect(h.events.map((e) => e.id)).toEqual(h.events.map((_, i) => i + 1));
    expect(h.events.every((e) => e.previousEventId === e.id - 1)).toBe(true);
  });

  it("puts details where the SDK has them", () => {
    const h = run();
    const byType = (t: string) => h.events.find((e) => e.type === t);
    expect(byType("ExecutionStarted")).toMatchObject({
      detailsKey: "executionStartedEventDetails",
      details: { input: '{"mode":"dry-run"}', roleArn: "arn:aws:iam::123456789012:role/sfn" },
    });
    expect(byType("TaskStateEntered")).toMatchObject({
      detailsKey: "stateEnteredEventDetails",
      details: { name: "ValidateInput", input: "{}" },
    });
    expect(byType("TaskStateExited")).toMatchObject({
      detailsKey: "stateExitedEventDetails",
      details: { name: "ValidateInput", output: '{"run":{"mode":"dry-run"}}' },
    });
    expect(byType("TaskScheduled")).toMatchObject({
      detailsKey: "taskScheduledEventDetails",
      details: { resourceType: "lambda", resource: "invoke", region: "us-east-2" },
    });
    expect(byType("ExecutionSucceeded")).toMatchObject({
      timestamp: 1030,
      detailsKey: "executionSucceededEventDetails",
      details: { output: '{"ok":true}' },
    });
  });

  it("reports a Task the executor timed out, and ignores what its abandoned runner says later", () => {
    const h = new ExecutionHistory(0, "{}", undefined);
    const attempt = h.beginAttempt();
    h.executor({ type: "StateEntered", timestamp: 0, state: state("CheckFenceAlarm", "Task") }, lambda);
    h.task(attempt, 0, "TaskScheduled", lambda());
    h.executor(
      { type: "StateFailed", timestamp: 30_000, state: state("CheckFenceAlarm", "Task"), Error: "States.Timeout", Cause: "Task timed out" },
      lambda,
    );
    h.task(attempt, 31_000, "TaskSucceeded", lambda());
    expect(h.events.map((e) => e.type)).toEqual(["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskTimedOut"]);
    expect(h.events[3].details).toMatchObject({ error: "States.Timeout", resourceType: "lambda" });
  });

  it("gives each retry its own TaskScheduled/TaskStarted after the failure", () => {
    const h = new ExecutionHistory(0, "{}", undefined);
    const first = h.beginAttempt();
    h.task(first, 0, "TaskScheduled", lambda());
    h.executor({ type: "StateEntered", timestamp: 0, state: state("Fence", "Task") }, lambda);
    h.task(first, 5, "TaskFailed", { ...lambda(), error: "Lambda.TooManyRequestsException", cause: "Rate Exceeded." });
    h.executor(
      { type: "StateFailed", timestamp: 5, state: state("Fence", "Task"), Error: "Lambda.TooManyRequestsException", Cause: "" },
      lambda,
    );
    const second = h.beginAttempt();
    h.task(second, 2005, "TaskScheduled", lambda()); // before the executor's StateRetried is read
    h.executor({ type: "StateRetried", timestamp: 2005, state: state("Fence", "Task") }, lambda);
    h.task(second, 2010, "TaskSucceeded", lambda());
    h.executor({ type: "StateExited", timestamp: 2010, state: state("Fence", "Task", {}, {}) }, lambda);
    expect(h.events.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskFailed",
      "TaskScheduled",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
  });

  it("pages newest first without repeating or losing events that arrive between pages", () => {
    const h = run();
    const first = historyPage(h, ARN, { pageSize: 4, reverseOrder: true });
    expect(first.events.map((e) => e.id)).toEqual([11, 10, 9, 8]);
    const second = historyPage(h, ARN, { pageSize: 4, reverseOrder: true, nextToken: first.nextToken });
    expect(second.events.map((e) => e.id)).toEqual([7, 6, 5, 4]);
    const third = historyPage(h, ARN, { pageSize: 4, reverseOrder: true, nextToken: second.nextToken });
    expect(third.events.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(third.nextToken).toBeUndefined();
    expect(() => historyPage(h, "arn:other", { pageSize: 4, nextToken: first.nextToken })).toThrow(
      expect.objectContaining({ name: "InvalidToken" }),
    );
  });

  it("leaves input and output out when includeExecutionData is false", () => {
    const page = historyPage(run(), ARN, { pageSize: 100, includeExecutionData: false });
    expect(page.events[1].details).toEqual({ name: "ValidateInput" });
    expect(page.events[0].details).toEqual({ roleArn: "arn:aws:iam::123456789012:role/sfn" });
  });

  it("refuses to answer for states it does not model", () => {
    const h = new ExecutionHistory(0, "{}", undefined);
    h.executor({ type: "StateEntered", timestamp: 0, state: state("Fan", "Map") }, lambda);
    expect(() => historyPage(h, ARN, { pageSize: 10 })).toThrow(/does not model Map state Fan/);
  });
});
