import { mockClient } from "aws-sdk-client-mock";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { StartResult } from "../../runbooks/handlers/start-execution/index";

const STATE_MACHINE = "arn:aws:states:us-east-2:123456789012:stateMachine:payments-dr-us-east-2-prod";
let handler: (event: unknown) => Promise<StartResult>;
const sfn = mockClient(SFNClient);

beforeAll(() => {
  process.env.LOCAL_REGION = "us-east-2";
  process.env.STATE_MACHINE_ARN = STATE_MACHINE;
  process.env.METRIC_NAMESPACE = "PaymentsDR";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require("../../runbooks/handlers/start-execution/index").handler;
});
beforeEach(() => sfn.reset());

const event = (state = "ALARM", id = "evt-1") => ({
  version: "0",
  id,
  "detail-type": "CloudWatch Alarm State Change",
  source: "aws.cloudwatch",
  account: "123456789012",
  time: "2025-06-01T12:00:00Z",
  region: "us-east-2",
  resources: ["arn:aws:cloudwatch:us-east-2:123456789012:alarm:payments-dr-peer-health-us-east-2-prod"],
  detail: {
    alarmName: "payments-dr-peer-health-us-east-2-prod",
    state: { value: state, reason: "Threshold Crossed", timestamp: "2025-06-01T12:00:00.123+0000" },
    previousState: { value: "OK", reason: "", timestamp: "2025-06-01T11:00:00.000+0000" },
    configuration: {
      metrics: [
        {
          id: "m1",
          metricStat: {
            metric: {
              namespace: "PaymentsDR",
              name: "PeerHealthy",
              dimensions: { Environment: "prod", Region: "us-east-2", Peer: "us-east-1" },
            },
            period: 10,
            stat: "Maximum",
          },
          returnData: true,
        },
      ],
    },
  },
});

describe("start-execution (EventBridge target)", () => {
  it("starts this region's machine in failover mode with a deterministic name", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date() });

    const out = await handler(event());

    expect(out).toMatchObject({ started: true, executionArn: "arn:exec" });
    const call = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(call.stateMachineArn).toBe(STATE_MACHINE);
    expect(JSON.parse(call.input!)).toMatchObject({
      mode: "failover",
      targetRegion: "us-east-2",
      trigger: { source: "alarm", subjectRegion: "us-east-1", eventId: "evt-1" },
    });
    await handler(event("ALARM", "redelivered"));
    expect(sfn.commandCalls(StartExecutionCommand)[1].args[0].input.name).toBe(call.name);
  });

  it("treats ExecutionAlreadyExists (a duplicate event) as success", async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));
    await expect(handler(event())).resolves.toMatchObject({ started: false, duplicate: true });
  });

  it("starts nothing when the alarm returns to OK", async () => {
    await expect(handler(event("OK"))).resolves.toMatchObject({ started: false, duplicate: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("rejects an event that is not an alarm state change, and lets other errors through for EventBridge to retry", async () => {
    await expect(handler({ "detail-type": "Scheduled Event" })).rejects.toMatchObject({ name: "InvalidInputError" });
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    await expect(handler(event())).rejects.toMatchObject({ name: "ThrottlingException" });
  });
});
