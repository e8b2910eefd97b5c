import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { ApiResult } from "../../functions/domain/http";
import { postPayment } from "../functions/support/events";
import type { Deployment } from "../../sim/deployment/types";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { failedOver, onControlChange } from "./support/sim";

// What would break a shorter eventual-mode handover (issue 16, "A planned move costs clients no
// outage"): the failback's settle — the wait between fencing the secondary and writing the sentinel
// that the primary promotes on — is there because the secondary's payment path may still write
// after the fence. Each case runs the failback under a client that keeps paying into the secondary,
// and checks the invariant at the primary's promotion: every payment the old writer acknowledged,
// before or after that moment, had already reached the new writer. "settle cut" is the machine as
// deployed with WaitForSecondaryWritesToSettle set to 0 s: each case must break it — payments the
// secondary acknowledged were applied there after the sentinel, which then vouches for nothing (and,
// where replication's timing allows, the primary promotes without them); "as deployed" must hold. What a test here cannot prove: that AWS applies
// a sent write within the bound the deployed settle assumes (the residual case below shows what the
// simulation does when it does not), or that a table's partitions replicate in order (the
// simulation replicates a table's writes in order per link; AWS does not promise it).

const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-2001", sourceReference: "tok_visa_4242" };
const CLIENT_INTERVAL_MS = 200;
/** Every SimulatedAws this file makes: only one of them may hold a world (a virtual clock) at a time. */
const worlds: SimulatedAws[] = [];

/** The deployment with the failback's settle (in the primary's machine) replaced. */
function withSettle(d: Deployment, seconds: number): Deployment {
  return {
    ...d,
    stateMachines: d.stateMachines.map((m) => {
      const settle = m.definition.States.WaitForSecondaryWritesToSettle;
      if (!settle) return m;
      return {
        ...m,
        definition: {
          ...m.definition,
          States: { ...m.definition.States, WaitForSecondaryWritesToSettle: { ...settle, Seconds: seconds } },
        },
      };
    }),
  };
}

interface Outcome {
  status: string;
  /** Payments the secondary acknowledged (202) after the run started. */
  acknowledged: string[];
  /** Of those, the ones that were not in the primary's replica when the primary promoted itself. */
  missingAtPromotion: string[];
  /**
   * Of those, the ones the secondary's replica applied after the payments table's sentinel: the
   * sentinel cannot vouch for them, so if they reached the primary before the promotion that was
   * replication's timing, not the proof.
   */
  writtenAfterSentinel: string[];
  /** Payments created in the secondary's replica after its sentinel, acknowledged or not (their keys). */
  createdAfterSentinel: string[];
}

/**
 * A failback in eventual mode while one client pays into the secondary every 200 ms, from before the
 * run until a second after the promotion. `arrange` adds faults first.
 */
