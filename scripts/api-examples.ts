/**
 * Sends example requests to the payment API in the offline rehearsal's simulated world and prints
 * what the real handlers answer: the examples in the README are this script's output, not
 * hand-written. (Against a deployed stack the same requests need SigV4 signing; see README.)
 *
 * Usage: npx tsx scripts/api-examples.ts
 */
import { evaluateProgram } from "../infra/offline/evaluate";
import type { HttpResponse } from "../runbooks/rehearsal/api-gateway";
import { deploymentFromEvaluation } from "../runbooks/rehearsal/deployment";
import { createSession } from "../runbooks/rehearsal/session";

interface Example {
  title: string;
  region: string;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

async function main() {
  const deployment = deploymentFromEvaluation(await evaluateProgram());
  const [primary, secondary] = deployment.regions;
  const session = createSession(deployment);
  const { world, clock } = session;
  try {
    await clock.advance(60_000); // let the canaries and health checks settle
    const send = async (ex: Example): Promise<HttpResponse> => {
      let outcome: { response?: HttpResponse; error?: unknown } | undefined;
      world.gateway
        .request(
          ex.region,
          {
            method: ex.method,
            host: `api-${ex.region}.payments.example.com`,
            path: ex.path,
            headers: { "content-type": "application/json", ...(ex.headers ?? {}) },
            ...(ex.body === undefined ? {} : { body: typeof ex.body === "string" ? ex.body : JSON.stringify(ex.body) }),
          },
          10_000,
        )
        .then(
          (response) => (outcome = { response }),
          (error) => (outcome = { error }),
        );
      await clock.advanceUntil(() => outcome !== undefined, 30_000, 10);
      if (!outcome?.response) throw outcome?.error ?? new Error(`no answer to ${ex.method} ${ex.path}`);
      return outcome.response;
    };

    const key = "order-2030-0001";
    const payment = { amount: 1050, currency: "EUR", merchantReference: "order-2030-0001", sourceReference: "tok_card_8d2f" };
    const examples: Example[] = [
      { title: "Create a payment", region: primary, method: "POST", path: "/payments", headers: { "Idempotency-Key": key }, body: payment },
      { title: "Retry with the same key and body: the stored answer, no second payment", region: primary, method: "POST", path: "/payments", headers: { "Idempotency-Key": key }, body: payment },
      { title: "Same key, different body", region: primary, method: "POST", path: "/payments", headers: { "Idempotency-Key": key }, body: { ...payment, amount: 2000 } },
      { title: "No Idempotency-Key", region: primary, method: "POST", path: "/payments", body: payment },
      {
        title: "Invalid body: every problem named",
        region: primary,
        method: "POST",
        path: "/payments",
        headers: { "Idempotency-Key": "order-2030-0002" },
        body: { amount: 10.5, currency: "eur", merchantReference: "order-2030-0002", sourceReference: "4111 1111 1111 1111", tip: 1 },
      },
    ];
    const results: { example: Example; response: HttpResponse }[] = [];
    for (const example of examples) results.push({ example, response: await send(example) });

    const paymentId = JSON.parse(results[0].response.body).paymentId;
    for (const example of [
      { title: "Read it back", region: primary, method: "GET", path: `/payments/${paymentId}` },
      { title: "A malformed id", region: primary, method: "GET", path: "/payments/12345" },
      { title: "Health of the primary", region: primary, method: "GET", path: "/health" },
      { title: "A write sent to the standby secondary: refused, with a reason and Retry-After", region: secondary, method: "POST", path: "/payments", headers: { "Idempotency-Key": "order-2030-0003" }, body: { ...payment, merchantReference: "order-2030-0003" } },
      { title: "Health of the secondary (standby serves reads, so it is healthy)", region: secondary, method: "GET", path: "/health" },
    ] satisfies Example[]) {
      results.push({ example, response: await send(example) });
    }

    for (const { example, response } of results) {
      console.log(`### ${example.title}`);
      console.log(`${example.method} https://api-${example.region}.payments.example.com${example.path}`);
      for (const [k, v] of Object.entries(example.headers ?? {})) console.log(`${k}: ${v}`);
      if (example.body !== undefined) console.log(JSON.stringify(example.body));
      const retryAfter = response.headers["retry-after"] ? `  (Retry-After: ${response.headers["retry-after"]})` : "";
      console.log(`→ ${response.status}${retryAfter}`);
      console.log(JSON.stringify(JSON.parse(response.body)));
      console.log("");
    }
  } finally {
    session.dispose();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
