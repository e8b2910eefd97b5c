/**
 * The configs a run shares are evaluated in turn in one process (evaluate-in-turn.ts); each must be
 * exactly the evaluation a fresh process makes of it alone, or a test would read a stack no
 * `pulumi up` would deploy. Here one process evaluates the config-variants stack, then the
 * eventual-mode one, then the default one, and each is compared with the same config evaluated
 * alone: the default with the run's snapshot (the first, or only, evaluation of its process), the
 * others in fresh processes. Timestamps are the one difference allowed: the control table's first
 * item records the moment the program ran.
 *
 * In the end-to-end run (five evaluations, ~20 s of CPU). Fast version: every `npm test` file that
 * reads the eventual-mode or config-variants stack reads one made second or third in its process.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvaluateOptions } from "../../infra/offline/evaluate";
import { EVENTUAL_OFFLINE_OPTIONS, EVERY_SETTING_CHANGED_OPTIONS } from "../support/configs";
import { evaluateInOneProcess, evaluateToFile } from "./evaluations";
import { SNAPSHOT_ENV } from "./global-setup";
import { cpuBudget } from "./timeouts";

cpuBudget(120);

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
/** An evaluation file's JSON with every timestamp replaced. */
const withoutTimes = (file: string) => readFileSync(file, "utf8").replace(ISO_TIME, "<time>");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "evaluate-in-turn-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inTurn: { name: string; options?: EvaluateOptions }[] = [
  { name: "every-setting-changed", options: EVERY_SETTING_CHANGED_OPTIONS },
  { name: "eventual", options: EVENTUAL_OFFLINE_OPTIONS },
  { name: "default", options: undefined },
];

it("evaluates each config after others in one process exactly as a fresh process evaluates it alone", async () => {
  const jobs = inTurn.map(({ name, options }) => ({ options, file: join(dir, `in-turn-${name}.json`) }));
  const alone = { "every-setting-changed": join(dir, "alone-every-setting-changed.json"), eventual: join(dir, "alone-eventual.json") };
  const snapshot = process.env[SNAPSHOT_ENV];
  if (!snapshot) throw new Error(`no ${SNAPSHOT_ENV}: run this file through jest, whose global setup evaluates the default stack`);

  await Promise.all([
    evaluateInOneProcess(jobs).done,
    evaluateToFile(EVERY_SETTING_CHANGED_OPTIONS, alone["every-setting-changed"]),
    evaluateToFile(EVENTUAL_OFFLINE_OPTIONS, alone.eventual),
  ]);

  const reference = [alone["every-setting-changed"], alone.eventual, snapshot];
  for (const [i, job] of jobs.entries()) {
    const made = withoutTimes(job.file);
    // Not equal by accident: three different stacks.
    expect(made).not.toBe(withoutTimes(reference[(i + 1) % reference.length]));
    expect({ config: inTurn[i].name, equal: made === withoutTimes(reference[i]) }).toEqual({ config: inTurn[i].name, equal: true });
  }
});

it("reports the evaluation that failed, and every config it had not evaluated yet", async () => {
  const jobs = [
    { options: undefined, file: join(dir, "fails-first.json") },
    { options: { config: { dataConsistency: "sometimes" } }, file: join(dir, "fails-bad.json") },
    { options: EVENTUAL_OFFLINE_OPTIONS, file: join(dir, "fails-never-reached.json") },
  ];
  const run = evaluateInOneProcess(jobs);

  await expect(run.ready[0]).resolves.toBeUndefined();
  await expect(run.done).rejects.toThrow(
    /evaluating the program with \{"config":\{"dataConsistency":"sometimes"\}\}, \{"config":.*"eventual".*\} failed/,
  );
  await expect(run.ready[1]).rejects.toThrow(/dataConsistency/);
  expect(readFileSync(`${jobs[2].file}.failed`, "utf8")).toMatch(/evaluating the program with/);
});
