import { DLQ_URL, LOCAL_REGION, QUEUE_URL } from "./support/env";
import { DEFAULT_MAX_MESSAGES, handler, type RedriveInput } from "../../functions/redrive-dlq";
import { lambdaContext } from "./support/events";
import { createWorld, type World } from "./support/world";

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.reset());

const fill = (n: number) => Array.from({ length: n }, (_, i) => world.sqs.seed(DLQ_URL, { paymentId: `p-${i}` }));
const run = (input: unknown = {}) => handler(input as RedriveInput, lambdaContext(60_000));
const bodies = (url: string) =>
  world.sqs
    .messages(url)
    .map((m) => JSON.parse(m.body).paymentId)
    .sort();

describe("redrive-dlq", () => {
  it("moves every DLQ message to the processing queue in batches and reports counts", async () => {
    fill(23);

    const result = await run();

    expect(result).toEqual({ received: 23, redriven: 23, sendFailures: 0, deleteFailures: 0, stoppedBecause: "dlq-empty" });
    expect(world.sqs.messages(DLQ_URL)).toEqual([]);
    expect(bodies(QUEUE_URL)).toEqual(Array.from({ length: 23 }, (_, i) => `p-${i}`).sort());
    expect(world.sqs.calls.filter((c) => c.command === "SendMessageBatch")).toHaveLength(3);
    expect(world.sqs.calls.every((c) => c.region === LOCAL_REGION)).toBe(true);
  });

  it("stops at maxMessages", async () => {
    fill(15);

    const result = await run({ maxMessages: 12 });

    expect(result).toMatchObject({ received: 12, redriven: 12, stoppedBecause: "max-messages" });
    expect(world.sqs.messages(DLQ_URL)).toHaveLength(3);
    expect(world.sqs.messages(QUEUE_URL)).toHaveLength(12);
  });

  it(`defaults to ${DEFAULT_MAX_MESSAGES} messages when called without input`, async () => {
    fill(DEFAULT_MAX_MESSAGES + 5);

    expect(await handler(undefined, lambdaContext(60_000))).toMatchObject({ redriven: DEFAULT_MAX_MESSAGES });
  });

  it("sends before it deletes: a message that could not be sent stays in the DLQ", async () => {
    fill(3);
    world.sqs.failEntries("SendMessageBatch", ["1"]);

    const result = await run();

    expect(result).toMatchObject({ received: 3, redriven: 2, sendFailures: 1, deleteFailures: 0 });
    expect(bodies(DLQ_URL)).toEqual(["p-1"]);
    expect(bodies(QUEUE_URL)).toEqual(["p-0", "p-2"]);
  });

  it("loses nothing when the delete fails after the send (the message is redriven again later)", async () => {
    fill(2);
    world.sqs.fail("DeleteMessageBatch", () => Object.assign(new Error("x"), { name: "InternalError" }));

    const result = await run();

    expect(result).toMatchObject({ redriven: 2, deleteFailures: 2 });
    expect(bodies(QUEUE_URL)).toEqual(["p-0", "p-1"]);
    expect(bodies(DLQ_URL)).toEqual(["p-0", "p-1"]);
  });

  it("keeps nothing behind when the whole send fails: the messages stay in the DLQ and the run fails", async () => {
    fill(2);
    world.sqs.fail("SendMessageBatch", () => Object.assign(new Error("x"), { name: "InternalError" }));

    await expect(run()).rejects.toThrow("x");
    expect(bodies(DLQ_URL)).toEqual(["p-0", "p-1"]);
    expect(world.sqs.calls.some((c) => c.command === "DeleteMessageBatch")).toBe(false);
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
    expect(world.sqs.calls).toEqual([]);
  });
});
