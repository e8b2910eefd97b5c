/**
 * The payment path's cache of the authority (lib/region-state-cache.ts), on its own: a fake reader
 * whose reads the test answers or fails by hand, and a clock the test moves. The handlers' tests
 * exercise it through the simulated world; these pin the bounds docs/architecture.md states ("The
 * write path"): a read's lifetime counts from when it was sent, a failed read is never cached,
 * concurrent requests share one read but never wait on one older than the bound, a handover
 * shortens the bound, and a write's deadline is the read's lifetime plus the grace.
 */
import { type Authority, HANDOVER_CACHE_MS, initialAuthority, PAYMENT_WRITE_GRACE_MS } from "../../lib/control-schema";
import { RegionStateCache } from "../../lib/region-state-cache";

const PRIMARY = "us-east-1";
const SECONDARY = "us-east-2";
const TTL_MS = 5000;
const START = Date.parse("2030-03-04T09:00:00Z");

interface PendingRead {
  resolve(authority: Authority | undefined): void;
  reject(error: Error): void;
}

/** A reader whose every read waits until the test settles it, in the order they were sent. */
function fakeReader() {
  const pending: PendingRead[] = [];
  const consistent: boolean[] = [];
  return {
    pending,
    consistent,
    getAuthority(options?: { consistentRead?: boolean }): Promise<Authority | undefined> {
      consistent.push(options?.consistentRead === true);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
}

function world() {
  let now = START;
  const reader = fakeReader();
  const cache = new RegionStateCache(reader, SECONDARY, TTL_MS, () => now);
  return {
    reader,
    cache,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

const at = (ms: number) => new Date(START + ms).toISOString();
const failedOver = (): Authority => ({
  ...initialAuthority(PRIMARY, SECONDARY, at(0)),
  epoch: 2,
  states: { [PRIMARY]: "FENCED", [SECONDARY]: "ACTIVE" },
});

describe("RegionStateCache", () => {
  it("reads strongly, and serves that read until the bound counted from when it was SENT", async () => {
    const w = world();
    const first = w.cache.get();
    w.advance(2000); // the read takes 2 s to answer
    w.reader.pending[0].resolve(failedOver());
    expect((await first)?.state).toBe("ACTIVE");
    expect(w.reader.consistent).toEqual([true]);

    w.advance(TTL_MS - 2000 - 1); // 1 ms before the read is TTL_MS old
    const cached = w.cache.get();
    expect(w.reader.pending).toHaveLength(1);
    expect((await cached)?.state).toBe("ACTIVE");

    w.advance(1); // TTL_MS after it was sent, though only TTL_MS - 2 s after it answered
    const again = w.cache.get();
    expect(w.reader.pending).toHaveLength(2);
    w.reader.pending[1].resolve(initialAuthority(PRIMARY, SECONDARY, at(0)));
    expect((await again)?.state).toBe("STANDBY");
  });

  it("never caches a failed read: the caller gets the error, and the next request reads again", async () => {
    const w = world();
    const first = w.cache.get();
    w.reader.pending[0].reject(new Error("no quorum"));
    await expect(first).rejects.toThrow("no quorum");

    const second = w.cache.get();
    expect(w.reader.pending).toHaveLength(2);
    w.reader.pending[1].resolve(failedOver());
    expect((await second)?.state).toBe("ACTIVE");
  });

  it("gives concurrent requests one read, but does not wait on a read older than the bound", async () => {
    const w = world();
    const a = w.cache.get();
    const b = w.cache.get();
    expect(w.reader.pending).toHaveLength(1);

    w.advance(TTL_MS); // the first read hangs for the whole bound
    const c = w.cache.get();
    expect(w.reader.pending).toHaveLength(2);

    w.reader.pending[1].resolve(failedOver());
    expect((await c)?.state).toBe("ACTIVE");
    // The older read answering last must not replace the newer one in the cache.
    w.reader.pending[0].resolve(initialAuthority(PRIMARY, SECONDARY, at(0)));
    expect((await a)?.state).toBe("STANDBY");
    expect((await b)?.state).toBe("STANDBY");
    const d = w.cache.get();
    expect(w.reader.pending).toHaveLength(2); // served from the newer read: no third one
    expect((await d)?.state).toBe("ACTIVE");
  });

  it("re-reads every HANDOVER_CACHE_MS while the authority records a handover in progress, and at the normal bound after it", async () => {
    const w = world();
    const handover: Authority = {
      ...initialAuthority(PRIMARY, SECONDARY, at(0)),
      epoch: 3,
      states: { [PRIMARY]: "STANDBY", [SECONDARY]: "FENCED" },
      handover: { from: SECONDARY, to: PRIMARY, until: at(60_000) },
    };
    const first = w.cache.handover();
    w.reader.pending[0].resolve(handover);
    expect(await first).toEqual(handover.handover);

    w.advance(HANDOVER_CACHE_MS);
    void w.cache.get();
    expect(w.reader.pending).toHaveLength(2);
    w.reader.pending[1].resolve(failedOver());
    await Promise.resolve();

    w.advance(HANDOVER_CACHE_MS);
    const after = w.cache.handover();
    expect(w.reader.pending).toHaveLength(2); // no handover now: the normal bound applies
    expect(await after).toBeUndefined();
  });

  it("admits a write until the read's lifetime plus the grace: a deadline counted from when the read was sent", async () => {
    const w = world();
    const sentAt = w.now();
    const admission = w.cache.admission();
    w.advance(1500);
    w.reader.pending[0].resolve(failedOver());
    expect(await admission).toEqual({
      record: expect.objectContaining({ region: SECONDARY, state: "ACTIVE", epoch: 2 }),
      writeDeadline: sentAt + TTL_MS + PAYMENT_WRITE_GRACE_MS,
    });
  });

  it("names the writer and reports no record for a region the authority does not hold", async () => {
    const w = world();
    const writer = w.cache.writer();
    w.reader.pending[0].resolve(failedOver());
    expect(await writer).toBe(SECONDARY);

    const other = new RegionStateCache(w.reader, "eu-west-1", TTL_MS, () => w.now());
    const record = other.get();
    w.reader.pending[1].resolve(failedOver());
    expect(await record).toBeUndefined();
  });
});