async function failbackUnderLoad(aws: SimulatedAws, arrange: (t: TestWorld) => void = () => {}): Promise<Outcome> {
  for (const other of worlds) other.dispose(); // one virtual clock at a time
  const t = await failedOver(aws);
  const { primary: PRIMARY, secondary: SECONDARY } = t;
  arrange(t);
  const acked = new Map<string, number>();
  const arrived = new Map<string, number>();
  const written = new Map<string, number>();
  let sentinelAt: number | undefined;
  const createdAfterSentinel: string[] = [];
  t.world.dynamodb.onChange((change) => {
    if (change.table !== t.tables.payments || !change.new) return;
    if (change.region === PRIMARY && !arrived.has(change.key)) arrived.set(change.key, t.now());
    if (change.region === SECONDARY && change.local && !written.has(change.key)) written.set(change.key, t.now());
    if (change.region === SECONDARY && change.local && !change.old && sentinelAt !== undefined && !change.key.includes("#sentinel"))
      createdAfterSentinel.push(change.key);
    if (change.region === SECONDARY && change.local && change.key.includes("#sentinel")) sentinelAt ??= t.now();
  });
  let promotedAt: number | undefined;
  onControlChange(
    t,
    (item, { region, local }) =>
      local && region === PRIMARY && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
    () => {
      promotedAt = t.now();
    },
  );
  let n = 0;
  const stop = t.clock.every(
    CLIENT_INTERVAL_MS,
    () => {
      if (promotedAt !== undefined && t.now() > promotedAt + 1000) return stop();
      n += 1;
      const key = `hazard-client-${String(n).padStart(5, "0")}`;
      void (t.beginInvoke(SECONDARY, "create-payment", postPayment(BODY, key)) as Promise<ApiResult>).then((r) => {
        if (r.statusCode === 202) acked.set((JSON.parse(r.body) as { paymentId: string }).paymentId, t.now());
      });
    },
    0,
  );
  const result = await t.execute(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
  stop();
  await t.advance(15_000); // late acknowledgements come in; replication drains
  const keyOf = (paymentId: string) => JSON.stringify(paymentId); // the model's key: the hash key's value
  const missingAtPromotion = [...acked.keys()].filter((id) => {
    const at = arrived.get(keyOf(id));
    return promotedAt !== undefined && (at === undefined || at > promotedAt);
  });
  const writtenAfterSentinel = [...acked.keys()].filter((id) => sentinelAt === undefined || (written.get(keyOf(id)) ?? 0) > sentinelAt);
  return {
    status: result.error ? `${result.status} (${result.error})` : result.status,
    acknowledged: [...acked.keys()],
    missingAtPromotion,
    writtenAfterSentinel,
    createdAfterSentinel,
  };
}

describe("eventual mode's failback: what a shorter settle must survive", () => {
  let deployed: SimulatedAws;
  let cut: SimulatedAws;
  beforeAll(async () => {
    const ev = await stack(EVENTUAL_OFFLINE_OPTIONS);
    deployed = SimulatedAws.fromEvaluation(ev);
    cut = new SimulatedAws(withSettle(deployed.deployment, 0));
    worlds.push(deployed, cut);
  });
  afterAll(() => {
    deployed.dispose();
    cut.dispose();
  });

  // `missingWhenCut`: with the settle cut, the simulation's replication timing also makes the primary
  // promote before an acknowledged payment arrived (the invariant broken, not only its proof). On
  // the machine before the handover was announced (a 5 s cache at the fence) every case did:
  // 11, 13 and 20 of 17, 17 and 22 acknowledged payments missing; with the announcement, the
  // cached copies expire within a second of the fence and only the lagging table still shows it.
  const cases: { name: string; arrange: (t: TestWorld) => void; missingWhenCut: boolean }[] = [
    {
      // The secondary's container read the authority (ACTIVE) just before the fence and admits on
      // that cached copy after it; the sentinel, written at once, overtakes those payments.
      name: "a container that cached ACTIVE just before the fence goes on admitting payments",
      arrange: () => {},
      missingWhenCut: false,
    },
    {
      // The secondary's payment PutItem takes 400 ms: admitted before the fence, applied after it.
      name: "a write admitted just before the fence applies late (api-latency on the payments PutItem)",
      arrange: (t) =>
        t.fault({
          action: "api-latency",
          delayMs: 400,
          service: "dynamodb",
          operations: ["PutItem"],
          region: t.secondary,
          resource: t.tables.payments,
          callers: ["create-payment"],
        }),
      missingWhenCut: false,
    },
    {
      // The payments table replicates 2 s behind, the control table (fence, control sentinel) on time.
      name: "replication of the payments table lags behind the control table",
      arrange: (t) => t.fault({ action: "replication-lag", table: "payments", from: t.secondary, to: t.primary, lagMs: 2000 }),
      missingWhenCut: true,
    },
  ];

  for (const c of cases) {
    it(`settle cut: ${c.name} — and the primary promotes without payments the secondary acknowledged`, async () => {
      const outcome = await failbackUnderLoad(cut, c.arrange);
      expect(outcome.status).toBe("SUCCEEDED");
      expect(outcome.acknowledged.length).toBeGreaterThan(10);
      expect(outcome.writtenAfterSentinel.length).toBeGreaterThan(0);
      if (c.missingWhenCut) expect(outcome.missingAtPromotion.length).toBeGreaterThan(0);
    });

    it(`as deployed: ${c.name} — and every payment the secondary acknowledged is in the primary when it promotes`, async () => {
      const outcome = await failbackUnderLoad(deployed, c.arrange);
      expect(outcome.status).toBe("SUCCEEDED");
      expect(outcome.acknowledged.length).toBeGreaterThan(10);
      expect(outcome.missingAtPromotion).toEqual([]);
      expect(outcome.writtenAfterSentinel).toEqual([]);
      expect(outcome.createdAfterSentinel).toEqual([]);
    });
  }

  it("shows the residual hazard as deployed: a payment write that applies later than the assumed bound (api-latency 1.5 s) lands in the secondary after the sentinel", async () => {
    // The settle assumes a sent write applies within SENT_WRITE_APPLY_BOUND_MS (AWS documents no
    // bound). The payment path aborts the call at its deadline and answers 503, so nothing late is
    // acknowledged — but the write still applies after the sentinel, and the client's retry at the
    // promoted primary can create the payment there a second time, with the primary as its origin.
    const outcome = await failbackUnderLoad(deployed, (t) =>
      t.fault({
        action: "api-latency",
        delayMs: 1500,
        service: "dynamodb",
        operations: ["PutItem"],
        region: t.secondary,
        resource: t.tables.payments,
        callers: ["create-payment"],
      }),
    );
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.createdAfterSentinel.length).toBeGreaterThan(0);
    expect(outcome.writtenAfterSentinel).toEqual([]); // none of them acknowledged: aborted at the deadline
  });
});
