import { PAYMENT_ENV } from "./support/env";
import { relative, sep } from "node:path";
import { paymentFunctions } from "../../functions/manifest";
import { PERMISSIONS, STACK_ENVIRONMENT } from "../../functions/lib/lambda-manifest";
import { createPaymentRequestSchema } from "../../functions/lib/payments";
import { discoverHandlers, ROOT } from "../../scripts/build-lambdas";

const byName = Object.fromEntries(paymentFunctions.map((f) => [f.name, f]));
const OTHER_OWNERS = new Set(["canary"]);

describe("the payment-path manifest", () => {
  it("declares exactly the payment handler folders (the canary is declared by its owner)", () => {
    const folders = discoverHandlers()
      .filter((h) => relative(ROOT, h.entry).split(sep)[0] === "functions" && !OTHER_OWNERS.has(h.name))
      .map((h) => h.name)
      .sort();

    expect(paymentFunctions.map((f) => f.name).sort()).toEqual(folders);
  });

  it("uses only environment names and permissions the stack knows", () => {
    for (const spec of paymentFunctions) {
      for (const name of spec.environment) expect(Object.keys(STACK_ENVIRONMENT)).toContain(name);
      for (const permission of spec.permissions) expect(Object.keys(PERMISSIONS)).toContain(permission);
      expect(new Set(spec.environment).size).toBe(spec.environment.length);
    }
  });

  it("puts every payment function in the VPC with reserved concurrency", () => {
    for (const spec of paymentFunctions) {
      expect(spec.vpc).toBe(true);
      expect(spec.reservedConcurrency).toBeGreaterThanOrEqual(1);
    }
  });

  it("routes the API with IAM authorization everywhere except the shallow health check", () => {
    const routes = paymentFunctions.flatMap((f) =>
      f.trigger.kind === "api" ? f.trigger.routes.map(({ method, path, authorization }) => ({ method, path, authorization, name: f.name })) : [],
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
    expect(post?.requestBody).toBe(createPaymentRequestSchema);
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
    const writers = paymentFunctions.filter((f) => f.permissions.includes("payments-table:write")).map((f) => f.name).sort();

    expect(writers).toEqual(["create-payment", "process-payment"]);
    expect(paymentFunctions.filter((f) => f.permissions.some((p) => p.startsWith("control-table:write")))).toEqual([]);
  });
});

describe("each handler's declared environment", () => {
  const BASE = { AWS_REGION: "us-east-1", POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_TRACE_DISABLED: "true", POWERTOOLS_METRICS_DISABLED: "true" };
  const OPTIONAL = new Set(["REGION_STATE_CACHE_SECONDS", "RPO_SECONDS"]);
  const original = process.env;
  afterEach(() => {
    process.env = original;
  });

  function load(name: string, env: Record<string, string>): unknown {
    process.env = { ...BASE, ...env };
    let error: unknown;
    jest.isolateModules(() => {
      try {
        require(`../../functions/${name}`);
      } catch (e) {
        error = e;
      }
    });
    return error;
  }

  const declared = (name: string) => Object.fromEntries(byName[name].environment.map((k) => [k, PAYMENT_ENV[k]]));

  it.each(paymentFunctions.map((f) => f.name))("lets %s load with only what it declares", (name) => {
    expect(load(name, declared(name))).toBeUndefined();
  });

  it.each(paymentFunctions.flatMap((f) => f.environment.filter((v) => !OPTIONAL.has(v)).map((v) => [f.name, v])))(
    "fails the cold start of %s naming %s when it is missing",
    (name, variable) => {
      const env = declared(name);
      delete env[variable];

      expect(load(name, env)).toMatchObject({ name: "MissingEnvironmentError", message: expect.stringContaining(variable) });
    },
  );
});
