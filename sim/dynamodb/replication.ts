/**
 * Asynchronous replication of MREC global tables: every local write is queued per table and per
 * link (from → to) in write order, and delivered after that table's lag on that link, applied
 * last-writer-wins (model.ts). DynamoDB replicates each table on its own — a lagging payments table
 * says nothing about the control table — so lag and pauses are per table. A link delivers only
 * while both regions are up and DynamoDB's own path between them is not cut; writes not yet
 * replicated when a region died wait in its queue until it recovers, as DynamoDB does. Each
 * delivery reports its latency (the source region's ReplicationLatency for that table).
 * MRSC tables replicate synchronously (model.ts) and are not queued here.
 */
import type { Change, DynamoDbService, Version } from "./model";

interface Pending {
  key: string;
  version: Version;
  dueAt: number;
}

export interface ReplicationOptions {
  now: () => number;
  after: (ms: number, fn: () => void) => void;
  /** Both ends up and DynamoDB's path from → to not cut. */
  canDeliver: (from: string, to: string) => boolean;
  /** Current lag of `table` on the link, ms (faults degrade it). */
  lagMs: (table: string, from: string, to: string) => number;
  /** Replication of `table` into `to` is paused (FIS aws:dynamodb:global-table-pause-replication). */
  paused: (table: string, to: string) => boolean;
  onDelivered?: (from: string, to: string, table: string, latencyMs: number) => void;
}

const queueKey = (table: string, from: string, to: string) => `${table}|${from}>${to}`;

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
    if (!change.local || this.db.isStrong(change.table)) return;
    for (const to of this.db.definition(change.table).regions) {
      if (to === change.region) continue;
      const q = queueKey(change.table, change.region, to);
      const queue = this.queues.get(q) ?? [];
      const lastDue = queue.length > 0 ? queue[queue.length - 1].dueAt : 0;
      const dueAt = Math.max(this.options.now() + this.options.lagMs(change.table, change.region, to), lastDue);
      queue.push({ key: change.key, version: change.version, dueAt });
      this.queues.set(q, queue);
      this.arm(q);
    }
  }

  /** Writes of `from` not yet applied in `to` (every table, or one), oldest first. */
  pending(from: string, to: string, table?: string): { table: string; key: string; writtenAt: number }[] {
    const out: { table: string; key: string; writtenAt: number }[] = [];
    for (const [q, queue] of this.queues) {
      const [t, link] = q.split("|");
      if (link !== `${from}>${to}` || (table !== undefined && t !== table)) continue;
      for (const p of queue) out.push({ table: t, key: p.key, writtenAt: p.version.writtenAt });
    }
    return out.sort((a, b) => a.writtenAt - b.writtenAt);
  }

  /** Nothing waiting on any link. */
  quiescent(): boolean {
    return [...this.queues.values()].every((q) => q.length === 0);
  }

  /** Re-examines every link (call when a region, a link or a pause changes). */
  resume(): void {
    for (const q of this.queues.keys()) this.arm(q);
  }

  private parts(q: string): { table: string; from: string; to: string } {
    const [table, link] = q.split("|");
    const [from, to] = link.split(">");
    return { table, from, to };
  }

  private arm(q: string): void {
    const queue = this.queues.get(q);
    if (!queue || queue.length === 0) return;
    const { table, from, to } = this.parts(q);
    if (!this.options.canDeliver(from, to) || this.options.paused(table, to)) return; // resume() re-arms
    const now = this.options.now();
    const dueAt = Math.max(queue[0].dueAt, now);
    const armedFor = this.armed.get(q);
    if (armedFor !== undefined && armedFor <= dueAt) return;
    this.armed.set(q, dueAt);
    this.options.after(dueAt - now, () => {
      if (this.armed.get(q) === dueAt) this.armed.delete(q);
      this.deliver(q);
    });
  }

  private deliver(q: string): void {
    const { table, from, to } = this.parts(q);
    const queue = this.queues.get(q) ?? [];
    if (!this.options.canDeliver(from, to) || this.options.paused(table, to)) return;
    const now = this.options.now();
    while (queue.length > 0 && queue[0].dueAt <= now) {
      const next = queue.shift() as Pending;
      this.db.applyReplicated(to, table, next.key, next.version);
      this.options.onDelivered?.(from, to, table, now - next.version.writtenAt);
    }
    // A backlog that waited for a dead region, a cut link or a pause is due in the past and drains
    // at once, in order, when the link comes back (resume()).
    if (queue.length > 0) this.arm(q);
  }
}
