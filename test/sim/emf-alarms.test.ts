/**
 * The alarms the stack builds on Powertools metrics (EMF in the functions' logs) can fire: every
 * such alarm in the deployed catalogue watches a metric some handler in the registry publishes,
 * under the dimensions Powertools writes, and in the simulated world the payment-failures alarm —
 * fed by create-payment's PaymentFailed, through EMF only — goes to ALARM when the primary's
 * payment path cannot write for a minute — and not on a shorter burst, nor on a stray failure a period.
 *
 * Which alarms are EMF-fed is derived, not listed: an alarm watches a namespace the functions are
 * given as METRIC_NAMESPACE with exactly the dimension keys Powertools writes for
 * lib/observability.ts (found by serializing a metric through it). What each handler publishes is
 * read from its source (`metrics.addMetric("<literal>", ...)` and `createObservability({ service:
 * "<literal>" })` in its own folder). What this cannot prove: a metric name built at run time, or
 * one published from shared code outside the handler's folder (both would fail here, asking for
 * this test to learn them); CloudWatch's ingestion delay for EMF (none in the simulation).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ts from "typescript";
import { allFunctions, handlerEntry } from "../../lib/handlers";
import { createObservability, MetricUnit } from "../../lib/observability";
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import type { AlarmDefinition, Deployment } from "../../sim/deployment/types";
import { INTERNET, runAs } from "../../sim/network";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

const ROOT = join(__dirname, "..", "..");

interface WatchedMetric {
  alarm: string;
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** Every metric an alarm reads, single-metric or inside metric math. */
function watchedMetrics(alarm: AlarmDefinition): WatchedMetric[] {
  const metrics = alarm.metric ? [alarm.metric] : (alarm.math?.metrics ?? []);
  return metrics.map((m) => ({
    alarm: alarm.name,
    region: alarm.region,
    namespace: m.namespace,
    metricName: m.metricName,
    dimensions: m.dimensions,
  }));
}

