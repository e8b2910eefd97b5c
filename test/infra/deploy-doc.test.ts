/**
 * The README's Deploy section states what a fresh account must have before `pulumi up`: the
 * figures come from the handler registry (lib/handlers) and are checked against what the program
 * deploys, so the section cannot drift from the stack.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allFunctions, paymentFunctions, runbookFunctions } from "../../lib/handlers";
import {
  LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY,
  requiredConcurrencyQuota,
  reservedConcurrencyPerRegion,
} from "../../infra/core/lambda-quota";
import type { Evaluation } from "../../infra/offline/evaluate";
import { ofType, REGIONS, stack } from "../support/stack";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
/** The "## Deploy" section, whitespace collapsed. */
const deploy = (readme.split(/^## /m).find((s) => s.startsWith("Deploy\n")) ?? "").replace(/\s+/g, " ");

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

describe("README, Deploy: the Lambda concurrency a region needs", () => {
  const reserved = reservedConcurrencyPerRegion(allFunctions);

  it("computes the reservation from the registry, exactly as the program deploys it in each region", () => {
    expect(reserved).toBe(reservedConcurrencyPerRegion(paymentFunctions) + reservedConcurrencyPerRegion(runbookFunctions));
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const deployed = ofType(ev, "aws:lambda/function:Function", region).reduce(
        (sum, f) => sum + (f.inputs.reservedConcurrentExecutions ?? 0),
        0,
      );
      expect({ region, deployed }).toEqual({ region, deployed: reserved });
    }
  });

  it("states the reservation per region, its two parts and the quota it needs", () => {
    expect(deploy).toContain(
      `reserves **${reserved}** concurrent executions in each region (${reservedConcurrencyPerRegion(paymentFunctions)} for the payment path, ` +
        `${reservedConcurrencyPerRegion(runbookFunctions)} for the DR functions)`,
    );
    expect(deploy).toContain(`keeps ${LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY} unreserved`);
    expect(deploy).toContain(`at least **${requiredConcurrencyQuota(allFunctions)}** in both regions`);
  });
});

describe("README, Deploy: the zone is delegated before the first deploy", () => {
  it("tells the user to bring a delegated zone or a delegated reusable delegation set, with the keys config asks for", () => {
    for (const phrase of [
      "payments-dr:hostedZoneId",
      "payments-dr:delegationSetId",
      "aws route53 create-reusable-delegation-set",
      "before the first deploy",
    ])
      expect({ phrase, found: deploy.includes(phrase) }).toEqual({ phrase, found: true });
    expect(deploy).not.toContain("After the first deploy: 1. Delegate the zone");
  });
});
