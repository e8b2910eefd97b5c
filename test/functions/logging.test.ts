import "./support/verbose-logs";
import { handler } from "../../functions/create-payment";
import { handler as processPayment } from "../../functions/process-payment";
import { fingerprint } from "../../lib/observability";
import { TABLES } from "./support/env";
import { lambdaContext, postPayment } from "./support/events";
import { createWorld, type World } from "./support/world";

const KEY = "very-secret-idempotency-key-42";
const SENSITIVE = {
  amount: 4200,
  currency: "EUR",
  merchantReference: "merchant-ref-SENSITIVE",
  sourceReference: "source-ref-SENSITIVE",
  description: "description-SENSITIVE",
};

let world: World;
let output: string;
let spies: jest.SpyInstance[];
beforeEach(() => {
  world = createWorld();
  output = "";
  // Powertools writes info to stdout and warn/error to stderr: capture both.
  spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    }),
  );
});
afterEach(() => {
  spies.forEach((s) => s.mockRestore());
  world.reset();
});

describe("what the payment path logs", () => {
  it("logs a fingerprint of the idempotency key, never the key, the body or its references", async () => {
    await handler(postPayment(SENSITIVE, KEY), lambdaContext()); // accepted
    await handler(postPayment(SENSITIVE, KEY), lambdaContext()); // replayed
    await handler(postPayment({ ...SENSITIVE, amount: 1 }, KEY), lambdaContext()); // 422
    await handler(postPayment({ ...SENSITIVE, currency: "euro" }, KEY), lambdaContext()); // 400
    world.dynamo.fail(
      { table: TABLES.payments, op: "Put" },
      () => new Error(`DynamoDB said something about ${SENSITIVE.merchantReference}`),
    );
    await handler(postPayment(SENSITIVE, `${KEY}-2`), lambdaContext()); // 500

    expect(output).toContain(fingerprint(KEY));
    expect(output).toContain("payment accepted");
    expect(output).toContain("idempotency key reused with a different request");
    expect(output).toContain("payment could not be recorded");
    for (const secret of [KEY, SENSITIVE.merchantReference, SENSITIVE.sourceReference, SENSITIVE.description]) {
      expect(output).not.toContain(secret);
    }
  });

  it("logs processing failures by error name and ids, not SDK messages", async () => {
    world.dynamo.fail({}, () => new Error(`DynamoDB echoed ${SENSITIVE.merchantReference}`));

    await processPayment(
      {
        Records: [
          {
            messageId: "m-1",
            receiptHandle: "r",
            body: JSON.stringify({ paymentId: "pay_0000000000000000000000000A" }),
            attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
            messageAttributes: {},
            md5OfBody: "",
            eventSource: "aws:sqs",
            eventSourceARN: "arn",
            awsRegion: "us-east-1",
          },
        ],
      },
      lambdaContext(),
    );

    expect(output).toContain("write guard refused processing");
    expect(output).not.toContain(SENSITIVE.merchantReference);
  });
});
