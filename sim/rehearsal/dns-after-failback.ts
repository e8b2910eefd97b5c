/**
 * Once a failback has completed, `api.<zone>` must send clients to the writer. An answer naming a
 * region whose own record is STANDBY, FENCED or DRAINED while the other region is ACTIVE and up
 * sends them to a region that refuses every write (503) although a writer is serving — what the
 * failback's wait for the fence alarm prevents (Route 53 failing open, then the secondary turning
 * healthy on STANDBY before the primary's guard did). Pure, from the histories the observers keep.
 *
 * A region that is down is not "the writer": with the ACTIVE region unreachable, DNS answering
 * the other one is failover doing its job, not this defect.
 */

export interface AnswerChange {
  at: number;
  /** The region `api.<zone>` answers from `at` on. */
  region: string;
}

export interface RecordChange {
  at: number;
  /** The region whose record this is, and its state from `at` on (as a runbook wrote it). */
  region: string;
  state: string;
}

export interface AvailabilityChange {
  at: number;
  region: string;
  up: boolean;
}

export interface MisdirectedAnswer {
  /** When DNS started answering `answered` in this situation (not before the failback completed). */
  from: number;
  /** When it stopped; null if it still did at `until`. */
  to: number | null;
  answered: string;
  /** `answered`'s own state meanwhile. */
  state: string;
  /** The ACTIVE, reachable region DNS should have answered. */
  writer: string;
}

const NOT_WRITING = new Set(["STANDBY", "FENCED", "DRAINED"]);

/** The last value of `changes` (chronological) for `region` at or before `t`. */
function latest<T extends { at: number; region: string }>(changes: readonly T[], region: string, t: number): T | undefined {
  let found: T | undefined;
  for (const c of changes) {
    if (c.at > t) break;
    if (c.region === region) found = c;
  }
  return found;
}

/**
 * Every stretch of time from `since` (a failback's completion) to `until` during which DNS
 * answered a region that was not writing while the other one was ACTIVE and up.
 *
 * The window also ends at the first transition after the failback: from then on DNS follows
 * another run (a later failover fencing the primary, say), and the minute Route 53 takes to follow
 * it is that run's detection, measured as its RTO, not a failback that left DNS behind. (The sweep
 * found the difference: a failback that decided nothing, then a one-way partition that made the
 * secondary fail over a minute later, was reported as the failback's misdirection.)
 */
export function misdirectedAnswers(
  since: number,
  until: number,
  history: { answers: readonly AnswerChange[]; records: readonly RecordChange[]; availability: readonly AvailabilityChange[] },
): MisdirectedAnswer[] {
  const { answers, records, availability } = history;
  // Judged up to `until` inclusive, or up to (not at) the next transition after the failback.
  const nextTransition = records.find((r) => r.at > since)?.at;
  const cut = nextTransition !== undefined && nextTransition <= until ? nextTransition : undefined;
  const inWindow = (t: number) => t > since && (cut === undefined ? t <= until : t < cut);
  const regions = [...new Set([...records.map((r) => r.region), ...answers.map((a) => a.region)])];
  const moments = [since, ...[...answers, ...records, ...availability].map((c) => c.at).filter(inWindow)].sort((a, b) => a - b);
  const found: MisdirectedAnswer[] = [];
  let open: MisdirectedAnswer | undefined;
  for (const t of moments) {
    const answered = answers.filter((a) => a.at <= t).at(-1);
    let now: Omit<MisdirectedAnswer, "from" | "to"> | undefined;
    const state = answered ? latest(records, answered.region, t)?.state : undefined;
    if (answered && state !== undefined && NOT_WRITING.has(state)) {
      const writer = regions.find(
        (r) => r !== answered.region && latest(records, r, t)?.state === "ACTIVE" && (latest(availability, r, t)?.up ?? true),
      );
      if (writer) now = { answered: answered.region, state, writer };
    }
    const same = open && now && open.answered === now.answered && open.state === now.state && open.writer === now.writer;
    if (open && !same) {
      open.to = t;
      open = undefined;
    }
    if (now && !open) {
      open = { from: t, to: null, ...now };
      found.push(open);
    }
  }
  if (open && cut !== undefined) open.to = cut;
  return found;
}
