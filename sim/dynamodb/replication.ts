/**
 * Asynchronous replication between the replicas of each global table: every local write is queued
 * per link (from → to) in write order and delivered after the link's lag, applied
 * last-writer-wins (dynamodb.ts). A link delivers only while both regions are up and not
 * partitioned; writes not yet replicated when a region died wait in its queue until it recovers,
 * as DynamoDB does. Each delivery reports its latency (the source region's ReplicationLatency).
 */
import type { Change, DynamoDbService, Version } from "./model";

interface Pending {
  table: string;
  key: string;
  version: Version;
  dueAt: number;
}

export interface ReplicationOptions {
  now: () => number;
  after: (ms: number, fn: () => void) => void;
  /** Both ends up and connected. */
  canDeliver: (from: string, to: string) => boolean;
  /** Current lag of the link, ms (scenarios degrade it). */
  lagMs: (from: string, to: string) => number;
  onDelivered?: (from: string, to: string, table: string, latencyMs: number) => void;
}

export class Replicator {
  private readonly queues = new Map<string, Pending[]>();
  private readonly armed = new Map<string, number>();

  constructor(
    private readonly db: DynamoDbService,
    private readonly options: ReplicationOptions,
  ) {
    db.onChange((change) => this.enqueue(change));
  }

  private enqueue(change: Change): void {
    if (!change.local) return;
    for (const to of this.db.definition(change.table).regions) {
      if (to === change.region) continue;
      const link = `${change.region}>${to}`;
      const queue = this.queues.get(link) ?? [];
      const lastDue = queue.length > 0 ? queue[queue.length - 1].dueAt : 0;
      const dueAt = Math.max(this.options.now() + this.options.lagMs(change.region, to), lastDue);
      queue.push({ table: change.table, key: change.key, version: change.version, dueAt });
      this.queues.set(link, queue);
      this.arm(link);
    }
  }

  /** Writes of `from` not yet applied in `to`, oldest first. */
  pending(from: string, to: string): { table: string; key: string; writtenAt: number }[] {
    return (this.queues.get(`${from}>${to}`) ?? []).map((p) => ({ table: p.table, key: p.key, writtenAt: p.version.writtenAt }));
  }

  /** Nothing waiting on any link. */
  quiescent(): boolean {
    return [...this.queues.values()].every((q) => q.length === 0);
  }

  /** Re-examines every link (call when a region or link comes back). */
  resume(): void {
    for (const link of this.queues.keys()) this.arm(link);
  }

  private arm(link: string): void {
    const queue = this.queues.get(link);
    if (!queue || queue.length === 0) return;
    const [from, to] = link.split(">");
    if (!this.options.canDeliver(from, to)) return; // resume() re-arms
    const now = this.options.now();
    const dueAt = Math.max(queue[0].dueAt, now);
    const armedFor = this.armed.get(link);
    if (armedFor !== undefined && armedFor <= dueAt) return;
    this.armed.set(link, dueAt);
    this.options.after(dueAt - now, () => {
      if (this.armed.get(link) === dueAt) this.armed.delete(link);
      this.deliver(link);
    });
  }

  private deliver(link: string): void {
    const [from, to] = link.split(">");
    const queue = this.queues.get(link) ?? [];
    if (!this.options.canDeliver(from, to)) return;
    const now = this.options.now();
    while (queue.length > 0 && queue[0].dueAt <= now) {
      const next = queue.shift() as Pending;
      this.db.applyReplicated(to, next.table, next.key, next.version);
      this.options.onDelivered?.(from, to, next.table, now - next.version.writtenAt);
    }
    // A backlog that waited for a dead region or a cut link is due in the past and drains at
    // once, in order, when the link comes back (resume()).
    if (queue.length > 0) this.arm(link);
  }
}
