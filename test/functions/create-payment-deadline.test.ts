/**
 * create-payment's write deadline, in both modes (docs/architecture.md, "Why two regions never both
 * write", and "Planned moves"): a payment write is sent only before the admitting authority read's
 * lifetime plus PAYMENT_WRITE_GRACE_MS and aborted at that instant. That is what bounds how long a
 * demoted region may still commit a payment after a transition (the cache bound, then the grace to
 * send, then SENT_WRITE_APPLY_BOUND_MS to apply), and, in eventual mode, what a planned move's 2 s
 * settle outlasts. Run in the secondary, made the writer, so eventual mode's partition guard (its
 * own file) stays out.
 */
import type { ApiResult } from "../../functions/domain/http";
import { PAYMENT_WRITE_GRACE_MS } from "../../lib/control-schema";
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { EvaluateOptions } from "../../infra/offline/evaluate";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const KEY = "order-7f3c2a9e-4b1d-4c55-9a8e-1d2f3a4b5c6d";
const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

const MODES: [mode: string, stack: EvaluateOptions | undefined][] = [
  ["strong", undefined],
  ["eventual", EVENTUAL_OFFLINE_OPTIONS],
];

describe.each(MODES)("POST /payments in %s mode: the payment write's deadline", (_mode, stack) => {
  const simulated = simulatedAwsForFile({ eventSources: false, ...(stack ? { stack } : {}) });
  let sim: SimulatedRegion;
  beforeEach(() => {
    sim = simulated.region("secondary");
    sim.putAuthority({ ...sim.authority(), epoch: 3, states: { [sim.region]: "ACTIVE", [sim.peer]: "FENCED" } });
  });

  const post = (body: unknown = BODY, key: string | undefined = KEY) => sim.invoke<ApiResult>("create-payment", postPayment(body, key));
  const paymentWrites = () => sim.dynamoWrites("payments");

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

  it("reads the authority again when a slow idempotency record outlives the admitting read's lifetime, and writes on that read: acknowledged", async () => {
    expect((await post(BODY, "warm-key-00001")).statusCode).toBe(202); // the container reads the authority
    const readsBefore = sim.dynamo("control", ["GetItem"]).length;
    // The next request is admitted on that cached read near its end; its idempotency record then
    // takes it past the read's lifetime — less than the grace past it: the write is still sent on
    // a read within its lifetime, never on the grace alone.
    await sim.t.advance(sim.cacheMs - 200);
    sim.hold({ service: "dynamodb", operations: ["PutItem"], resource: sim.tables.idempotency }, 200 + PAYMENT_WRITE_GRACE_MS / 2);

    const response = await post(BODY, "late-key-000001");

    expect(response.statusCode).toBe(202);
    expect(sim.dynamo("control", ["GetItem"]).length).toBeGreaterThan(readsBefore);
    expect(sim.items("payments")).toHaveLength(2);
  });

  it("sends no payment write when that second read no longer makes this region the writer: 503 WRITE_DEADLINE_PASSED, then the guard's answer", async () => {
    expect((await post(BODY, "warm-key-00001")).statusCode).toBe(202);
    const writesBefore = paymentWrites().length;
    await sim.t.advance(sim.cacheMs - 200);
    // The idempotency record is slow, and meanwhile a transition demotes this region.
    const gate = sim.hold({ service: "dynamodb", operations: ["PutItem"], resource: sim.tables.idempotency }, PAYMENT_WRITE_GRACE_MS + 500);
    const pending = sim.begin<ApiResult>("create-payment", postPayment(BODY, "late-key-000001"));
    await gate.reached();
    sim.putAuthority({ ...sim.authority(), epoch: 4, states: { [sim.region]: "FENCED", [sim.peer]: "ACTIVE" } });

    const response = await sim.t.settle(pending);

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ reason: "WRITE_DEADLINE_PASSED" });
    expect(paymentWrites()).toHaveLength(writesBefore);
    // The retry is judged on that newer read: sent to the writer.
    expect((await post(BODY, "late-key-000001")).statusCode).toBe(307);
  });
});
