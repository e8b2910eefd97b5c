/**
 * What the payment path logs, read from the functions' own output: create-payment and
 * process-payment as deployed, in the one simulated AWS (support/simulated-region.ts), loaded with
 * Powertools logging at DEBUG (the rehearsal loads them SILENT), so every line any of them could
 * write is checked.
 */
import { fingerprint } from "../../lib/observability";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const KEY = "very-secret-idempotency-key-42";
const SENSITIVE = {
  amount: 4200,
  currency: "EUR",
  merchantReference: "merchant-ref-SENSITIVE",
  sourceReference: "source-ref-SENSITIVE",
  description: "description-SENSITIVE",
};

const simulated = simulatedAwsForFile({ eventSources: false, functionLogLevel: "DEBUG" });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

const post = (body: unknown, key: string) => sim.invoke<{ statusCode: number }>("create-payment", postPayment(body, key));

describe("what the payment path logs", () => {
  it("logs a fingerprint of the idempotency key, never the key, the body or its references", async () => {
    expect((await post(SENSITIVE, KEY)).statusCode).toBe(202); // accepted
    expect((await post(SENSITIVE, KEY)).statusCode).toBe(202); // replayed
    expect((await post({ ...SENSITIVE, amount: 1 }, KEY)).statusCode).toBe(422);
    expect((await post({ ...SENSITIVE, currency: "euro" }, KEY)).statusCode).toBe(400);
    sim.fail(
      { service: "dynamodb", operations: ["PutItem"], resource: sim.tables.payments },
      { name: "InternalServerError", message: `DynamoDB said something about ${SENSITIVE.merchantReference}`, httpStatusCode: 500 },
    );
    expect((await post(SENSITIVE, `${KEY}-2`)).statusCode).toBe(500);

    const output = sim.logs();
    expect(output).toContain(fingerprint(KEY));
    expect(output).toContain("payment accepted");
    expect(output).toContain("idempotency key reused with a different request");
    expect(output).toContain("payment could not be recorded");
    for (const secret of [KEY, SENSITIVE.merchantReference, SENSITIVE.sourceReference, SENSITIVE.description]) {
      expect(output).not.toContain(secret);
    }
  });

  it("logs processing failures by error name and ids, not SDK messages", async () => {
    sim.fail(
      { service: "dynamodb" },
      { name: "InternalServerError", message: `DynamoDB echoed ${SENSITIVE.merchantReference}`, httpStatusCode: 500 },
    );
    await sim.invoke("process-payment", sim.queueEvent({ paymentId: "pay_0000000000000000000000000A" }));

    const output = sim.logs();
    expect(output).toContain("write guard refused processing");
    expect(output).not.toContain(SENSITIVE.merchantReference);
  });
});
