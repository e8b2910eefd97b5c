/**
 * Runs one scenario end to end: a fresh simulated world, a minute of normal operation
 * (warm-up: canaries, health checks and alarms reach their steady state; not shown), the
 * scenario's story from T+00:00, then a settle phase (traffic stops, retries finish, replication
 * and processing catch up) before anything is measured.
 */
import type { TimedFault } from "../experiments";
import { commonChecks, everyScenarioKnownFailures, markKnown, passed, paymentsResumeCheck, plannedMoveCheck } from "./checks";
import type { Deployment } from "../deployment/types";
import { measure, runbookReport, type Figures } from "./figures";
import { observe } from "./observers";
import { Operator } from "./operator";
import { letRunsEnd } from "./runs-end";
import { createContext, type Check, type Scenario } from "./scenario";
import { evaluatorReady } from "../iam/authorizer";
import { createSession, type WarmHandlers } from "../session";
import { Traffic } from "./traffic";
import type { TimelineEntry } from "../timeline";
import { fn } from "../deployment/deployment";
import { evidenceKeys } from "../../runbooks/domain/evidence-manifest";

export const WARM_UP_MS = 60_000;
const SETTLE_LIMIT_MS = 5 * 60_000;

export interface ExecutionSummary {
  region: string;
  name: string;
  status: string;
  startedAt: number;
  stoppedAt: number | null;
  error: string | null;
  states: string[];
}

export interface RehearsalResult {
  scenario: string;
  title: string;
  story: string;
  origin: number;
  endedAt: number;
  figures: Figures;
  checks: Check[];
  passed: boolean;
  timeline: TimelineEntry[];
  executions: ExecutionSummary[];
  notifications: { at: number; region: string; subject: string; message: string }[];
  /** Evidence reports the runbooks wrote (simulated S3), by execution, with the manifest written next to each. */
  reports: { region: string; execution: string; report: Record<string, unknown>; manifest?: Record<string, unknown> }[];
  traffic: {
    attempts: number;
    acknowledged: number;
    reads: { ok: number; notFound: number; failed: number };
    outcomes: Record<string, number>;
  };
  /** Acknowledgements from T+0 on: when, and which region answered. */
  acks: { at: number; region: string; firstTriedAt: number; attempts: number }[];
  /** Every payment attempt from T+0 on: when, the region DNS sent it to, and its HTTP status or failure (the evidence page's traffic chart). */
  attempts: { at: number; region: string; outcome: number | string }[];
  /** Regions going down and coming back, from T+0 on. */
  availability: { at: number; region: string; up: boolean }[];
  wallMs: number;
}

export interface RunOptions {
  seed?: number;
  /** A defect planted in the world (to see the checks catch it). */
  fault?: "unfenced-primary";
  /** Faults from the vocabulary (experiments.ts), timed from T+0; all are cleared when the story ends, before settling. */
  faults?: TimedFault[];
  /** Where handlers come from (tests under jest load each region in a registry of its own; sim/testing.ts). */
  handlers?: WarmHandlers;
}

