/**
 * Sends example requests to the payment API in the offline rehearsal's simulated world and prints
 * what the real handlers answer: the examples in the README are this script's output, not
 * hand-written. (Against a deployed stack the same requests need SigV4 signing; see README.)
 * The simulated world runs on the virtual clock from a fixed epoch and seed, so the output is the
 * same on every run.
 *
 * The README quotes it in blocks marked `<!-- excerpt of scripts/api-examples.ts -->`
 * (scripts/cli-sessions/excerpts.ts): every line shown must be a line printed here, or `…`.
 *
 * Usage: npx tsx scripts/api-examples.ts           # print the exchanges
 *        npx tsx scripts/api-examples.ts --check   # exit 1 if a README excerpt is not what is printed now
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { evaluateProgram } from "../infra/offline/evaluate";
import type { HttpResponse } from "../sim/apigateway/model";
import { type Authority, PLANNED_HANDOVER_WINDOW_SECONDS } from "../lib/control-schema";
import { authorityIn, controlTableName } from "../sim/authority";
import { deploymentFromEvaluation, fn } from "../sim/deployment/deployment";
import { evaluatorReady } from "../sim/iam/authorizer";
import { createSession, REHEARSAL_EPOCH } from "../sim/session";
import { excerptMarker, staleExcerptLines } from "./cli-sessions/excerpts";

/** The doc that quotes the examples, and the marker on its quoted blocks. */
const QUOTING_FILE = join(__dirname, "..", "README.md");
const API_EXAMPLES_MARKER = excerptMarker("scripts/api-examples.ts");
/** The simulated world's seed (payment ids derive from it): fixed, so the README's ids stay valid. */
const SEED = 7;

interface Example {
  title: string;
  region: string;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Sends the example requests and returns what is printed: one paragraph per exchange. */
async function recordExamples(): Promise<string> {
  const deployment = deploymentFromEvaluation(await evaluateProgram());
  const [primary, secondary] = deployment.regions;
  // The IAM evaluator reads its service data from disk on first use: real I/O the virtual clock
  // must not run ahead of, or on a busy machine a call "times out" and the example prints a 503
  // (as the rehearsal and the session recorder do before their clocks move).
  await evaluatorReady();
  const session = createSession(deployment, { seed: SEED, startAt: REHEARSAL_EPOCH });
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
      {
        title: "Retry with the same key and body: the stored answer, no second payment",
        region: primary,
        method: "POST",
        path: "/payments",
        headers: { "Idempotency-Key": key },
        body: payment,
      },
      {
        title: "Same key, different body",
        region: primary,
        method: "POST",
        path: "/payments",
        headers: { "Idempotency-Key": key },
        body: { ...payment, amount: 2000 },
      },
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
      {
        title: "A write sent to the standby secondary: redirected to the writer (307, same method and body)",
        region: secondary,
        method: "POST",
        path: "/payments",
        headers: { "Idempotency-Key": "order-2030-0003" },
        body: { ...payment, merchantReference: "order-2030-0003" },
      },
      { title: "Health of the secondary (standby serves reads, so it is healthy)", region: secondary, method: "GET", path: "/health" },
    ] satisfies Example[]) {
      results.push({ example, response: await send(example) });
    }

    // Eventual mode, a failback between its fence of the secondary and its promotion of the
    // primary: the authority as FenceSecondary writes it (set-peer-state), with the handover to the
    // primary. Seeded, because this session runs the default (strong) deployment, whose failback is
    // one transition; the secondary's guard reads it as it would read the real one.
    const controlTable = controlTableName(deployment);
    const before = authorityIn(world, primary);
    if (!controlTable || !before) throw new Error("the simulated world has no authority to seed the handover example from");
    const fencedAt = clock.now();
    const handingOver: Authority = {
      ...before,
      epoch: before.epoch + 1,
      states: { [primary]: "FENCED", [secondary]: "FENCED" },
      changedAt: { ...before.changedAt, [primary]: new Date(fencedAt).toISOString(), [secondary]: new Date(fencedAt).toISOString() },
      updatedAt: new Date(fencedAt).toISOString(),
      reason: `failback failback-example: ${secondary} FENCED by ${primary}`,
      executionId: "failback-example",
      handover: { from: secondary, to: primary, until: new Date(fencedAt + PLANNED_HANDOVER_WINDOW_SECONDS * 1000).toISOString() },
    };
    world.dynamodb.seed(controlTable, handingOver, fencedAt, secondary);
    await clock.advance(Number(fn(deployment, secondary, "create-payment").env.REGION_STATE_CACHE_SECONDS ?? 5) * 1000);
    const handover: Example = {
      title: "Eventual mode, during a failback: the fenced secondary, handing over to the primary, asks for a retry in 1 s",
      region: secondary,
      method: "POST",
      path: "/payments",
      headers: { "Idempotency-Key": "order-2030-0004" },
      body: { ...payment, merchantReference: "order-2030-0004" },
    };
    results.push({ example: handover, response: await send(handover) });

    const out: string[] = [];
    for (const { example, response } of results) {
      out.push(`### ${example.title}`);
      out.push(`${example.method} https://api-${example.region}.payments.example.com${example.path}`);
      for (const [k, v] of Object.entries(example.headers ?? {})) out.push(`${k}: ${v}`);
      if (example.body !== undefined) out.push(JSON.stringify(example.body));
      const location = response.headers.location ? `  (Location: ${response.headers.location})` : "";
      const retryAfter = `${location}${response.headers["retry-after"] ? `  (Retry-After: ${response.headers["retry-after"]})` : ""}`;
      out.push(`→ ${response.status}${retryAfter}`);
      out.push(JSON.stringify(JSON.parse(response.body)));
      out.push("");
    }
    return out.map((line) => `${line}\n`).join("");
  } finally {
    session.dispose();
  }
}

async function main() {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
  const printed = await recordExamples();
  if (!values.check) {
    process.stdout.write(printed);
    return;
  }
  const { excerpts, stale } = staleExcerptLines(readFileSync(QUOTING_FILE, "utf8"), printed, API_EXAMPLES_MARKER);
  if (excerpts === 0) {
    // A check that finds nothing to check would pass forever once the marker is lost.
    console.error(`${QUOTING_FILE}: no block marked ${API_EXAMPLES_MARKER}; the API examples are not checked`);
    process.exitCode = 1;
  } else if (stale.length > 0) {
    console.error(
      `${QUOTING_FILE}: excerpt lines that scripts/api-examples.ts does not print (update them from: npx tsx scripts/api-examples.ts):`,
    );
    for (const s of stale) console.error(`  line ${s.line}: ${s.text}`);
    process.exitCode = 1;
  } else {
    console.log(`${QUOTING_FILE}: ${excerpts} excerpts match what scripts/api-examples.ts prints`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
