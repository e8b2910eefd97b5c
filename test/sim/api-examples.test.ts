/**
 * The README's payment API examples are what the real handlers answer now: scripts/api-examples.ts
 * sends the requests in the simulated world (~4 s of CPU) and, with --check, fails when a line of a README
 * block marked `<!-- excerpt of scripts/api-examples.ts -->` is not a line it prints — so a change
 * to a handler's answers makes this test ask for the README to be updated. The quoted lines include
 * a payment id and timestamps, so the check also fails if the script stops being deterministic
 * (it runs on a fixed epoch and seed).
 * What this cannot prove: that API Gateway in AWS answers as the simulation does (it does not
 * model the gateway's own request validation; the README says so), or that the lines shown are in
 * the order printed — each line is checked on its own, as for the cli-sessions excerpts.
 */
import { EXCERPT_MARKER, excerptMarker, staleExcerptLines } from "../../scripts/cli-sessions/excerpts";
import { CHILD_TEST_TIMEOUT_MS, runTsx } from "../setup/child-process";

it(
  "the README's API examples are what the handlers answer now (update them from: npx tsx scripts/api-examples.ts)",
  async () => {
    // ~4 s of CPU on a quiet machine; bounded by CPU, not by the wall clock (test/setup/child-process.ts).
    const result = await runTsx("scripts/api-examples.ts", ["--check"], { budget: { cpuSeconds: 60 } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/README\.md: [1-9]\d* excerpts match/);
  },
  CHILD_TEST_TIMEOUT_MS,
);

describe("the marker on an excerpt names its source", () => {
  const API_MARKER = excerptMarker("scripts/api-examples.ts");
  const printed = [
    "### Health of the primary",
    "GET https://api-us-east-1.payments.example.com/health",
    "→ 200",
    '{"status":"healthy"}',
    "",
  ].join("\n");
  const sessions = ["$ drctl status --env dev", "active region: us-east-1", ""].join("\n");
  const readme = (apiLines: string[], sessionLines: string[]) =>
    ["# payments-dr", "", API_MARKER, "```http", ...apiLines, "```", "", EXCERPT_MARKER, "```text", ...sessionLines, "```"].join("\n");

  it("is an HTML comment naming the source, and the recorded sessions keep their marker", () => {
    expect(API_MARKER).toBe("<!-- excerpt of scripts/api-examples.ts -->");
    expect(EXCERPT_MARKER).toBe("<!-- excerpt of cli-sessions.md -->");
  });

  it("checks only the blocks marked for the given source", () => {
    const doc = readme(
      ["GET https://api-us-east-1.payments.example.com/health", "…", "→ 200"],
      ["$ drctl status --env dev", "active region: us-east-1"],
    );
    expect(staleExcerptLines(doc, printed, API_MARKER)).toEqual({ excerpts: 1, stale: [] });
    expect(staleExcerptLines(doc, sessions)).toEqual({ excerpts: 1, stale: [] });
  });

  it("rejects commentary inside a marked block: it is not a printed line", () => {
    const doc = readme(["GET https://api-us-east-1.payments.example.com/health      (the primary)", "→ 200"], ["$ drctl status --env dev"]);
    expect(staleExcerptLines(doc, printed, API_MARKER)).toEqual({
      excerpts: 1,
      stale: [{ line: 5, text: "GET https://api-us-east-1.payments.example.com/health      (the primary)" }],
    });
  });

  it("rejects a shortened line: … stands only for whole lines", () => {
    const doc = readme(['{"status":…}'], []);
    expect(staleExcerptLines(doc, printed, API_MARKER).stale).toEqual([{ line: 5, text: '{"status":…}' }]);
  });
});
