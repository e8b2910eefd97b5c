/**
 * The simulated AWS FIS (sim/fis/) running the drill's experiment templates as the program deploys
 * them: what each action does to the world, its calls authorized as the experiment role, durations,
 * stop conditions, StopExperiment, and an experiment AWS would refuse.
 *
 * What this cannot prove: that AWS FIS behaves as modelled beyond what its documentation says
 * (each behaviour cites it in sim/fis/), nor how soon real FIS reacts to an alarm.
 */
import {
  FisClient,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from "@aws-sdk/client-fis";
import type { Deployment, ExperimentTemplateDefinition } from "../../sim/deployment/types";
import { fisOf } from "../../sim/fis/service";
import { planAction } from "../../sim/fis/templates";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { awsClient, CLI_CALL_TUNING } from "../../lib/aws-clients";
import { stack } from "../support/stack";

let deployment: Deployment;
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
  deployment = aws.deployment;
});
afterAll(() => aws.dispose());

const template = (d: Deployment, experiment: string, region: string): ExperimentTemplateDefinition => {
  const t = (d.experimentTemplates ?? []).find((x) => x.region === region && x.tags.DrillExperiment === experiment);
  if (!t) throw new Error(`no ${experiment} template in ${region}`);
  return t;
};

/** FIS SDK calls as the operator on the internet (drctl), answered by the world's FIS. */
function fisApi(t: TestWorld, region: string) {
  const client = awsClient(FisClient, region, CLI_CALL_TUNING);
  return {
    start: (templateId: string) =>
      t.fromInternet(() =>
        client.send(
          new StartExperimentCommand({
            experimentTemplateId: templateId,
            clientToken: `test-${t.now()}`,
            tags: { "requested-by": "alice" },
          }),
        ),
      ),
    get: (id: string) => t.fromInternet(() => client.send(new GetExperimentCommand({ id }))),
    stop: (id: string) => t.fromInternet(() => client.send(new StopExperimentCommand({ id }))),
    list: () => t.fromInternet(() => client.send(new ListExperimentTemplatesCommand({}))),
  };
}

/**
 * Moves virtual time (100 ms at a time, each once real work settled) until the experiment — or,
 * with `action`, that action — is in `status`. "running" for the experiment is not yet its actions
 * running: they first make their calls with the experiment role.
 */
async function reaches(t: TestWorld, id: string, status: string, action?: string, limitMs = 60_000): Promise<void> {
  const now = () => {
    const e = fisOf(t.world).experiments.get(id);
    return action ? e?.actions.find((a) => a.name === action)?.status : e?.status;
  };
  for (let waited = 0; waited <= limitMs; waited += 100) {
    if (now() === status) return;
    await t.advance(100);
  }
  throw new Error(`experiment ${id}${action ? ` action ${action}` : ""} is ${now()}, not ${status}, after ${limitMs / 1000} s`);
}

const paymentsTable = () => {
  const t = deployment.tables.find((x) => x.hashKey === "paymentId");
  if (!t) throw new Error("no payments table");
  return t;
};

/** Whether replication of the payments table into and out of `region` is stopped (MREC: paused; MRSC: the replication path cut). */
function replicationStopped(t: TestWorld, region: string): boolean {
  const table = paymentsTable();
  if (table.consistency === "EVENTUAL")
    return table.regions.every((r) => t.world.pausedReplication.has(`${table.name}|${r}`)) && table.regions.includes(region);
  return t.world.reachability.activeCuts().some((c) => c.paths.includes("replication") && (c.from === region || c.to === region));
}

describe("the deployed templates", () => {
  it("are read from the evaluated program: both drill experiments in each region, by their DrillExperiment tag", () => {
    for (const region of deployment.regions) {
      const names = (deployment.experimentTemplates ?? []).filter((x) => x.region === region).map((x) => x.tags.DrillExperiment);
      expect(names.sort()).toEqual(["pause-replication", "payment-path-dynamodb"]);
    }
  });

  it("are listed by ListExperimentTemplates in their own region only", async () => {
    const t = aws.world({ latency: "none" });
    const out = await fisApi(t, t.secondary).list();
    expect(out.experimentTemplates?.map((x) => x.tags?.Name).sort()).toEqual([
      `drill-pause-replication-${t.secondary}-dev`,
      `drill-payment-path-dynamodb-${t.secondary}-dev`,
    ]);
  });
});

