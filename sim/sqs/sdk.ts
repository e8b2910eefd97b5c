/**
 * SQS through the SDK's SQSClient: each command reaches the simulated queues (model.ts) of the
 * client's region — a queue URL of another region does not exist there (QueueDoesNotExist).
 * Batch commands answer per entry (HTTP 200 with `Successful` and `Failed`), as SQS does.
 */
import * as sqs from "@aws-sdk/client-sqs";
import { currentCaller } from "../network";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";
import type { BatchCall, BatchEntryFailure } from "./model";

type Input = Record<string, any>;

function queueIn(b: SdkBackend, region: string, url: string): string {
  return b.sqs.queue(url, region).url;
}

function batchCall(b: SdkBackend, region: string, url: string): BatchCall {
  return { region, from: currentCaller().region, queueUrl: queueIn(b, region, url) };
}

/** BatchResultErrorEntry, as the SDK surfaces it. */
function failedEntry(f: BatchEntryFailure) {
  return { Id: f.id, Code: f.code, SenderFault: f.senderFault, Message: f.message };
}

export function installSqsFake(backend: () => SdkBackend): void {
  const b = backend;
  installFake(
    {
      service: "sqs",
      module: sqs as unknown as Record<string, unknown>,
      client: sqs.SQSClient,
      commands: [
        [
          sqs.SendMessageCommand,
          (i: Input, info) => ({ MessageId: b().sqs.send(queueIn(b(), info.region, i.QueueUrl), i.MessageBody, i.MessageAttributes) }),
        ],
        [
          sqs.SendMessageBatchCommand,
          (i: Input, info) => {
            const entries = ((i.Entries ?? []) as Input[]).map((e) => ({ id: e.Id, body: e.MessageBody, attributes: e.MessageAttributes }));
            const out = b().sqs.sendBatch(batchCall(b(), info.region, i.QueueUrl), entries);
            return {
              Successful: out.sent.map((s) => ({ Id: s.id, MessageId: s.messageId, MD5OfMessageBody: "" })),
              Failed: out.failed.map(failedEntry),
            };
          },
        ],
        [
          sqs.ReceiveMessageCommand,
          (i: Input, info) => ({
            Messages: b()
              .sqs.receive(queueIn(b(), info.region, i.QueueUrl), i.MaxNumberOfMessages ?? 1, i.VisibilityTimeout)
              .map((m) => ({
                MessageId: m.messageId,
                ReceiptHandle: m.receiptHandle,
                Body: m.body,
                MessageAttributes: m.attributes,
                Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
              })),
          }),
        ],
        [sqs.DeleteMessageCommand, (i: Input, info) => (b().sqs.delete(queueIn(b(), info.region, i.QueueUrl), i.ReceiptHandle), {})],
        [
          sqs.DeleteMessageBatchCommand,
          (i: Input, info) => {
            const entries = ((i.Entries ?? []) as Input[]).map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle }));
            const out = b().sqs.deleteBatch(batchCall(b(), info.region, i.QueueUrl), entries);
            return { Successful: out.deleted.map((id) => ({ Id: id })), Failed: out.failed.map(failedEntry) };
          },
        ],
        [
          sqs.GetQueueAttributesCommand,
          (i: Input, info) => {
            const a = b().sqs.attributes(queueIn(b(), info.region, i.QueueUrl));
            return {
              Attributes: { ApproximateNumberOfMessages: String(a.visible), ApproximateNumberOfMessagesNotVisible: String(a.inFlight) },
            };
          },
        ],
      ],
    },
    backend,
  );
}
