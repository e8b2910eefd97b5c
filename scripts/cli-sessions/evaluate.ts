/**
 * The Pulumi program can be evaluated once per process (infra/offline/evaluate.ts), and the
 * recorder needs two stacks (the default one, and one with autoFailover=false): the second is
 * evaluated in a child process, exactly as jest's global setup does, and read back as JSON.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { Evaluation } from "../../infra/offline/evaluate";

const ROOT = join(__dirname, "..", "..");

export function evaluateInChild(config: Record<string, unknown>): Promise<Evaluation> {
  const script = `require("./infra/offline/evaluate").evaluateProgram({ config: ${JSON.stringify(config)} }).then((ev) => process.stdout.write(JSON.stringify(ev)))`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--require", "tsx/cjs", "-e", script],
      { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`evaluating the stack with ${JSON.stringify(config)} failed: ${stderr || error.message}`));
        resolve(JSON.parse(stdout) as Evaluation);
      },
    );
  });
}