describe("pause-replication", () => {
  it("stops replication into and out of the secondary's payments replica for 15 minutes, every call authorized as the experiment role", async () => {
    const t = aws.world({ latency: "none" });
    const api = fisApi(t, t.secondary);
    const started = await api.start(template(deployment, "pause-replication", t.secondary).id);
    const id = started.experiment?.id ?? "";
    expect(started.experiment?.state?.status).toBe("initiating");

    await reaches(t, id, "running", "pause-replication");
    expect((await api.get(id)).experiment?.state?.status).toBe("running");
    expect(replicationStopped(t, t.secondary)).toBe(true);
    expect(t.world.iam.denials).toEqual([]);

    await t.advance(15 * 60_000);
    await reaches(t, id, "completed");
    const done = (await api.get(id)).experiment;
    expect(done?.state?.status).toBe("completed");
    expect(done?.actions?.["pause-replication"]?.state?.status).toBe("completed");
    expect(replicationStopped(t, t.secondary)).toBe(false);
    expect(t.world.iam.denials).toEqual([]);
  });

  it("stops at once, undoing the pause, when a stop-condition alarm goes to ALARM", async () => {
    const t = aws.world({ latency: "none" });
    const api = fisApi(t, t.secondary);
    const id = (await api.start(template(deployment, "pause-replication", t.secondary).id)).experiment?.id ?? "";
    await reaches(t, id, "running", "pause-replication");
    await t.advance(60_000);
    expect(replicationStopped(t, t.secondary)).toBe(true);

    t.world.alarms.setState(`peer-health-${t.secondary}-dev`, t.secondary, "ALARM", "the primary is failing its health check", t.now());
    await reaches(t, id, "stopped");

    const e = (await api.get(id)).experiment;
    expect(e?.state).toEqual({
      status: "stopped",
      reason: `Stop condition peer-health-${t.secondary}-dev triggered (the alarm went to ALARM)`,
    });
    expect(e?.actions?.["pause-replication"]?.state?.status).toBe("stopped");
    expect(replicationStopped(t, t.secondary)).toBe(false);
  });

  it("never injects when a stop-condition alarm is already in ALARM", async () => {
    const t = aws.world({ latency: "none" });
    t.world.alarms.setState(`payment-failures-${t.secondary}-dev`, t.secondary, "ALARM", "payments failing", t.now());
    const api = fisApi(t, t.secondary);
    const id = (await api.start(template(deployment, "pause-replication", t.secondary).id)).experiment?.id ?? "";
    await reaches(t, id, "stopped");

    expect((await api.get(id)).experiment?.state?.reason).toBe(`Stop condition payment-failures-${t.secondary}-dev was already in ALARM`);
    expect(replicationStopped(t, t.secondary)).toBe(false);
  });

  it("stays stopped when its stop condition fires, and clears, while FIS is still assuming the role", async () => {
    const t = aws.world({ latency: "none" });
    // Hold IAM's answer to FIS assuming the role until the alarm has fired.
    const iam = t.world.iam;
    const assume = iam.service.bind(iam);
    let answer = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    iam.service = async (...args: Parameters<typeof assume>) => {
      await held;
      return assume(...args);
    };
    const id = fisOf(t.world).start(t.secondary, template(deployment, "pause-replication", t.secondary).id).id;
    await t.advance(100);
    expect(fisOf(t.world).experiments.get(id)?.status).toBe("initiating");

    // The alarm fires and clears again before IAM answers: a stopped experiment stays stopped (it cannot be resumed).
    t.world.alarms.setState(`peer-health-${t.secondary}-dev`, t.secondary, "ALARM", "the primary is failing its health check", t.now());
    t.world.alarms.setState(`peer-health-${t.secondary}-dev`, t.secondary, "OK", "the primary answers again", t.now());
    answer();
    await reaches(t, id, "stopped");
    await t.advance(60_000);

    expect(fisOf(t.world).experiments.get(id)?.status).toBe("stopped");
    expect(fisOf(t.world).experiments.get(id)?.actions[0].status).toBe("cancelled");
    expect(replicationStopped(t, t.secondary)).toBe(false);
  });

  it("is stopped by StopExperiment, and cannot be resumed", async () => {
    const t = aws.world({ latency: "none" });
    const api = fisApi(t, t.secondary);
    const id = (await api.start(template(deployment, "pause-replication", t.secondary).id)).experiment?.id ?? "";
    await reaches(t, id, "running");
    await t.advance(30_000);

    const stopped = (await api.stop(id)).experiment;
    await reaches(t, id, "stopped");

    expect(stopped?.id).toBe(id);
    expect((await api.get(id)).experiment?.state).toEqual({ status: "stopped", reason: "Experiment stopped by user" });
    expect(replicationStopped(t, t.secondary)).toBe(false);
    await t.advance(15 * 60_000);
    expect(replicationStopped(t, t.secondary)).toBe(false);
  });

  it("fails, injecting nothing, when the experiment role lacks a permission the action needs", async () => {
    const broken = structuredClone(deployment);
    const role = broken.iam.roles.find((r) => r.name === `fis-drill-${broken.secondaryRegion}-dev`);
    for (const p of role?.policies ?? []) {
      const statements = [p.document.Statement].flat() as { Sid?: string }[];
      p.document.Statement = statements.filter((s) => s.Sid !== "PauseReplicationOfThePaymentsReplica");
    }
    aws.dispose(); // one simulated world at a time: it owns the clock and the SDK fakes
    const other = new SimulatedAws(broken);
    try {
      const t = other.world({ latency: "none" });
      const api = fisApi(t, t.secondary);
      const id = (await api.start(template(broken, "pause-replication", t.secondary).id)).experiment?.id ?? "";
      await reaches(t, id, "failed");

      const e = (await api.get(id)).experiment;
      expect(e?.state?.status).toBe("failed");
      expect(e?.state?.reason).toMatch(
        new RegExp(
          `^action pause-replication: User: arn:aws:sts::123456789012:assumed-role/fis-drill-${t.secondary}-dev/${id} is not authorized to perform: dynamodb:DescribeTable`,
        ),
      );
      expect(replicationStopped(t, t.secondary)).toBe(false);
    } finally {
      other.dispose();
    }
  });
});

