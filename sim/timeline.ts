/**
 * What happened in the simulated world, in virtual time: the story the rehearsal prints.
 *
 * Every entry has a kind, so the printed timeline can keep the DR story (outage, health, DNS,
 * alarms, runbook states, notifications, operator actions, traffic milestones) and leave the
 * bulk (each payment) to counters.
 */
export type TimelineKind =
  | "scenario" // what the scenario does to the world (outage, recovery, faults)
  | "operator" // what a person does (starts a failback, approves)
  | "health" // Route 53 health-check status changes
  | "dns" // the failover answer changes
  | "alarm" // CloudWatch alarm transitions
  | "event" // EventBridge deliveries and what start-execution did with them
  | "execution" // state-machine executions starting and ending
  | "state" // states entered inside a DR execution
  | "notification" // SNS messages on the alert topics
  | "region-record" // control-table region records as a replica sees them
  | "traffic" // milestones of the client traffic
  | "check"; // findings of the rehearsal's own checks

export interface TimelineEntry {
  at: number;
  /** A region, "route53", "clients", "operator" or "world". */
  where: string;
  kind: TimelineKind;
  text: string;
  /** Detail not printed by default (e.g. a notification's body). */
  detail?: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];

  constructor(private readonly now: () => number) {}

  add(where: string, kind: TimelineKind, text: string, detail?: string): TimelineEntry {
    const entry: TimelineEntry = { at: this.now(), where, kind, text, ...(detail ? { detail } : {}) };
    this.entries.push(entry);
    return entry;
  }

  ofKind(...kinds: TimelineKind[]): TimelineEntry[] {
    return this.entries.filter((e) => kinds.includes(e.kind));
  }

  /** The first entry matching `test`, at or after `from`. */
  first(test: (e: TimelineEntry) => boolean, from = Number.NEGATIVE_INFINITY): TimelineEntry | undefined {
    return this.entries.find((e) => e.at >= from && test(e));
  }
}
