import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { SNAPSHOT_ENV } from "./global-setup";
import { finishTypecheck } from "./typecheck";

export default async function globalTeardown(): Promise<void> {
  const file = process.env[SNAPSHOT_ENV];
  if (file) rmSync(dirname(file), { recursive: true, force: true });
  await finishTypecheck();
}
