import { rmSync } from "node:fs";
import { finishBackgroundEvaluations, RUN_DIR_ENV } from "./global-setup";
import { finishTypecheck } from "./typecheck";

export default async function globalTeardown(): Promise<void> {
  try {
    // The evaluations stay in .cache/ for the next run (a failed one has failed its tests already).
    await finishBackgroundEvaluations();
  } finally {
    // This run's locks go.
    const dir = process.env[RUN_DIR_ENV];
    if (dir) rmSync(dir, { recursive: true, force: true });
    await finishTypecheck();
  }
}
