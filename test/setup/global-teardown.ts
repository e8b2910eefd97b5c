import { rmSync } from "node:fs";
import { RUN_DIR_ENV } from "./global-setup";
import { finishTypecheck } from "./typecheck";

export default async function globalTeardown(): Promise<void> {
  // The evaluations stay in .cache/ for the next run; this run's locks go.
  const dir = process.env[RUN_DIR_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
  await finishTypecheck();
}
