/**
 * create-payment in eventual mode, as deployed (support/simulated-region.ts, the eventual-mode
 * stack): the partition guard on the write path. The primary is ACTIVE in its own replica — as a
 * primary cut off from a failover is — and its canary's probe record of the peer says what the
 * canary last saw: the peer's answer and the DNS witness's. The decision's full truth table is in
 * partition-guard.test.ts; this proves the handler obeys it: a refused payment writes nothing,
 * not even an idempotency record, and is redirected only to the configured peer origin.
 *
 * What this cannot prove: that Route 53 answers the witness as the canary stored it (the rehearsal's
 * partition scenarios run the canary against the simulated Route 53).
 */
import type { ApiResult } from "../../functions/domain/http";
import { controlKeys } from "../../lib/control-schema";
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/evaluate";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

const simulated = simulatedAwsForFile({
  eventSources: false,
  stack: { config: { ...DEFAULT_OFFLINE_CONFIG, dataConsistency: "eventual" } },
});
let sim: SimulatedRegion;

const post = (key = "order-7f3c2a9e-4b1d-4c55") => sim.invoke<ApiResult>("create-payment", postPayment(BODY, key));
const probeInterval = () => 60_000 / Number(sim.spec("create-payment").env.PROBES_PER_MINUTE);

/** The canary's record in `observer` after `silent` probes without an answer from the peer, with the witness as given. */
function canarySaw(observer: string, target: string, silent: number, witness: string[] | "unanswered") {
  const now = sim.t.now();
  sim.seed("control", {
    pk: controlKeys.probe(observer, target),
    observer,
    target,
    lastCheckedAt: now - 1000,
    lastStatus: silent > 0 ? 0 : 200,
    consecutiveFailures: silent,
    lastHealthyAt: now - 1000 - silent * probeInterval(),
    lastAnsweredAt: now - 1000 - silent * probeInterval(),
    ...(silent > 0 ? { firstFailedAt: now - 1000 - (silent - 1) * probeInterval() } : {}),
    witnessCheckedAt: now - 1000,
    ...(witness === "unanswered" ? {} : { witnessAnswers: witness }),
  });
}

describe("POST /payments in eventual mode: the partition guard (primary)", () => {
  beforeEach(() => {
    sim = simulated.region("primary");
    sim.setRegionState("ACTIVE");
    sim.setRegionState("STANDBY", sim.peer);
  });

  it("redirects with 307 to the peer's region-pinned API when the peer is silent and Route 53 names it, writing nothing", async () => {
    canarySaw(sim.region, sim.peer, 3, [sim.peer]);

    const response = await post();

    expect(response.statusCode).toBe(307);
    expect(response.headers?.location).toBe(`${sim.peerApiOrigin}/payments`);
    expect(response.headers?.["retry-after"]).toBe("0");
    expect(JSON.parse(response.body)).toEqual({
      error: `${sim.region} cannot reach ${sim.peer} and Route 53 names ${sim.peer}. Send the same request there with the same Idempotency-Key`,
      reason: "PEER_PROMOTED",
      region: sim.region,
    });
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
    expect(sim.dynamo("idempotency")).toEqual([]);
  });

  it("refuses with 503 and Retry-After 5 when neither the peer nor any name server answered, writing nothing", async () => {
    canarySaw(sim.region, sim.peer, 2, "unanswered");

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.location).toBeUndefined();
    expect(response.headers?.["retry-after"]).toBe("5");
    expect(JSON.parse(response.body)).toMatchObject({ reason: "PEER_AND_WITNESS_UNREACHABLE", region: sim.region });
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it.each([
    ["the witness still names this region", 3, "self"],
    ["the peer answered the latest probe", 0, "peer"],
    ["the peer missed one probe only", 1, "peer"],
  ] as const)("accepts the payment when %s", async (_, silent, named) => {
    canarySaw(sim.region, sim.peer, silent, [named === "self" ? sim.region : sim.peer]);

    expect((await post()).statusCode).toBe(202);
  });

  it("accepts the payment when the canary has left no record (the guard acts on evidence only)", async () => {
    expect((await post()).statusCode).toBe(202);
  });

  it("reads the canary's record from the local replica only after the authority allowed the write, once per cache bound", async () => {
    canarySaw(sim.region, sim.peer, 0, [sim.region]);

    expect((await post("first-key-00001")).statusCode).toBe(202);
    expect((await post("second-key-0002")).statusCode).toBe(202);

    const reads = sim.dynamo("control", ["GetItem"]);
    expect(reads.map((r) => JSON.parse(r.key as string).pk)).toEqual(["authority", controlKeys.probe(sim.region, sim.peer)]);
    expect(new Set(reads.map((r) => r.region))).toEqual(new Set([sim.region]));
  });

  it("follows the canary's record within the cache bound: a payment accepted, then refused once Route 53 names the peer", async () => {
    canarySaw(sim.region, sim.peer, 3, [sim.region]);
    expect((await post("first-key-00001")).statusCode).toBe(202);

    canarySaw(sim.region, sim.peer, 3, [sim.peer]);
    await sim.t.advance(sim.cacheMs);

    expect((await post("second-key-0002")).statusCode).toBe(307);
    expect(sim.items("payments")).toHaveLength(1);
  });
});

describe("POST /payments in eventual mode: the secondary", () => {
  it("does not apply the guard: a witness naming the primary is only Route 53's default, not evidence of a promotion", async () => {
    sim = simulated.region("secondary");
    sim.setRegionState("ACTIVE");
    sim.setRegionState("FENCED", sim.peer);
    canarySaw(sim.region, sim.peer, 5, [sim.peer]);

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(sim.dynamo("control", ["GetItem"]).map((r) => JSON.parse(r.key as string).pk)).toEqual(["authority"]);
  });
});