describe("payment-path-dynamodb", () => {
  it("cuts the payment functions off DynamoDB (their SDK times out) while the canary outside the VPC still reaches it", async () => {
    const t = aws.world({ latency: "none" });
    const api = fisApi(t, t.primary);
    const id = (await api.start(template(deployment, "payment-path-dynamodb", t.primary).id)).experiment?.id ?? "";
    await reaches(t, id, "running", "payment-path-dynamodb");

    const health = (await t.invoke(t.primary, "health", { httpMethod: "GET", path: "/health", headers: {}, requestContext: {} })) as {
      statusCode: number;
    };
    await t.invoke(t.primary, "canary", {});

    expect(health.statusCode).toBe(503);
    const fromHealth = t.calls({ service: "dynamodb", caller: `health-${t.primary}-dev` });
    expect(fromHealth.length).toBeGreaterThan(0);
    expect(fromHealth.every((c) => c.outcome === "TimeoutError")).toBe(true);
    // The canary runs outside the VPC: its heartbeat write reaches DynamoDB.
    const fromCanary = t.calls({ service: "dynamodb", caller: `canary-${t.primary}-dev` });
    expect(fromCanary.length).toBeGreaterThan(0);
    expect(fromCanary.every((c) => c.outcome === "ok")).toBe(true);
    expect(t.world.iam.denials).toEqual([]);

    await t.advance(10 * 60_000);
    await reaches(t, id, "completed");
    const after = (await t.invoke(t.primary, "health", { httpMethod: "GET", path: "/health", headers: {}, requestContext: {} })) as {
      statusCode: number;
    };
    expect(after.statusCode).toBe(200);
  });

  it("denies exactly the functions attached to the target subnets: the payment path, never a runbook step or the canary", () => {
    const t = aws.world({ latency: "none" });
    const plan = planAction(t.world, {
      name: "payment-path-dynamodb",
      actionId: "aws:network:disrupt-connectivity",
      parameters: { scope: "dynamodb", duration: "PT10M" },
      region: t.primary,
      targetArns: template(deployment, "payment-path-dynamodb", t.primary).targets[0].resourceArns,
    });
    const deny = plan.effects[0].kind === "network-deny" ? plan.effects[0].deny : undefined;
    const inVpc = deployment.functions.filter((f) => f.region === t.primary && f.subnetIds !== undefined).map((f) => f.name);
    expect(deny?.functions.sort()).toEqual(inVpc.sort());
    expect(deny?.functions).toContain(`create-payment-${t.primary}-dev`);
    expect(deny?.functions).not.toContain(`canary-${t.primary}-dev`);
    expect(deny?.functions).not.toContain(`promote-local-${t.primary}-dev`);
  });
});

describe("an experiment AWS would not run", () => {
  it("fails an aws:lambda:invocation-error action on a function without the AWS FIS Lambda extension", async () => {
    const withLambda = structuredClone(deployment);
    const base = template(withLambda, "pause-replication", withLambda.primaryRegion);
    const createPayment = withLambda.functions.find((f) => f.name === `create-payment-${withLambda.primaryRegion}-dev`);
    withLambda.experimentTemplates?.push({
      ...base,
      id: "EXTLAMBDAERRORS",
      tags: { ...base.tags, Name: "lambda-errors", DrillExperiment: "lambda-errors" },
      targets: [{ name: "Functions", resourceType: "aws:lambda:function", resourceArns: [createPayment?.arn ?? ""], selectionMode: "ALL" }],
      actions: [
        {
          name: "errors",
          actionId: "aws:lambda:invocation-error",
          parameters: { duration: "PT5M", preventExecution: "true" },
          targets: { Functions: "Functions" },
          startAfter: [],
        },
      ],
    });
    aws.dispose();
    const other = new SimulatedAws(withLambda);
    try {
      const t = other.world({ latency: "none" });
      const api = fisApi(t, t.primary);
      const id = (await api.start("EXTLAMBDAERRORS")).experiment?.id ?? "";
      await reaches(t, id, "failed");

      expect((await api.get(id)).experiment?.state).toEqual({
        status: "failed",
        reason: `action errors: create-payment-${t.primary}-dev has no AWS_FIS_CONFIGURATION_LOCATION: the AWS FIS Lambda extension is not configured on it`,
        error: { code: "ActionFailed" },
      });
      expect(fisOf(t.world).experiments.get(id)?.actions[0].status).toBe("failed");
    } finally {
      other.dispose();
    }
  });
});
