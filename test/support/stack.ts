/**
 * Evaluates the Pulumi program once per jest run and config (mocks, no AWS) and offers small queries over
 * what it registered. What this cannot prove: that AWS accepts these inputs — only that the
 * program asks for exactly them.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CapturedResource } from "../../infra/offline/mocks";
import { evaluateProgram, type Evaluation, type EvaluateOptions } from "../../infra/offline/evaluate";
import { SNAPSHOT_ENV } from "../setup/global-setup";

let pending: Promise<Evaluation> | undefined;

/**
 * The evaluated program. With the default config it is read from the snapshot jest's global
 * setup wrote (one evaluation per run); with other options it is evaluated here (once per file).
 */
export function stack(options?: EvaluateOptions): Promise<Evaluation> {
  const snapshot = process.env[SNAPSHOT_ENV];
  if (!options && snapshot && existsSync(snapshot)) {
    pending ??= Promise.resolve(JSON.parse(readFileSync(snapshot, "utf8")) as Evaluation);
  }
  pending ??= options && snapshot ? sharedEvaluation(options, dirname(snapshot)) : evaluateProgram(options);
  return pending;
}

/**
 * Another config's evaluation, shared by the files of one run through the snapshot's folder: the
 * evaluation is deterministic, and seven files evaluate the eventual-mode stack. The first file
 * to need it writes it (atomically: a rename); a file that finds it reads it. Two workers may both
 * evaluate the first time; either result is the same.
 */
async function sharedEvaluation(options: EvaluateOptions, dir: string): Promise<Evaluation> {
  const key = createHash("sha256").update(JSON.stringify(options)).digest("hex").slice(0, 16);
  const file = join(dir, `evaluation-${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Evaluation;
  const evaluation = await evaluateProgram(options);
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(evaluation));
  renameSync(partial, file);
  // The same shape as a file that reads it: plain JSON, whichever file evaluated.
  return JSON.parse(JSON.stringify(evaluation)) as Evaluation;
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
