/**
 * Evaluates the Pulumi program once per jest run and config (mocks, no AWS) and offers small queries over
 * what it registered. What this cannot prove: that AWS accepts these inputs — only that the
 * program asks for exactly them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CapturedResource } from "../../infra/offline/mocks";
import type { EvaluateOptions, Evaluation } from "../../infra/offline/evaluate";
import { sharedEvaluation } from "../setup/evaluations";
import { RUN_DIR_ENV, SNAPSHOT_ENV } from "../setup/global-setup";

/** One evaluation per config asked for in this file (a file may ask for more than one). */
const pending = new Map<string, Promise<Evaluation>>();

/**
 * The evaluated program. With the default config it is read from the snapshot jest's global
 * setup wrote; with other options from the run's evaluation of them (test/setup/evaluations.ts:
 * one per config per run, in a child process). Without a snapshot (outside jest) it evaluates here.
 */
export function stack(options?: EvaluateOptions): Promise<Evaluation> {
  const key = JSON.stringify(options ?? null);
  let evaluation = pending.get(key);
  if (!evaluation) {
    evaluation = evaluate(options);
    pending.set(key, evaluation);
  }
  return evaluation;
}

function evaluate(options: EvaluateOptions | undefined): Promise<Evaluation> {
  const snapshot = process.env[SNAPSHOT_ENV];
  if (!options && snapshot && existsSync(snapshot)) return Promise.resolve(JSON.parse(readFileSync(snapshot, "utf8")) as Evaluation);
  const runDir = process.env[RUN_DIR_ENV];
  // The program itself (and @pulumi/pulumi, over a thousand modules) loads only where it is
  // evaluated here: most files read the snapshot and never need it.
  return options && snapshot && runDir
    ? sharedEvaluation(dirname(snapshot), runDir, options)
    : (require("../../infra/offline/evaluate") as typeof import("../../infra/offline/evaluate")).evaluateProgram(options);
}

export function ofType(ev: Evaluation, type: string, region?: string): CapturedResource[] {
  return ev.resources.filter((r) => r.type === type && (region === undefined || r.region === region));
}

export function one(ev: Evaluation, type: string, predicate: (r: CapturedResource) => boolean): CapturedResource {
  const found = ev.resources.filter((r) => r.type === type && predicate(r));
  if (found.length !== 1) throw new Error(`expected exactly one ${type} matching, found ${found.length}`);
  return found[0];
}

export function awsResources(ev: Evaluation): CapturedResource[] {
  return ev.resources.filter((r) => r.type.startsWith("aws:"));
}

/** Parses a policy given as a JSON string (or object) into its statements. */
export function statements(policy: unknown): any[] {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  const st = doc?.Statement ?? [];
  return Array.isArray(st) ? st : [st];
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every IAM policy document the stack defines, with where it came from. */
export function iamPolicies(ev: Evaluation): { source: string; document: any }[] {
  const docs: { source: string; document: any }[] = [];
  for (const r of ev.resources) {
    if (r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/policy:Policy")
      docs.push({ source: r.name, document: JSON.parse(r.inputs.policy) });
    if (r.type === "aws:iam/role:Role") {
      for (const p of r.inputs.inlinePolicies ?? []) docs.push({ source: `${r.name}/${p.name}`, document: JSON.parse(p.policy) });
    }
  }
  return docs;
}

export const REGIONS = { primary: "us-east-1", secondary: "us-east-2" } as const;
