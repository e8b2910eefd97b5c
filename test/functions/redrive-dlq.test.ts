/**
 * redrive-dlq as deployed, in the one simulated AWS (support/simulated-region.ts): the primary's
 * function invoked as an operator invokes it, moving messages from its region's processing DLQ to
 * the processing queue (the stack's mappings are left out, so nothing consumes the queue). Batch
 * calls answer per entry, as SQS does; a failed entry is the fault vocabulary's
 * sqs-batch-entry-error (sim/experiments.ts), given here in the words of `npm start -- --fault`.
 */
import { parseFaultSpec } from "../../sim/experiments";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

const fill = (n: number) => Array.from({ length: n }, (_, i) => sim.seedMessage(sim.dlqUrl, { paymentId: `p-${i}` }));
const run = (input: unknown = {}) => sim.invoke<Record<string, unknown>>("redrive-dlq", input);
const bodies = (url: string) =>
  sim
    .queued(url)
    .map((m) => (m as { paymentId: string }).paymentId)
    .sort();
/** The default docs/runbooks.md promises operators ("default 100"). */
const DEFAULT_MAX_MESSAGES = 100;
const internalError = { name: "InternalError", message: "x", httpStatusCode: 500 };

describe("redrive-dlq", () => {
  it("moves every DLQ message to the processing queue in batches and reports counts", async () => {
    fill(23);

    const result = await run();

    expect(result).toEqual({ received: 23, redriven: 23, sendFailures: 0, deleteFailures: 0, stoppedBecause: "dlq-empty" });
    expect(sim.queued(sim.dlqUrl)).toEqual([]);
    expect(bodies(sim.queueUrl)).toEqual(Array.from({ length: 23 }, (_, i) => `p-${i}`).sort());
    expect(sim.sqs(["SendMessageBatch"])).toHaveLength(3);
    expect(sim.sqs().every((c) => c.region === sim.region)).toBe(true);
  });

  it("stops at maxMessages", async () => {
    fill(15);

    const result = await run({ maxMessages: 12 });

    expect(result).toMatchObject({ received: 12, redriven: 12, stoppedBecause: "max-messages" });
    expect(sim.queued(sim.dlqUrl)).toHaveLength(3);
    expect(sim.queued(sim.queueUrl)).toHaveLength(12);
  });

  it(`defaults to ${DEFAULT_MAX_MESSAGES} messages when called without input`, async () => {
    fill(DEFAULT_MAX_MESSAGES + 5);

    expect(await run(undefined)).toMatchObject({ redriven: DEFAULT_MAX_MESSAGES });
  });

  it("sends before it deletes: a message that could not be sent stays in the DLQ", async () => {
    fill(3);
    // SQS answers 200 with entry "1" in Failed; the SDK does not retry it.
    sim.fault(parseFaultSpec("sqs-batch-entry-error:operations=SendMessageBatch,entries=1,count=1").fault);

    const result = await run();

    expect(result).toMatchObject({ received: 3, redriven: 2, sendFailures: 1, deleteFailures: 0 });
    expect(bodies(sim.dlqUrl)).toEqual(["p-1"]);
    expect(bodies(sim.queueUrl)).toEqual(["p-0", "p-2"]);
    expect(sim.sqs(["SendMessageBatch"]).map((c) => c.outcome)).toEqual(["ok"]);
  });

  it("loses nothing when the delete fails after the send (the message is redriven again later)", async () => {
    fill(2);
    sim.fail({ service: "sqs", operations: ["DeleteMessageBatch"] }, internalError);

    const result = await run();

    expect(result).toMatchObject({ redriven: 2, deleteFailures: 2 });
    expect(bodies(sim.queueUrl)).toEqual(["p-0", "p-1"]);
    expect(bodies(sim.dlqUrl)).toEqual(["p-0", "p-1"]);
  });

  it("counts the entries SQS could not delete, and leaves them in the DLQ", async () => {
    fill(2);
    sim.fault({ action: "sqs-batch-entry-error", operations: ["DeleteMessageBatch"], entryIds: ["0"], count: 1 });

    const result = await run();

    expect(result).toMatchObject({ redriven: 2, deleteFailures: 1 });
    expect(bodies(sim.queueUrl)).toEqual(["p-0", "p-1"]);
    expect(bodies(sim.dlqUrl)).toEqual(["p-0"]);
  });

  it("keeps nothing behind when the whole send fails: the messages stay in the DLQ and the run fails", async () => {
    fill(2);
    sim.fail({ service: "sqs", operations: ["SendMessageBatch"] }, internalError);

    await expect(run()).rejects.toThrow("x");
    expect(bodies(sim.dlqUrl)).toEqual(["p-0", "p-1"]);
    expect(sim.sqs(["DeleteMessageBatch"])).toEqual([]);
  });

  it.each([
    ["a negative maxMessages", { maxMessages: -1 }],
    ["a fractional maxMessages", { maxMessages: 1.5 }],
    ["a maxMessages above the limit", { maxMessages: 1001 }],
    ["a string maxMessages", { maxMessages: "10" }],
    ["an unknown field", { queue: "other" }],
    ["an array", [1]],
  ])("rejects %s before touching any queue", async (_case, input) => {
    await expect(run(input)).rejects.toMatchObject({
      name: "InvalidRedriveInputError",
      message: expect.stringMatching(/maxMessages|queue|expected/),
    });
    expect(sim.sqs()).toEqual([]);
  });
});
