/**
 * `drctl report --html`: the evidence page a run stored, checked against its manifest; a run from
 * before pages existed rendered from its report.json by the same renderer.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { buildManifest, describeFile, evidenceKeys } from "../../runbooks/domain/evidence-manifest";
import { reportKeys } from "../../runbooks/domain/report";
import { renderReportHtml } from "../../runbooks/domain/report-html";
import { awsError, byRegion, drctl, resetMocks, s3, standardParameters } from "./support/harness";
import { evidenceBucket, SECONDARY } from "./support/fixtures";
import { FAILOVER_NAME, reportFor, succeededFailover } from "./support/scenarios";

const report = reportFor(succeededFailover().current, 58);
const json = `${JSON.stringify(report, null, 2)}\n`;
const page = renderReportHtml({
  report,
  provenance: null,
  evidence: [describeFile("report.json", "k", json)],
  evidenceLocation: "s3://b/",
});
const keys = { ...reportKeys(FAILOVER_NAME), ...evidenceKeys(FAILOVER_NAME) };
const manifestFor = (html: string) =>
  JSON.stringify(
    buildManifest({
      execution: { name: FAILOVER_NAME, id: "i", region: SECONDARY, mode: "failover" },
      generatedAt: report.generatedAt,
      simulated: false,
      provenance: {
        startedBy: null,
        startedHow: "x",
        ticket: null,
        approval: { required: false, requiredBecause: null, approved: null, by: null, comment: null },
        code: [],
        configuration: [],
        writtenBy: "w",
      },
      files: [describeFile("report.json", keys.json, json), describeFile("report.html", keys.html, html)],
    }),
  );

/** The evidence bucket of the secondary holding `objects` (key → body); any other key is NoSuchKey. */
function bucketHolds(objects: Record<string, string>) {
  s3.on(GetObjectCommand).callsFake(
    byRegion({
      [SECONDARY]: (input: { Bucket: string; Key: string }) => {
        const text = objects[input.Key];
        if (input.Bucket !== evidenceBucket(SECONDARY) || text === undefined)
          throw awsError("NoSuchKey", "The specified key does not exist.", 404);
        return { Body: { transformToString: async () => text } };
      },
    }) as never,
  );
}

beforeEach(() => {
  resetMocks();
  standardParameters();
});

describe("drctl report --html", () => {
  it("prints the page the run stored, after checking its SHA-256 against manifest.json", async () => {
    bucketHolds({ [keys.json]: json, [keys.html]: page, [keys.manifest]: manifestFor(page) });

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html"]);

    expect(out.code).toBe(0);
    expect(out.stdout).toBe(page);
    expect(out.stderr).toBe(
      `s3://${evidenceBucket(SECONDARY)}/${keys.html}\nSHA-256 ${describeFile("report.html", keys.html, page).sha256} matches manifest.json\n`,
    );
  });

  it("writes the page to a file with --out", async () => {
    bucketHolds({ [keys.html]: page, [keys.manifest]: manifestFor(page) });
    const dir = mkdtempSync(join(tmpdir(), "drctl-report-"));
    try {
      const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html", "--out", join(dir, "drill.html")]);

      expect(out.code).toBe(0);
      expect(out.stdout).toBe("");
      expect(readFileSync(join(dir, "drill.html"), "utf8")).toBe(page);
      expect(out.stderr).toContain(`wrote ${join(dir, "drill.html")}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with exit code 3 when the stored page does not match its manifest", async () => {
    bucketHolds({ [keys.html]: page.replace("PASSED", "PASSED!"), [keys.manifest]: manifestFor(page) });

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html"]);

    expect(out.code).toBe(3);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain(`drctl: s3://${evidenceBucket(SECONDARY)}/${keys.html} does not match its manifest: SHA-256 `);
  });

  it("renders the page from report.json for a run that stored none, and says so", async () => {
    bucketHolds({ [keys.json]: json });

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html"]);

    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      renderReportHtml({
        report,
        provenance: null,
        evidence: [describeFile("report.json", keys.json, json)],
        evidenceLocation: `s3://${evidenceBucket(SECONDARY)}/reports/${FAILOVER_NAME}/`,
      }),
    );
    expect(out.stderr).toContain("this run stored no report.html (it ran before runs wrote one): rendered now from report.json");
  });

  it("fails with exit code 3 when the run has neither page nor report", async () => {
    bucketHolds({});

    const out = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html"]);

    expect(out.code).toBe(3);
    expect(out.stderr).toContain(`no report for ${FAILOVER_NAME} in us-east-2`);
  });

  it("rejects --html with --json, and --out without --html", async () => {
    const both = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--html", "--json"]);
    const outOnly = await drctl(["report", "--region", "us-east-2", FAILOVER_NAME, "--out", "x.html"]);

    expect(both.code).toBe(2);
    expect(outOnly.code).toBe(2);
    expect(outOnly.stderr).toContain("--out writes the --html page: give --html too");
  });
});
