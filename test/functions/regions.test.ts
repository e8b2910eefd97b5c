/**
 * Every SDK client names its region explicitly. In the one simulated AWS (support/simulated-region.ts)
 * every function of the secondary region (us-east-2) is loaded as Lambda loads it (AWS_REGION is its
 * region while its module loads), but runs in a process whose AWS_REGION says something else — as
 * the rehearsal runs both regions' copies in one process. A client that left its region to the
 * SDK's default chain would resolve it from that process environment at its first call, and its
 * calls would go elsewhere: the simulated world refuses a region it does not have, so such a call
 * fails before it reaches the call log. Hence every function must answer as it should and be seen
 * calling, and every call seen must be to us-east-2.
 */
import type { ApiResult } from "../../functions/domain/http";
import { apiEvent, postPayment, streamRecord } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const OTHER_REGION = "eu-west-1";

const simulated = simulatedAwsForFile();
const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: OTHER_REGION, AWS_DEFAULT_REGION: OTHER_REGION });
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region("secondary");
  // The secondary is the writer (after a failover).
  sim.setRegionState("STANDBY", sim.peer);
  sim.setRegionState("ACTIVE");
});

describe("every SDK client names LOCAL_REGION explicitly", () => {
  it("sends every call of every handler to LOCAL_REGION, not AWS_REGION", async () => {
    const accepted = await sim.invoke<ApiResult>(
      "create-payment",
      postPayment({ amount: 1, currency: "EUR", merchantReference: "m", sourceReference: "s" }, "region-test-key"),
    );
    expect(accepted.statusCode).toBe(202);
    const { paymentId, region } = JSON.parse(accepted.body);
    expect(region).toBe(sim.region);

    // The stack's own pipeline settles it (stream → payment-events → queue → process-payment) and
    // logs it (→ the transaction-log queue → record-transactions).
    await sim.t.until(() => sim.item("payments", { paymentId })?.status === "SETTLED", 60_000);
    expect((await sim.invoke<ApiResult>("get-payment", apiEvent({ pathParameters: { id: paymentId } }))).statusCode).toBe(200);
    expect((await sim.invoke<ApiResult>("health", apiEvent())).statusCode).toBe(200);
    expect((await sim.invoke<ApiResult>("deep-health", apiEvent())).statusCode).toBe(200);
    expect(
      await sim.invoke("payment-events", {
        Records: [streamRecord({ sequenceNumber: "1", image: { paymentId, status: "PENDING", originRegion: sim.region } })],
      }),
    ).toEqual({ batchItemFailures: [] });
    sim.seedMessage(sim.dlqUrl, { paymentId });
    expect(await sim.invoke("redrive-dlq", {})).toMatchObject({ redriven: 1 });
    await sim.t.until(() => sim.queued(sim.queueUrl).length === 0 && sim.queued(sim.dlqUrl).length === 0, 60_000);

    expect(sim.item("payments", { paymentId })).toMatchObject({ status: "SETTLED", originRegion: sim.region });
    const functions = new Set(sim.calls().map((c) => c.caller));
    expect(functions).toEqual(
      new Set(
        [
          "create-payment",
          "process-payment",
          "record-transactions",
          "get-payment",
          "health",
          "deep-health",
          "payment-events",
          "redrive-dlq",
        ].map((h) => sim.t.functionName(sim.region, h)),
      ),
    );
    expect(new Set(sim.calls().map((c) => c.region))).toEqual(new Set([sim.region]));
    expect(sim.sqs().length).toBeGreaterThan(3);
  });
});
