/**
 * A rehearsal world for recording drctl sessions: the same setup as a rehearsal scenario
 * (runner.ts) — a fresh simulated world on the fixed epoch and seed, clients paying through DNS
 * the whole time, a warm-up until canaries, health checks and alarms are steady — and the
 * scenario helpers (outage, recovery, waiting for executions) to tell the story with.
 */
import type { Deployment } from "../../sim/deployment/types";
import { observe } from "../../sim/rehearsal/observers";
import { Operator } from "../../sim/rehearsal/operator";
import { WARM_UP_MS } from "../../sim/rehearsal/runner";
import { createContext, type ScenarioContext } from "../../sim/rehearsal/scenario";
import { evaluatorReady } from "../../sim/iam/authorizer";
import { createSession, REHEARSAL_EPOCH } from "../../sim/session";
import { Traffic } from "../../sim/rehearsal/traffic";
import { drctl, type Recorded } from "./drctl";

/** The rehearsal's default seed: the recorded sessions are one fixed run. */
export const SEED = 7;

export interface Step {
  /** A short heading. */
  title: string;
  /** What happened in the world before the command, and why the operator runs it. */
  context: string;
  recorded: Recorded;
}

export interface StoryWorld {
  ctx: ScenarioContext;
  steps: Step[];
  /** Runs drctl and records it as a step. */
  run(title: string, context: string, args: string[]): Promise<Recorded>;
  dispose(): void;
}

export async function storyWorld(deployment: Deployment): Promise<StoryWorld> {
  await evaluatorReady();
  const session = createSession(deployment, { seed: SEED, startAt: REHEARSAL_EPOCH });
  const { world, clock } = session;
  const traffic = new Traffic({
    deployment,
    clock,
    gateway: world.gateway,
    route53: world.route53,
    timeline: world.timeline,
    random: world.random,
  });
  const operator = new Operator(deployment, world.timeline, () => clock.now());
  const ctx = createContext({ world, clock, deployment, traffic, observations: observe(world), operator });
  traffic.start();
  await clock.advance(WARM_UP_MS);
  clock.origin = clock.now();
  const steps: Step[] = [];
  return {
    ctx,
    steps,
    async run(title, context, args) {
      const recorded = await drctl(clock, args);
      steps.push({ title, context, recorded });
      return recorded;
    },
    dispose: () => session.dispose(),
  };
}

/** `09:04:12` (UTC) of a virtual instant. */
export const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);
