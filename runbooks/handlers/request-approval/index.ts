/**
 * RequestApproval — the `.waitForTaskToken` step. Stores the task token under
 * `approval#<execution>` (so `drctl approve|reject <execution>` can find it and call
 * SendTaskSuccess / SendTaskFailure) and tells on-call what is waiting and why. The execution
 * resumes with the approval (SendTaskSuccess output `{ "approved": true, "approvedBy": "...",
 * "comment": "..." }`) or fails (SendTaskFailure error `ApprovalRejectedError`, or the step's
 * heartbeat/timeout).
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { snsSubject } from "../../domain/notifications";
import { runSchema } from "../../domain/run";
import { assessmentSchema, replicationSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("request-approval");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const sns = awsClient(SNSClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("request-approval");

const inputSchema = z.object({
  run: runSchema,
  taskToken: z.string().check(z.minLength(1)),
  /** The step's TimeoutSeconds: how long the stored token stays useful. */
  timeoutSeconds: z.number().check(z.int(), z.minimum(1)),
  /** The step's HeartbeatSeconds: the window unless someone sends a heartbeat. */
  heartbeatSeconds: z.number().check(z.int(), z.minimum(1)),
  assessment: assessmentSchema,
  replication: replicationSchema,
});

/** Why this run is waiting, in one paragraph. */
export function approvalSummary(input: z.infer<typeof inputSchema>): string {
  const reasons: string[] = [];
  if (input.assessment.needsApproval) reasons.push(input.assessment.approvalReason);
  if (input.replication.verdict !== "ok") reasons.push(`replication is not safe to promote blindly: ${input.replication.summary}`);
  return `${input.run.mode} in ${input.run.region} wants to proceed: ${input.assessment.action} — ${input.assessment.reason}. Waiting for approval because ${reasons.join("; ")}.`;
}

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "request-approval");

export const handler = stepHandler(
  "request-approval",
  inputSchema,
  logger,
  async (input) => {
    const { run } = input;
    const summary = approvalSummary(input);
    await table.storeApproval(run.executionName, input.taskToken, summary.slice(0, 2000), input.timeoutSeconds);
    const cli = `--env ${env.ENVIRONMENT} --region ${run.region} ${run.executionName}`;
    const message = [
      summary,
      `Replication: ${input.replication.summary}.`,
      `Approve:  npx drctl approve ${cli}`,
      `Reject:   npx drctl reject ${cli}`,
      `Without an answer the run fails after ${input.heartbeatSeconds} s (or ${input.timeoutSeconds} s if an operator extends the wait with a heartbeat).`,
      `Execution: ${run.executionId}`,
    ].join("\n");
    const out = await sns.send(
      new PublishCommand({
        TopicArn: env.ALERT_TOPIC_ARN,
        Subject: snsSubject(`[payments-dr ${env.ENVIRONMENT}] APPROVAL NEEDED: ${run.mode} in ${run.region}`),
        Message: message,
        MessageAttributes: {
          event: { DataType: "String", StringValue: "approval-requested" },
          mode: { DataType: "String", StringValue: run.mode },
          region: { DataType: "String", StringValue: run.region },
          execution: { DataType: "String", StringValue: run.executionName },
        },
      }),
    );
    return { requestedAt: Date.now(), messageId: out.MessageId ?? "" };
  },
  { lease },
);