/** The dimension keys Powertools writes for a metric published through lib/observability.ts. */
function powertoolsDimensionKeys(): string[] {
  const { metrics } = createObservability({ service: "probe", namespace: "Probe", environment: "test", region: "us-east-1" });
  metrics.addMetric("Probe", MetricUnit.Count, 1);
  const emf = metrics.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } };
  metrics.clearMetrics();
  const sets = emf._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions);
  expect(sets).toHaveLength(1);
  return [...sets[0]].sort();
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** What one handler's own source publishes: its Powertools service name(s) and metric names. */
function publishedBy(handler: string): { services: Set<string>; metricNames: Set<string> } {
  const services = new Set<string>();
  const metricNames = new Set<string>();
  for (const file of sourceFiles(join(ROOT, dirname(handlerEntry(handler))))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const [first] = node.arguments;
        if (ts.isPropertyAccessExpression(callee) && callee.name.text === "addMetric" && first && ts.isStringLiteralLike(first)) {
          metricNames.add(first.text);
        }
        if (ts.isIdentifier(callee) && callee.text === "createObservability" && first && ts.isObjectLiteralExpression(first)) {
          for (const p of first.properties) {
            if (ts.isPropertyAssignment(p) && p.name.getText(source) === "service" && ts.isStringLiteralLike(p.initializer))
              services.add(p.initializer.text);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { services, metricNames };
}

let deployment: Deployment;
let emfNamespaces: Set<string>;
let emfKeys: string[];
const sameKeys = (dimensions: Record<string, string>) => JSON.stringify(Object.keys(dimensions).sort()) === JSON.stringify(emfKeys);

beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
  emfNamespaces = new Set(deployment.functions.map((f) => f.env.METRIC_NAMESPACE).filter((ns): ns is string => ns !== undefined));
  emfKeys = powertoolsDimensionKeys();
});

/** The deployed alarms' metrics that only EMF from Powertools can feed. */
const emfFed = () => deployment.alarms.flatMap(watchedMetrics).filter((m) => emfNamespaces.has(m.namespace) && sameKeys(m.dimensions));

describe("alarms on Powertools metrics (EMF)", () => {
  it("every one watches a metric its service's handler publishes", () => {
    const published = new Map(allFunctions.map((f) => [f.name, publishedBy(f.name)]));
    const fed = emfFed();

    expect(fed.length).toBeGreaterThan(0);
    const unpublished = fed
      .filter((m) => ![...published.values()].some((p) => p.services.has(m.dimensions.service) && p.metricNames.has(m.metricName)))
      .map((m) => `${m.alarm} (${m.region}) watches ${m.namespace}/${m.metricName} of service ${m.dimensions.service}`);
    expect(unpublished).toEqual([]);
  });

  it("every alarm on a metric name a handler publishes through Powertools uses the dimensions Powertools writes", () => {
    const names = new Set(allFunctions.flatMap((f) => [...publishedBy(f.name).metricNames]));

    const misdimensioned = deployment.alarms
      .flatMap(watchedMetrics)
      .filter((m) => emfNamespaces.has(m.namespace) && names.has(m.metricName) && !sameKeys(m.dimensions))
      .map((m) => `${m.alarm}: ${m.metricName} with ${Object.keys(m.dimensions).join(", ")} (Powertools writes ${emfKeys.join(", ")})`);

    expect(misdimensioned).toEqual([]);
  });
});

describe("the payment-failures alarm in the simulated world", () => {
  /**
   * A world whose primary's payments table refuses writes while `failing` says so, and a client
   * that starts `perPeriod` payments in every 10-second period (spread over it). Returns the
   * alarm's transitions and the answers' statuses. EventBridge rules are off, so no runbook reacts:
   * this is about the signal.
   */
  async function paymentsWhileWritesFail(plan: { failForMs: number; observeMs: number; offsetMs: number; perPeriod: number }) {
    const aws = new SimulatedAws(deployment);
    try {
      const t = aws.world({ background: { alarms: true, eventRules: false } });
      const alarm = t.alarm(t.primary, "payment-failures-");
      let n = 0;
      const pay = () => {
        n += 1;
        return runAs({ region: INTERNET }, () =>
          t.world.gateway.request(
            t.primary,
            {
              method: "POST",
              host: deployment.failoverName,
              path: "/payments",
              headers: { "content-type": "application/json", "idempotency-key": `emf-alarm-${n}` },
              body: JSON.stringify({ amount: 500 + n, currency: "EUR", merchantReference: `order-${n}`, sourceReference: `tok_emf_${n}` }),
            },
            29_000,
          ),
        );
      };
      await t.alignTo(60_000, 1_000);
      expect((await t.settle(pay())).status).toBe(202);
      await t.alignTo(60_000, 1_000);
      expect(t.world.alarms.state(alarm.name, t.primary)).toBe("OK");
      const transitions: string[] = [];
      t.world.alarms.onTransition((tr) => {
        if (tr.alarm.name.startsWith("payment-failures-")) transitions.push(`${tr.alarm.region}: ${tr.from} -> ${tr.to}`);
      });
      await t.advance(plan.offsetMs);
      // The payments table's writes fail in the primary (its control and idempotency tables still answer).
      const undo = t.world.faults.inject({
        action: "api-error",
        service: "dynamodb",
        region: t.primary,
        operations: ["PutItem"],
        resource: t.tables.payments,
        error: "internal",
      });
      const answers: Promise<{ status: number }>[] = [];
      const step = 10_000 / plan.perPeriod;
      let failing = true;
      for (let i = 0; i * step < plan.observeMs; i++) {
        if (failing && i * step >= plan.failForMs) {
          undo();
          failing = false;
        }
        answers.push(pay());
        await t.advance(step);
      }
      if (failing) undo();
      const statuses = (await t.settle(Promise.all(answers))).map((a) => a.status);
      return { t, alarm, transitions, statuses };
    } finally {
      aws.dispose();
    }
  }

  it("goes to ALARM when the primary cannot record payments for a minute, from EMF alone", async () => {
    // Three payments in every 10-second period, all failing, for 90 s.
    const { t, alarm, transitions, statuses } = await paymentsWhileWritesFail({
      failForMs: 90_000,
      observeMs: 90_000,
      offsetMs: 0,
      perPeriod: 3,
    });

    expect(new Set(statuses)).toEqual(new Set([500]));
    expect(transitions).toEqual([`${t.primary}: OK -> ALARM`]);
    // Nobody called PutMetricData for it: the datapoints came from create-payment's log.
    const putPaymentFailed = t
      .calls({ service: "cloudwatch", operation: "PutMetricData" })
      .filter((c) => JSON.stringify(c.input).includes("PaymentFailed"));
    expect(putPaymentFailed).toEqual([]);
    expect(t.world.metrics.last(t.primary, alarm.metric?.namespace ?? "", "PaymentFailed", alarm.metric?.dimensions ?? {})?.value).toBe(1);
    expect(fn(deployment, t.primary, "create-payment").env.METRIC_NAMESPACE).toBe(alarm.metric?.namespace);
  });

  it.each([20_000, 30_000])("stays OK through a %i ms burst of failures: the region is not drained", async (failForMs) => {
    // Started 5 s into a period, so the burst touches as many 10-second periods as it can (4 for 30 s).
    const { transitions, statuses } = await paymentsWhileWritesFail({ failForMs, observeMs: 120_000, offsetMs: 5_000, perPeriod: 3 });

    expect(statuses.filter((s) => s === 500)).toHaveLength((failForMs / 10_000) * 3);
    expect(transitions).toEqual([]);
  });

  it("stays OK while a failure here and there never fills a period (one a period)", async () => {
    // One failing payment every 10 s for two minutes: a quiet region's stray errors, below the per-period threshold.
    const { transitions, statuses } = await paymentsWhileWritesFail({ failForMs: 120_000, observeMs: 120_000, offsetMs: 0, perPeriod: 1 });

    expect(new Set(statuses)).toEqual(new Set([500]));
    expect(transitions).toEqual([]);
  });
});
