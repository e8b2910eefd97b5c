/**
 * The alarms the stack builds on Powertools metrics (EMF in the functions' logs) can fire: every
 * such alarm in the deployed catalogue watches a metric some handler in the registry publishes,
 * under the dimensions Powertools writes, and in the simulated world the payment-failures alarm —
 * fed by create-payment's PaymentFailed, through EMF only — goes to ALARM when the primary's
 * payment path cannot write.
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
  it("goes to ALARM when the primary cannot record payments, from EMF alone", async () => {
    const aws = new SimulatedAws(deployment);
    try {
      // Alarms evaluated; EventBridge rules off so no runbook reacts (this is about the signal).
      const t = aws.world({ background: { alarms: true, eventRules: false } });
      const alarm = t.alarm(t.primary, "payment-failures-");
      expect(emfFed().map((m) => m.alarm)).toContain(alarm.name);
      // A client on the internet paying in the primary; not settled here, so payments start on a schedule.
      const pay = (n: number) =>
        runAs({ region: INTERNET }, () =>
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
      await t.alignTo(60_000, 1_000);
      expect((await t.settle(pay(0))).status).toBe(202);
      await t.alignTo(60_000, 1_000);
      expect(t.world.alarms.state(alarm.name, t.primary)).toBe("OK");

      const transitions: string[] = [];
      t.world.alarms.onTransition((tr) => {
        if (tr.alarm.name.startsWith("payment-failures-")) transitions.push(`${tr.alarm.region}: ${tr.from} -> ${tr.to}`);
      });
      // The payments table's writes fail in the primary (its control and idempotency tables still answer).
      t.world.faults.inject({
        action: "api-error",
        service: "dynamodb",
        region: t.primary,
        operations: ["PutItem"],
        resource: t.tables.payments,
        error: "internal",
      });
      // Six payments a minute for four minutes, each started 10 s after the last (threshold: 5 a minute for 3 minutes).
      const answers: Promise<{ status: number }>[] = [];
      for (let n = 1; n <= 4 * 6; n++) {
        answers.push(pay(n));
        await t.advance(10_000);
      }
      const statuses = (await t.settle(Promise.all(answers))).map((a) => a.status);

      expect(new Set(statuses)).toEqual(new Set([500]));
      expect(transitions).toEqual([`${t.primary}: OK -> ALARM`]);
      // Nobody called PutMetricData for it: the datapoints came from create-payment's log.
      const putPaymentFailed = t
        .calls({ service: "cloudwatch", operation: "PutMetricData" })
        .filter((c) => JSON.stringify(c.input).includes("PaymentFailed"));
      expect(putPaymentFailed).toEqual([]);
      expect(t.world.metrics.last(t.primary, alarm.metric?.namespace ?? "", "PaymentFailed", alarm.metric?.dimensions ?? {})?.value).toBe(
        1,
      );
      expect(fn(deployment, t.primary, "create-payment").env.METRIC_NAMESPACE).toBe(alarm.metric?.namespace);
    } finally {
      aws.dispose();
    }
  });
});
