/**
 * The simulated network is as strict as the VPC (sim/vpc-routing.ts, sim/iam/endpoint-policies.ts):
 * a function attached to private subnets with no NAT reaches only what its VPC's endpoints serve —
 * its own region's DynamoDB and S3 through gateway endpoints, the interface-endpoint services with
 * private DNS — and each call through an endpoint is held to the endpoint's policy as well as to
 * IAM. Another region's endpoint, or a service with no endpoint, never answers: the caller's SDK
 * waits out its connection timeout. Functions outside a VPC (the canary, the runbooks) reach every
 * public regional endpoint.
 *
 * What this cannot prove: that AWS's DNS and routing behave exactly so in every case (a dropped
 * packet could in AWS also be refused quickly by something in between; the simulation models the
 * slower failure), nor that @cloud-copilot/iam-simulate evaluates endpoint policies as AWS does.
 */
import { API_CALL_TUNING } from "../../lib/aws-clients";
import type { Deployment } from "../../sim/deployment/types";
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import { Resolver } from "node:dns/promises";
import { nameServerAddress } from "../../sim/interceptors";
import { runAs } from "../../sim/network";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const client = (region: string) => ({ region, ...API_CALL_TUNING });

/** One DynamoDB GetItem of the region-state item, made from `handler`'s function in `from` to the table in `to`. */
function getItem(t: TestWorld, d: Deployment, handler: string, from: string, to: string) {
  const caller = fn(d, from, handler);
  const table = d.tables.find((x) => x.name.includes("control"));
  if (!table) throw new Error("no control table");
  return t.settle(
    runAs({ region: from, functionName: caller.name }, () =>
      t.world
        .call("dynamodb", "GetItem", client(to), () => "answered", { TableName: table.name, Key: { pk: { S: "region#x" } } })
        .then(
          (v) => ({ ok: true as const, value: v, at: t.world.now() }),
          (e: Error) => ({ ok: false as const, name: e.name, message: e.message, at: t.world.now() }),
        ),
    ),
  );
}

describe("the network a VPC-attached function has", () => {
  let aws: SimulatedAws;
  afterEach(() => aws?.dispose());

  it("attaches the payment path to the VPC and leaves the canary and the runbooks out of it (the premise of this file)", () => {
    for (const region of deployment.regions) {
      for (const handler of ["create-payment", "get-payment", "health", "process-payment"])
        expect(fn(deployment, region, handler).subnetIds?.length).toBeGreaterThan(0);
      for (const handler of ["canary", "promote-local", "check-replication"])
        expect(fn(deployment, region, handler).subnetIds).toBeUndefined();
    }
  });

  it("reaches DynamoDB in its own region through the gateway endpoint", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary] = deployment.regions;

    const out = await getItem(t, deployment, "create-payment", primary, primary);

    expect(out).toMatchObject({ ok: true, value: "answered" });
  });

  it("gets no answer from DynamoDB in the other region: the call waits out every attempt's connection timeout", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary, secondary] = deployment.regions;
    const started = t.world.now();

    const out = await getItem(t, deployment, "create-payment", primary, secondary);

    expect(out).toMatchObject({ ok: false, name: "TimeoutError" });
    // Three attempts of 1 s each plus the SDK's backoff between them (200 + 400 ms): nothing refused it sooner.
    expect(out.at - started).toBe(3 * API_CALL_TUNING.connectionTimeoutMs + 600);
    expect(t.calls({ service: "dynamodb", caller: fn(deployment, primary, "create-payment").name })[0]).toMatchObject({
      region: secondary,
      outcome: "TimeoutError",
    });
  });

  it("gets no answer from a service its VPC has no endpoint for (Step Functions, Lambda)", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary] = deployment.regions;
    const caller = fn(deployment, primary, "create-payment");

    const outcomes = await t.settle(
      runAs({ region: primary, functionName: caller.name }, () =>
        Promise.all(
          ["sfn", "lambda"].map((service) =>
            t.world
              .call(service, "Anything", client(primary), () => "answered")
              .then(
                () => "answered",
                (e: Error) => e.name,
              ),
          ),
        ),
      ),
    );

    expect(outcomes).toEqual(["TimeoutError", "TimeoutError"]);
  });

  /** sts:GetCallerIdentity needs no permission: whether it answers is a question of the network alone. */
  function whoAmI(t: TestWorld, handler: string, from: string, to: string) {
    const caller = fn(deployment, from, handler);
    return t.settle(
      runAs({ region: from, functionName: caller.name }, () =>
        t.world
          .call("sts", "GetCallerIdentity", client(to), () => "answered")
          .then(
            () => "answered",
            (e: Error) => e.name,
          ),
      ),
    );
  }

  it("lets the canary, outside any VPC, reach both regions' public endpoints", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary, secondary] = deployment.regions;

    const own = await getItem(t, deployment, "canary", primary, primary);
    const sts = [await whoAmI(t, "canary", primary, primary), await whoAmI(t, "canary", primary, secondary)];

    expect(own.ok).toBe(true);
    expect(sts).toEqual(["answered", "answered"]);
  });

  it("reaches STS only in its own region from the VPC (an interface endpoint serves its own region)", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary, secondary] = deployment.regions;

    const sts = [await whoAmI(t, "create-payment", primary, primary), await whoAmI(t, "create-payment", primary, secondary)];

    expect(sts).toEqual(["answered", "TimeoutError"]);
  });
});

