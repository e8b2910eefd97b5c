import { paymentFunctions } from "../../lib/handlers";
import { createPaymentRequestSchema } from "../../functions/domain/payments";
import { REQUEST_MODELS } from "../../infra/components/compute/payment-service";

const byName = Object.fromEntries(paymentFunctions.map((f) => [f.name, f]));

describe("the payment-path manifest", () => {
  it("puts every payment function in the VPC with reserved concurrency", () => {
    for (const spec of paymentFunctions) {
      expect(spec.vpc).toBe(true);
      expect(spec.reservedConcurrency).toBeGreaterThanOrEqual(1);
    }
  });

  it("routes the API with IAM authorization everywhere except the shallow health check", () => {
    const routes = paymentFunctions.flatMap((f) =>
      f.trigger.kind === "api"
        ? f.trigger.routes.map(({ method, path, authorization }) => ({ method, path, authorization, name: f.name }))
        : [],
    );

    expect(routes.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { method: "GET", path: "/health", authorization: "NONE", name: "health" },
      { method: "GET", path: "/health/deep", authorization: "AWS_IAM", name: "deep-health" },
      { method: "POST", path: "/payments", authorization: "AWS_IAM", name: "create-payment" },
      { method: "GET", path: "/payments/{id}", authorization: "AWS_IAM", name: "get-payment" },
    ]);
  });

  it("has the gateway require the Idempotency-Key header and validate the body with the handler's own schema", () => {
    const trigger = byName["create-payment"].trigger;
    const post = trigger.kind === "api" ? trigger.routes[0] : undefined;

    expect(post?.requiredHeaders).toEqual(["Idempotency-Key"]);
    expect(post?.requestModel).toBe("CreatePaymentRequest");
    expect(REQUEST_MODELS.CreatePaymentRequest).toBe(createPaymentRequestSchema);
  });

  it("keeps API timeouts under API Gateway's 29 s and /health under Route 53's patience", () => {
    for (const spec of paymentFunctions.filter((f) => f.trigger.kind === "api")) expect(spec.timeoutSeconds).toBeLessThan(29);
    expect(byName.health.timeoutSeconds).toBeLessThanOrEqual(3);
  });

  it("wires the consumers to the payments stream, the processing queue and a manual trigger", () => {
    expect(byName["payment-events"].trigger).toMatchObject({ kind: "dynamodb-stream", table: "payments" });
    expect(byName["process-payment"].trigger).toMatchObject({ kind: "sqs", queue: "processing" });
    expect(byName["redrive-dlq"].trigger).toEqual({ kind: "manual" });
  });

  it("grants writes to payment data only to the functions that write it", () => {
    const writers = paymentFunctions
      .filter((f) => f.permissions.includes("payments-table:write"))
      .map((f) => f.name)
      .sort();

    expect(writers).toEqual(["create-payment", "process-payment"]);
    expect(paymentFunctions.filter((f) => f.permissions.some((p) => p.startsWith("control-table:write")))).toEqual([]);
  });
});
