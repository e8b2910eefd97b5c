/**
 * docs/cli-sessions.md is what drctl prints now: the recorder replays its stories against the
 * simulated world (`npx tsx scripts/record-cli-sessions.ts --check`, ~10 s) and fails when the
 * file differs — a change to drctl, the runbooks or the simulation that changes a session makes
 * this test ask for the file to be regenerated, so the documented sessions never go stale. The
 * same run checks the excerpts docs/runbooks.md and the README quote from it.
 * What this cannot prove: that AWS would answer as the simulation does (the file says so).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { EXCERPT_MARKER, staleExcerptLines } from "../../scripts/cli-sessions/excerpts";

const ROOT = join(__dirname, "..", "..");

it("docs/cli-sessions.md, and the excerpts the docs quote, are current (regenerate with: npx tsx scripts/record-cli-sessions.ts)", async () => {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/record-cli-sessions.ts", "--check"],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
}, 60_000);

describe("an excerpt of the recorded sessions in another doc", () => {
  const sessions = ["$ drctl status --env dev", "active region: us-east-1", "  lease: free", ""].join("\n");
  const doc = (...lines: string[]) =>
    ["# Runbooks", "", EXCERPT_MARKER, "```text", ...lines, "```", "", "```text", "not an excerpt", "```"].join("\n");

  it("may leave lines out (…), but every line it shows is a recorded line", () => {
    expect(staleExcerptLines(doc("$ drctl status --env dev", "…", "  lease: free"), sessions)).toEqual({ excerpts: 1, stale: [] });
  });

  it("names the lines that no longer match, with where they are", () => {
    expect(staleExcerptLines(doc("$ drctl status --env dev", "active region: us-east-2"), sessions)).toEqual({
      excerpts: 1,
      stale: [{ line: 6, text: "active region: us-east-2" }],
    });
  });

  it("refuses a marker that is not followed by a code fence", () => {
    expect(staleExcerptLines(`${EXCERPT_MARKER}\ntext`, sessions).stale).toHaveLength(1);
  });
});
