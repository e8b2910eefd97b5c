/** What both sweep test files need: the timelines a seed draws, and the words of a printed command line. */
import fc from "fast-check";
import type { Deployment } from "../../sim/deployment/types";
import { sweepSpace, timelineArbitrary } from "../../sim/sweep/generator";
import { STEADY_STORY_MS } from "../../sim/sweep/steady";
import type { Timeline } from "../../sim/sweep/timeline";

/** The words after `--` of an `npm start` command line, as the shell splits them (the sweep quotes nothing it prints). */
export const argsOf = (command: string) => command.split(" ").slice(command.split(" ").indexOf("--") + 1);

/** The sweep's generator over `deployment` on the steady base's story. */
export const arbitraryTimeline = (deployment: Deployment) => timelineArbitrary(sweepSpace(deployment, { storyMs: STEADY_STORY_MS }));

/** The first `numRuns` timelines `seed` draws, as `npm run sweep -- --seed <seed>` draws them. */
export const drawTimelines = (deployment: Deployment, seed: number, numRuns: number): Timeline[] =>
  fc.sample(arbitraryTimeline(deployment), { seed, numRuns });
