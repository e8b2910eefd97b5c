/**
 * The one AWS client factory (lib/aws-clients.ts): every client gets explicit timeouts with a
 * throwing request timeout, and no code outside the factory constructs an SDK client itself.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  API_CALL_TUNING,
  awsClient,
  CLI_CALL_TUNING,
  HEALTH_CALL_TUNING,
  PEER_CALL_TUNING,
  RUNBOOK_CALL_TUNING,
  WORKER_CALL_TUNING,
} from "../../lib/aws-clients";
import { runbookFunctions } from "../../lib/handlers";

const ROOT = join(__dirname, "..", "..");
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

describe("the AWS client factory", () => {
  it("is the only place that constructs an SDK client, in handlers, shared code and drctl", () => {
    const offenders = ["lib", "functions", "runbooks", "cli"]
      .flatMap((d) => sources(join(ROOT, d)))
      .filter((f) => !f.endsWith(join("lib", "aws-clients.ts")))
      .filter((f) => /new \w+Client\(/.test(readFileSync(f, "utf8")))
      .map((f) => relative(ROOT, f));

    expect(offenders).toEqual([]);
  });

  it("gives a client its region, attempts, and connection and request timeouts that throw", async () => {
    const client = awsClient(DynamoDBClient, "us-east-2", RUNBOOK_CALL_TUNING);
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };

    expect(await client.config.region()).toBe("us-east-2");
    expect(await client.config.maxAttempts()).toBe(3);
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true });
    client.destroy();
  });

  it.each([
    ["runbook steps", RUNBOOK_CALL_TUNING],
    ["peer calls", PEER_CALL_TUNING],
  ])("keeps the worst case of %s (every attempt timing out) inside the shortest runbook function timeout", (_what, t) => {
    const shortest = Math.min(...runbookFunctions.map((f) => f.timeoutSeconds)) * 1000;
    // Standard retry mode backs off at most 20 s per retry in theory; the first retries wait ≤ 0.1 × 2^n s with jitter.
    const backoff = Array.from({ length: t.maxAttempts - 1 }, (_, i) => 100 * 2 ** (i + 1)).reduce((a, b) => a + b, 0);

    expect(t.maxAttempts * (t.connectionTimeoutMs + t.requestTimeoutMs) + backoff).toBeLessThan(shortest);
  });

  it("answers /health inside Route 53's 2 s, and keeps API calls under API Gateway's 29 s", () => {
    expect(
      HEALTH_CALL_TUNING.maxAttempts * (HEALTH_CALL_TUNING.connectionTimeoutMs + HEALTH_CALL_TUNING.requestTimeoutMs),
    ).toBeLessThanOrEqual(2000);
    for (const t of [API_CALL_TUNING, WORKER_CALL_TUNING, CLI_CALL_TUNING])
      expect(t.maxAttempts * (t.connectionTimeoutMs + t.requestTimeoutMs)).toBeLessThan(29_000);
  });
});
