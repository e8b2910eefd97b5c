/**
 * A configuration given to `npm start` reaches the deployment the rehearsal simulates: the same
 * path main.ts takes (flags → rehearsalConfig → evaluateProgram → deploymentFromEvaluation), with
 * the health-check settings changed from their defaults (10 s, 3 failures).
 *
 * The program is evaluated once, in this file's own module registry (evaluateProgram allows one
 * evaluation per registry), as test/infra/config-variants.test.ts does. What this cannot prove:
 * how the simulated world behaves with these values — `npm start -- --config ...` shows that.
 */
import { evaluateProgram } from "../../infra/offline/evaluate";
import { parseCli } from "../../sim/rehearsal/cli";
import { rehearsalConfig } from "../../sim/rehearsal/config-flags";
import { deploymentFromEvaluation, type Deployment } from "../../sim/deployment/deployment";
import { renderDeployment } from "../../sim/rehearsal/output";

let deployment: Deployment;
beforeAll(async () => {
  const configuration = rehearsalConfig(
    parseCli(["--config", "healthCheckIntervalSeconds=30", "--config", "healthCheckFailureThreshold=2"]),
  );
  deployment = deploymentFromEvaluation(await evaluateProgram({ stack: configuration.stack, config: configuration.config }));
}, 60_000);

it("simulates the Route 53 endpoint checks with the configured interval and failure threshold", () => {
  const endpoints = deployment.healthChecks.filter((c) => c.type === "HTTPS");
  expect(endpoints.length).toBeGreaterThanOrEqual(2);
  for (const check of endpoints) expect(check).toMatchObject({ intervalSeconds: 30, failureThreshold: 2 });
  expect(renderDeployment(deployment, "")).toContainEqual(
    expect.stringContaining("/health checked every 30 s, unhealthy after 2 failures"),
  );
});
