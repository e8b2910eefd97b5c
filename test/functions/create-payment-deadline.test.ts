/**
 * create-payment's write deadline (eventual mode; docs/architecture.md, "Planned moves"): a payment
 * write is sent only before the admitting authority read's lifetime plus PAYMENT_WRITE_GRACE_MS and
 * aborted at that instant, so a planned move's 2 s settle outlasts the old writer's last write.
 * Run in the secondary, made the writer, so the primary's partition guard (its own file) stays out.
 */
import type { ApiResult } from "../../functions/domain/http";
import { PAYMENT_WRITE_GRACE_MS } from "../../lib/control-schema";
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const KEY = "order-7f3c2a9e-4b1d-4c55-9a8e-1d2f3a4b5c6d";
const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

const simulated = simulatedAwsForFile({ eventSources: false, stack: EVENTUAL_OFFLINE_OPTIONS });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region("secondary");
  sim.putAuthority({ ...sim.authority(), epoch: 3, states: { [sim.region]: "ACTIVE", [sim.peer]: "FENCED" } });
});

const post = (body: unknown = BODY, key: string | undefined = KEY) => sim.invoke<ApiResult>("create-payment", postPayment(body, key));
const paymentWrites = () => sim.dynamoWrites("payments");

describe("POST /payments in eventual mode: the payment write's deadline", () => {
  it("aborts a payment write not answered within the admitting read's lifetime plus the grace: 503 WRITE_DEADLINE_PASSED, Retry-After 1, nothing acknowledged", async () => {
    // The payments PutItem is held longer than the cache bound plus PAYMENT_WRITE_GRACE_MS.
    sim.hold({ service: "dynamodb", operations: ["PutItem"], resource: sim.tables.payments }, sim.cacheMs + PAYMENT_WRITE_GRACE_MS + 1000);

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(response.body)).toMatchObject({ reason: "WRITE_DEADLINE_PASSED" });
    // The held write is applied when it arrives (an aborted request may still apply: the harsher
    // reading), and the client's retry with the same key answers with that payment, not a second one.
    await sim.t.advance(sim.cacheMs + PAYMENT_WRITE_GRACE_MS + 2000);
    const retry = await post();
    expect(retry.statusCode).toBe(202);
    expect(sim.items("payments")).toHaveLength(1);
  });

  it("sends no payment write once the admitting read is older than its lifetime plus the grace (a slow idempotency record first)", async () => {
    expect((await post(BODY, "warm-key-00001")).statusCode).toBe(202); // the container reads the authority
    const writesBefore = paymentWrites().length;
    // The next request is admitted on that cached read near its end; its idempotency record then
    // takes longer than what is left of the read's lifetime plus the grace.
    await sim.t.advance(sim.cacheMs - 200);
    sim.hold({ service: "dynamodb", operations: ["PutItem"], resource: sim.tables.idempotency }, PAYMENT_WRITE_GRACE_MS + 500);

    const response = await post(BODY, "late-key-000001");

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ reason: "WRITE_DEADLINE_PASSED" });
    expect(paymentWrites()).toHaveLength(writesBefore);
  });
});
