/**
 * Issue 12's defects, where the tests beside each fix left part of it unheld (docs/aws-audit.md
 * records which test holds each fix and what it printed when the fix was removed).
 *
 * What this cannot prove: that API Gateway redeploys on the trigger (the mocks record what the
 * program asks for, not what AWS does with it).
 */
import { type ApiRoute, deploymentFingerprint, GATEWAY_RESPONSES } from "../../infra/components/api/regional-api";
import { REQUEST_MODELS, requestModelSchema } from "../../infra/components/compute/payment-service";
import { functionsFor } from "../../infra/core/tables";
import type { Evaluation } from "../../infra/offline/evaluate";
import { paymentFunctions } from "../../lib/handlers";
import { one, REGIONS, stack } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

/** The routes the payment service gives each region's API, derived from the registry as the stack derives them (default: strong mode). */
function registryRoutes(): ApiRoute[] {
  return functionsFor("strong", paymentFunctions).flatMap((spec) =>
    spec.trigger.kind === "api"
      ? spec.trigger.routes.map((route) => ({
          method: route.method,
          path: route.path,
          authorization: route.authorization,
          requiredHeaders: route.requiredHeaders ? [...route.requiredHeaders] : undefined,
          bodySchema: route.requestModel ? requestModelSchema(REQUEST_MODELS[route.requestModel]) : undefined,
          functionName: spec.name,
          invokeArn: "not part of the fingerprint",
        }))
      : [],
  );
}

describe("issue 12, defect 6: API deployments follow their gateway responses", () => {
  // "GatewayResponse ... The update requires redeploying the API" (API Gateway DG, Updates to REST
  // APIs that require redeployment): the deployed trigger must change when a response does, so it
  // must be computed over the responses the stack deploys, not over the routes alone.
  it.each([REGIONS.primary, REGIONS.secondary])(
    "triggers %s's deployment on a fingerprint that covers the deployed gateway responses",
    (region) => {
      const deployment = one(ev, "aws:apigateway/deployment:Deployment", (d) => d.region === region);
      const routes = registryRoutes();

      expect(routes.length).toBeGreaterThan(0);
      expect(GATEWAY_RESPONSES.length).toBeGreaterThan(0);
      expect(deployment.inputs.triggers.snapshot).toBe(deploymentFingerprint(routes, GATEWAY_RESPONSES));
      expect(deployment.inputs.triggers.snapshot).not.toBe(deploymentFingerprint(routes, []));
    },
  );
});