describe("the internet, from inside and outside the VPC", () => {
  let aws: SimulatedAws;
  afterEach(() => aws?.dispose());

  /** GET https://api-<peer>.<zone>/health as `handler` in `from`: the status, or the error and its cause's code. */
  function probePeer(t: TestWorld, handler: string, from: string) {
    const peer = deployment.regions.find((r) => r !== from) as string;
    const host = deployment.apis.find((a) => a.region === peer)?.domains.find((d) => d !== deployment.failoverName);
    return t.settle(
      runAs({ region: from, functionName: fn(deployment, from, handler).name }, () =>
        fetch(`https://${host}/health`).then(
          (r) => ({ status: r.status, at: t.world.now() }),
          (e: Error) => ({ error: e.message, cause: (e.cause as { code?: string } | undefined)?.code, at: t.world.now() }),
        ),
      ),
    );
  }

  /** The failover witness TXT, asked of the zone's authoritative name servers, as `handler` in `from`. */
  function askWitness(t: TestWorld, handler: string, from: string) {
    const resolver = new Resolver();
    resolver.setServers([nameServerAddress(0)]);
    return t.settle(
      runAs({ region: from, functionName: fn(deployment, from, handler).name }, () =>
        resolver.resolveTxt(deployment.witnessName).then(
          (answer) => answer.flat().join(","),
          (e: { code?: string }) => e.code ?? "error",
        ),
      ),
    );
  }

  it("lets the canary probe the peer's public API, and leaves a payment function with no route to it (undici's 10 s connect timeout)", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary] = deployment.regions;
    const started = t.world.now();

    const canary = await probePeer(t, "canary", primary);
    const inVpc = await probePeer(t, "create-payment", primary);

    expect(canary).toMatchObject({ status: 200 });
    expect(inVpc).toMatchObject({ error: "fetch failed", cause: "UND_ERR_CONNECT_TIMEOUT" });
    expect(inVpc.at - canary.at).toBe(10_000);
    expect(canary.at - started).toBeLessThan(10_000);
  });

  it("answers the canary's authoritative query, and leaves a payment function's unanswered", async () => {
    aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    const [primary] = deployment.regions;

    const outcomes = [await askWitness(t, "canary", primary), await askWitness(t, "health", primary)];

    expect(outcomes).toEqual([primary, "ETIMEOUT"]);
  });
});

describe("the VPC endpoint policy, evaluated with IAM", () => {
  let aws: SimulatedAws;
  afterEach(() => aws?.dispose());

  /** A copy of the deployment whose `service` endpoints' policies no longer allow `action`. */
  function endpointWithout(service: string, action: string): Deployment {
    const copy = clone(deployment);
    let removed = 0;
    for (const e of copy.vpcEndpoints ?? []) {
      if (e.service !== service || !e.policy) continue;
      for (const s of [e.policy.Statement].flat() as { Action: string | string[] }[]) {
        const actions = [s.Action].flat();
        removed += actions.includes(action) ? 1 : 0;
        s.Action = actions.filter((a) => a !== action);
      }
    }
    if (removed === 0) throw new Error(`no ${service} endpoint policy allowed ${action}`);
    return copy;
  }

  it("denies a call the endpoint policy does not allow, naming the VPC endpoint, though IAM allows it", async () => {
    const d = endpointWithout("dynamodb", "dynamodb:GetItem");
    aws = new SimulatedAws(d);
    const t = aws.world({ latency: "none" });
    const [primary] = d.regions;
    const endpoint = (d.vpcEndpoints ?? []).find((e) => e.region === primary && e.service === "dynamodb");

    const out = await getItem(t, d, "health", primary, primary);

    expect(out).toMatchObject({ ok: false, name: "AccessDeniedException" });
    expect(out.ok ? "" : out.message).toMatch(
      /is not authorized to perform: dynamodb:GetItem on resource: .* because no VPC endpoint policy allows the dynamodb:GetItem action/,
    );
    expect(t.world.iam.denials[0]).toMatchObject({ action: "dynamodb:GetItem", vpcEndpointId: endpoint?.id });
  });

  it("answers the same call from the canary, which does not go through the endpoint", async () => {
    const d = endpointWithout("dynamodb", "dynamodb:GetItem");
    aws = new SimulatedAws(d);
    const t = aws.world({ latency: "none" });
    const [primary] = d.regions;

    const out = await getItem(t, d, "canary", primary, primary);

    expect(out.ok).toBe(true);
  });

  it("denies an explicit Deny in the endpoint policy with AWS's wording", async () => {
    const d = clone(deployment);
    const [primary] = d.regions;
    const endpoint = (d.vpcEndpoints ?? []).find((e) => e.region === primary && e.service === "dynamodb");
    if (!endpoint?.policy) throw new Error("no dynamodb endpoint policy");
    endpoint.policy.Statement = [
      ...[endpoint.policy.Statement].flat(),
      { Effect: "Deny", Principal: "*", Action: "dynamodb:GetItem", Resource: "*" },
    ];
    aws = new SimulatedAws(d);
    const t = aws.world({ latency: "none" });

    const out = await getItem(t, d, "health", primary, primary);

    expect(out.ok ? "" : out.message).toMatch(/with an explicit deny in a VPC endpoint policy$/);
  });

  it("lets only the account's root user through a gateway endpoint whose policy names the account as Principal (AWS's rule for gateway endpoints)", async () => {
    const d = clone(deployment);
    const [primary] = d.regions;
    const endpoint = (d.vpcEndpoints ?? []).find((e) => e.region === primary && e.service === "dynamodb");
    if (!endpoint?.policy) throw new Error("no dynamodb endpoint policy");
    for (const s of [endpoint.policy.Statement].flat()) s.Principal = { AWS: `arn:aws:iam::${d.accountId}:root` };
    aws = new SimulatedAws(d);
    const t = aws.world({ latency: "none" });

    const out = await getItem(t, d, "health", primary, primary);

    expect(out.ok ? "" : out.message).toMatch(/because no VPC endpoint policy allows the dynamodb:GetItem action/);
  });
});
