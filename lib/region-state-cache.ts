/**
 * The payment path's view of the authority: one strongly consistent read per container per cache
 * bound, shared by every request (docs/architecture.md, "The write path"). A module of its own so
 * that a payment handler imports the reader and this cache, never the runbooks' ControlTable
 * (control-record.ts).
 */
import type { ControlReader } from "./control-reader";
import {
  type Authority,
  type Handover,
  HANDOVER_CACHE_MS,
  handoverInProgress,
  PAYMENT_WRITE_GRACE_MS,
  type RegionRecord,
  regionView,
  writerOf,
} from "./control-schema";

/**
 * This region as the authority says it is, cached for `ttlMs` so the payment path does not read the
 * control table on every request. The read is strongly consistent: on an MRSC table (strong mode) it
 * returns the latest authority in any region, and it FAILS in a region cut off from both its peer
 * and the witness — so an isolated region refuses writes and fails /health within `ttlMs`, with no
 * runbook involved. That bound is also how long a demoted region may go on accepting payments after
 * the authority moved (docs/architecture.md states it). Failed reads are not cached: the caller
 * decides (payment writes fail closed). While the cached authority records a handover in progress
 * the bound is {@link HANDOVER_CACHE_MS} instead.
 *
 * A write admitted on a read may be sent only until that read's lifetime ends plus
 * {@link PAYMENT_WRITE_GRACE_MS} ({@link RegionStateCache.admission}): with the cache bound, that is
 * what lets a planned move know when the old writer's last payment write left.
 */
export class RegionStateCache {
  private cached: { authority: Authority | undefined; readAt: number } | undefined;
  private inflight: { read: Promise<{ authority: Authority | undefined; sentAt: number }>; sentAt: number } | undefined;

  constructor(
    private readonly table: Pick<ControlReader, "getAuthority">,
    private readonly region: string,
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** This region as the authority says it is. */
  async get(): Promise<RegionRecord | undefined> {
    return regionView(await this.authority(), this.region);
  }

  /**
   * This region as the authority says it is, and the instant (epoch ms) after which a write this
   * answer admits must not be sent: when the read it comes from was sent, plus the lifetime the
   * cache gives that read, plus {@link PAYMENT_WRITE_GRACE_MS}.
   */
  async admission(): Promise<{ record: RegionRecord | undefined; writeDeadline: number }> {
    const { authority, sentAt } = await this.view();
    return {
      record: regionView(authority, this.region),
      writeDeadline: sentAt + this.ttlFor(authority, this.now()) + PAYMENT_WRITE_GRACE_MS,
    };
  }

  /** The region the authority makes the writer, as of the same (cached) read. */
  async writer(): Promise<string | undefined> {
    return writerOf(await this.authority());
  }

  /** The handover in progress (eventual mode's planned move), as of the same (cached) read. */
  async handover(): Promise<Handover | undefined> {
    return handoverInProgress(await this.authority(), this.now());
  }

  /** How long a read that returned `authority` may be used: shorter while a handover is in progress. */
  private ttlFor(authority: Authority | undefined, now: number): number {
    return handoverInProgress(authority, now) ? Math.min(this.ttlMs, HANDOVER_CACHE_MS) : this.ttlMs;
  }

  private async authority(): Promise<Authority | undefined> {
    return (await this.view()).authority;
  }

  /** The authority as of the newest usable read, and when that read was sent. */
  private async view(): Promise<{ authority: Authority | undefined; sentAt: number }> {
    const now = this.now();
    const cached = this.cached;
    if (cached && now - cached.readAt < this.ttlFor(cached.authority, now)) return { authority: cached.authority, sentAt: cached.readAt };
    // One read at a time per container, however many requests arrive at once — but a read still
    // unanswered after the cache's own bound is not waited on: requests then start a fresh one.
    if (this.inflight && now - this.inflight.sentAt < this.ttlMs) return this.inflight.read;
    // The bound runs from when the read was sent: what it returns may be that old.
    const sentAt = now;
    const read = this.table.getAuthority({ consistentRead: true }).then((authority) => {
      if (!this.cached || this.cached.readAt <= sentAt) this.cached = { authority, readAt: sentAt };
      return { authority, sentAt };
    });
    this.inflight = { read, sentAt };
    const clear = () => {
      if (this.inflight?.read === read) this.inflight = undefined;
    };
    read.then(clear, clear);
    return read;
  }

  /** For tests and for handlers that must see a fresh value (deep health). */
  invalidate(): void {
    this.cached = undefined;
  }
}