export async function runScenario(deployment: Deployment, scenario: Scenario, options: RunOptions = {}): Promise<RehearsalResult> {
  const started = performance.now();
  await evaluatorReady();
  const session = createSession(deployment, { seed: options.seed, ...(options.handlers ? { handlers: options.handlers } : {}) });
  const { world, clock } = session;
  try {
    const observations = observe(world);
    const traffic = new Traffic({
      deployment,
      clock,
      gateway: world.gateway,
      route53: world.route53,
      timeline: world.timeline,
      random: world.random,
    });
    const operator = new Operator(
      deployment,
      world.timeline,
      () => clock.now(),
      (ms) => clock.sleep(ms),
    );
    const ctx = createContext({ world, clock, deployment, traffic, observations, operator });
    traffic.start();
    await clock.advance(WARM_UP_MS);
    clock.origin = clock.now();
    if (options.fault === "unfenced-primary") {
      world.defects.primaryIgnoresFence = true;
      ctx.note("FAULT INJECTED: the primary's payment functions never see the primary fenced (the checks should catch what follows)");
    }
    ctx.note(`scenario ${scenario.name}: ${scenario.title}`);
    const stops: (() => void)[] = [];
    for (const timed of options.faults ?? []) {
      clock.after(timed.atMs ?? 0, () => {
        const stop = ctx.inject(timed.fault);
        stops.push(stop);
        if (timed.forMs !== undefined) clock.after(timed.forMs, stop);
      });
    }
    await scenario.run(ctx);
    // A timed fault runs its course even when the base's story ends first (the sweep times faults
    // against a 5-minute story; `full`'s may end sooner): never started or cut short in the settle.
    const incidentEnd = Math.max(
      0,
      ...(options.faults ?? []).filter((t) => t.forMs !== undefined).map((t) => (t.atMs ?? 0) + (t.forMs as number)),
    );
    await clock.advanceUntil(() => clock.now() >= clock.origin + incidentEnd, incidentEnd, 1000);
    // Any base, not only steady: a run on-call started late in the story, or one at the approval gate, gets its end.
    await letRunsEnd(ctx);
    if (stops.length > 0) ctx.note("the incident ends: every injected fault is cleared");
    for (const stop of stops) stop();

    ctx.note("settling: clients stop sending new payments; retries, replication and processing finish");
    traffic.stop();
    await ctx.waitFor(
      () => traffic.open.size === 0 && world.replicator.quiescent() && world.sources.backlog() === 0 && world.sqs.unfinished() === 0,
      SETTLE_LIMIT_MS,
    );
    await clock.advance(30_000);

    const figures = measure(ctx);
    const checks = markKnown(
      markKnown(
        [
          ...commonChecks(figures),
          plannedMoveCheck(figures),
          paymentsResumeCheck(figures, deployment.objectives.rtoSeconds),
          ...scenario.expectations(ctx, figures),
        ],
        scenario.knownFailures?.(deployment),
      ),
      everyScenarioKnownFailures(deployment),
    );
    const executions: ExecutionSummary[] = deployment.regions.flatMap((r) =>
      ctx.executions(r).map((e) => ({
        region: r,
        name: e.name,
        status: e.status,
        startedAt: e.startDate,
        stoppedAt: e.stopDate ?? null,
        error: e.error ?? null,
        states: e.states.map((s) => s.name),
      })),
    );
    const reports = executions.flatMap((e) => {
      const report = runbookReport(ctx, e.region, e.name);
      const manifest = evidenceManifest(ctx, e.region, e.name);
      return report ? [{ region: e.region, execution: e.name, report, ...(manifest ? { manifest } : {}) }] : [];
    });
    const outcomes: Record<string, number> = {};
    for (const a of traffic.attempts.filter((x) => x.at >= clock.origin))
      outcomes[`${a.region} ${a.outcome}`] = (outcomes[`${a.region} ${a.outcome}`] ?? 0) + 1;
    return {
      scenario: scenario.name,
      title: scenario.title,
      story: scenario.story,
      origin: clock.origin,
      endedAt: clock.now(),
      figures,
      checks,
      passed: passed(checks),
      timeline: [...world.timeline.entries].filter((e) => e.at >= clock.origin).sort((a, b) => a.at - b.at),
      executions,
      notifications: world.sns.inbox
        .filter((m) => m.at >= clock.origin && m.attributes.source !== "cloudwatch-alarm")
        .map((m) => ({ at: m.at, region: m.region, subject: m.subject ?? "", message: m.message })),
      reports,
      traffic: {
        attempts: traffic.attempts.filter((x) => x.at >= clock.origin).length,
        acknowledged: traffic.acks.length,
        reads: { ...traffic.reads },
        outcomes,
      },
      acks: traffic.acks
        .filter((a) => a.at >= clock.origin)
        .map((a) => ({ at: a.at, region: a.region, firstTriedAt: a.firstTriedAt, attempts: a.attempts })),
      attempts: traffic.attempts.filter((a) => a.at >= clock.origin).map((a) => ({ at: a.at, region: a.region, outcome: a.outcome })),
      availability: observations.availability.filter((a) => a.at >= clock.origin),
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    session.dispose();
  }
}

/** The evidence manifest the write-report step wrote next to a report (who started and approved, what ran), if any. */
function evidenceManifest(ctx: ReturnType<typeof createContext>, region: string, execution: string): Record<string, unknown> | undefined {
  const bucket = fn(ctx.deployment, region, "write-report").env.EVIDENCE_BUCKET;
  try {
    return JSON.parse(ctx.world.s3.get(region, bucket, evidenceKeys(execution).manifest).body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
