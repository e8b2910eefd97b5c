/**
 * The write-report step in the simulated AWS (invoked as Lambda invokes it, with its deployed
 * environment and IAM role): the run's evidence — report.json, report.md, report.html and
 * manifest.json — lands in the region's evidence bucket, and every digest it records is the
 * digest of what S3 holds.
 *
 * What this cannot prove: that real S3 accepts the objects under Object Lock (the simulated bucket
 * does not model retention), or the version ids a versioned bucket returns (the simulated S3
 * returns none, so the page shows none).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evidenceKeys, isEvidenceManifest } from "../../runbooks/domain/evidence-manifest";
import { isDrReport, reportKeys } from "../../runbooks/domain/report";
import { fn } from "../../sim/deployment/deployment";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";
import { drillState } from "./support/report-states";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("write-report", () => {
  it("writes report.json, report.md, report.html and manifest.json, each digest the digest of what the bucket holds", async () => {
    const t = aws.world();
    const state = drillState();
    const name = state.run.executionName;
    const bucket = fn(t.deployment, t.secondary, "write-report").env.EVIDENCE_BUCKET;

    const out = (await t.invoke(t.secondary, "write-report", { state })) as Record<string, unknown>;

    const keys = { ...reportKeys(name), ...evidenceKeys(name) };
    expect(out).toMatchObject({ bucket, jsonKey: keys.json, markdownKey: keys.markdown, htmlKey: keys.html, manifestKey: keys.manifest });
    const body = (key: string) => t.world.s3.get(t.secondary, bucket, key).body;
    expect(isDrReport(JSON.parse(body(keys.json)))).toBe(true);
    const manifest = JSON.parse(body(keys.manifest));
    expect(isEvidenceManifest(manifest)).toBe(true);
    expect(manifest.files.map((f: { name: string; location: string; sha256: string }) => [f.name, f.location, f.sha256])).toEqual([
      ["report.json", keys.json, sha256(body(keys.json))],
      ["report.md", keys.markdown, sha256(body(keys.markdown))],
      ["report.html", keys.html, sha256(body(keys.html))],
    ]);
    // The page lists the two files written before it, in sha256sum format.
    expect(body(keys.html)).toContain(`<pre>${sha256(body(keys.json))}  report.json\n${sha256(body(keys.markdown))}  report.md\n</pre>`);
    expect(body(keys.html)).toContain(`s3://${bucket}/reports/${name}/`);
  });

  it("records who started the run and the function and code that wrote its evidence", async () => {
    const t = aws.world();
    const state = drillState();
    const bucket = fn(t.deployment, t.secondary, "write-report").env.EVIDENCE_BUCKET;

    await t.invoke(t.secondary, "write-report", { state });

    const manifest = JSON.parse(t.world.s3.get(t.secondary, bucket, evidenceKeys(state.run.executionName).manifest).body);
    const fact = (label: string) => manifest.provenance.code.find((f: { label: string }) => f.label.startsWith(label))?.value;
    expect(manifest.provenance.startedBy).toBe("dr-lead@example.com");
    expect(manifest.provenance.ticket).toBe("CHG-2030-Q1");
    expect(fact("write-report function")).toBe(`${t.functionName(t.secondary, "write-report")} (version $LATEST)`);
    // The rehearsal loads handlers from source: the digest is of the file the function loaded.
    const source = readFileSync(join(__dirname, "..", "..", "runbooks", "handlers", "write-report", "index.ts"));
    expect(fact("Code file SHA-256 (index.ts)")).toBe(createHash("sha256").update(source).digest("hex"));
  });
});
