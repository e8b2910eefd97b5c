import { OTHER_LOCAL_REGION } from "./support/env-other-region";
import { DLQ_URL, QUEUE_URL, TABLES } from "./support/env";
import { handler as createPayment } from "../../functions/create-payment";
import { handler as getPayment } from "../../functions/get-payment";
import { handler as health } from "../../functions/health";
import { handler as deepHealth } from "../../functions/deep-health";
import { handler as paymentEvents } from "../../functions/payment-events";
import { handler as processPayment } from "../../functions/process-payment";
import { handler as redrive } from "../../functions/redrive-dlq";
import { apiEvent, lambdaContext, postPayment, streamRecord } from "./support/events";
import { createWorld, type World } from "./support/world";

let world: World;
beforeEach(() => {
  world = createWorld();
  world.setRegionState("ACTIVE", OTHER_LOCAL_REGION);
});
afterEach(() => world.reset());

describe("every SDK client names LOCAL_REGION explicitly", () => {
  it("sends every call of every handler to LOCAL_REGION, not AWS_REGION", async () => {
    const accepted = await createPayment(
      postPayment({ amount: 1, currency: "EUR", merchantReference: "m", sourceReference: "s" }, "region-test-key"),
      lambdaContext(),
    );
    expect(accepted.statusCode).toBe(202);
    const { paymentId, region } = JSON.parse(accepted.body);
    expect(region).toBe(OTHER_LOCAL_REGION);

    await getPayment(apiEvent({ pathParameters: { id: paymentId } }), lambdaContext());
    await health(apiEvent(), lambdaContext());
    await deepHealth(apiEvent(), lambdaContext());
    await paymentEvents(
      { Records: [streamRecord({ sequenceNumber: "1", image: { paymentId, status: "PENDING", originRegion: OTHER_LOCAL_REGION } })] },
      lambdaContext(),
    );
    await world.sqs.pollWith(QUEUE_URL, (e) => processPayment(e, lambdaContext()));
    world.sqs.seed(DLQ_URL, { paymentId });
    await redrive({}, lambdaContext());

    expect(world.dynamo.get(TABLES.payments, paymentId)).toMatchObject({ status: "SETTLED", originRegion: OTHER_LOCAL_REGION });
    const regions = new Set([
      ...world.dynamo.log.map((c) => c.region),
      ...world.s3.puts.map((p) => p.region),
      ...world.sqs.calls.map((c) => c.region),
    ]);
    expect(regions).toEqual(new Set([OTHER_LOCAL_REGION]));
    expect(world.sqs.calls.length).toBeGreaterThan(3);
  });
});
