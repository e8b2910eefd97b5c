/**
 * `drctl report <execution>`: the evidence report of a failover, failback or drill, from the
 * evidence bucket of the region that ran it — Markdown for people, --json for the data, --html
 * for the evidence page (report.html) the run stored under Object Lock, checked against the
 * SHA-256 its manifest.json recorded. A run from before the page existed has none: drctl renders
 * it from report.json with the same renderer, and says so.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Option, type Command } from "commander";
import { describeFile, evidenceKeys, isEvidenceManifest } from "../../runbooks/domain/evidence-manifest";
import { isDrReport, renderReportMarkdown, reportKeys } from "../../runbooks/domain/report";
import { renderReportHtml } from "../../runbooks/domain/report-html";
import type { Context } from "../context";
import { discoverRegion, requireValue } from "../discovery";
import { CliError, usageError } from "../errors";
import { parseExecutionRef } from "../executions";
import { addCommonOptions, resolveTarget, type CommonFlags } from "../options";
import { fetchReport } from "../report-store";

const EXAMPLES = `
Examples:
  $ drctl report --env prod --region us-east-2 manual-drill-20250601T120000Z-alice > drill.md
  $ drctl report --env prod arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-prod:manual-drill-20250601T120000Z-alice
  $ drctl report --env prod --region us-east-1 manual-drill-20250601T120000Z-alice-failback --json | jq .measurements
  $ drctl report --env prod --region us-east-2 manual-drill-20250601T120000Z-alice --html --out drill.html

The report lives at s3://<evidence bucket of that region>/reports/<execution>/report.json; it has
the timeline, the decisions and RTO/RPO against the objectives. --html gets report.html from the
same folder (the evidence page: timeline picture, objectives, requirements, code and configuration,
SHA-256 manifest) and checks it against manifest.json. Exit codes: 0 printed, 2 usage, 3 AWS, no
such report, or a page that does not match its manifest.`;

type ReportFlags = CommonFlags & { region?: string; html?: boolean; out?: string };

export function registerReport(program: Command, ctx: Context): void {
  addCommonOptions(program.command("report").description("print the evidence report of a run (Markdown, --json, or the --html page)"))
    .argument("<execution>", "the execution: its ARN, or its name with --region")
    .addOption(new Option("--region <region>", "the region that ran it (not needed with an ARN)"))
    .addOption(new Option("--html", "the evidence page (report.html, self-contained HTML) instead of Markdown"))
    .addOption(new Option("--out <file>", "with --html: write the page to this file instead of stdout"))
    .addHelpText("after", EXAMPLES)
    .action(async (execution: string, flags: ReportFlags) => {
      if (flags.html && flags.json) throw usageError("--html and --json print different things: give one of them");
      if (flags.out !== undefined && !flags.html) throw usageError("--out writes the --html page: give --html too");
      const target = resolveTarget(flags, ctx);
      const ref = parseExecutionRef(execution, flags.region);
      if (ref.region !== target.primaryRegion && ref.region !== target.secondaryRegion) {
        throw usageError(
          `${ref.region} is neither the primary (${target.primaryRegion}) nor the secondary (${target.secondaryRegion}) region of ${target.environment}`,
        );
      }
      const config = await discoverRegion(ctx, target, ref.region);
      const bucket = requireValue(config, config.evidenceBucket, "dr/evidence-bucket");
      if (flags.html) {
        const page = await evidencePage(ctx, ref.region, bucket, ref.name);
        if (flags.out !== undefined) {
          writeFileSync(resolve(flags.out), page);
          ctx.err(`wrote ${flags.out}`);
        } else ctx.io.stdout.write(page);
        return;
      }
      const { report, key } = await fetchReport(ctx, ref.region, bucket, ref.name);
      ctx.err(`s3://${bucket}/${key}`);
      if (ctx.json) ctx.outJson(report);
      else ctx.io.stdout.write(renderReportMarkdown(report));
    });
}

/** An object's text, or null when the key does not exist. */
async function getText(ctx: Context, region: string, bucket: string, key: string): Promise<string | null> {
  try {
    return await ctx.aws.call(region, "s3:GetObject", async (abortSignal) => {
      const out = await ctx.aws.s3(region).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      if (!out.Body) throw new CliError("aws", `s3://${bucket}/${key} has no body`);
      return out.Body.transformToString("utf-8");
    });
  } catch (error) {
    // The SDK's NoSuchKey has become a CliError of kind "aws" by now; its message names it.
    if (error instanceof CliError && /NoSuchKey|NotFound/.test(error.message)) return null;
    throw error;
  }
}

/**
 * The page the run stored, checked against the digest in its manifest; for a run that stored
 * none, the page rendered now from its report.json.
 */
async function evidencePage(ctx: Context, region: string, bucket: string, name: string): Promise<string> {
  const keys = { ...reportKeys(name), ...evidenceKeys(name) };
  const stored = await getText(ctx, region, bucket, keys.html);
  if (stored !== null) {
    ctx.err(`s3://${bucket}/${keys.html}`);
    const manifestText = await getText(ctx, region, bucket, keys.manifest);
    let manifest: unknown = null;
    try {
      manifest = manifestText === null ? null : JSON.parse(manifestText);
    } catch {
      manifest = null;
    }
    const recorded = isEvidenceManifest(manifest) ? manifest.files.find((f) => f.name === "report.html") : undefined;
    const actual = describeFile("report.html", keys.html, stored).sha256;
    if (!recorded) {
      ctx.err(`warning: s3://${bucket}/${keys.manifest} has no digest of report.html, so the page could not be checked`);
    } else if (recorded.sha256 !== actual) {
      throw new CliError(
        "aws",
        `s3://${bucket}/${keys.html} does not match its manifest: SHA-256 ${actual}, manifest.json recorded ${recorded.sha256}`,
        "do not use this page; compare the object versions (aws s3api list-object-versions) and S3's ChecksumSHA256 of each",
      );
    } else {
      ctx.err(`SHA-256 ${actual} matches manifest.json`);
    }
    return stored;
  }
  const text = await getText(ctx, region, bucket, keys.json);
  if (text === null) {
    throw new CliError(
      "not-found",
      `no report for ${name} in ${region}: s3://${bucket}/${keys.json} does not exist`,
      "a report is written when a failover, failback or drill ends (dry-runs write none); check the execution name and --region",
    );
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new CliError("aws", `s3://${bucket}/${keys.json} is not JSON`);
  }
  if (!isDrReport(report)) throw new CliError("aws", `s3://${bucket}/${keys.json} is not a payments-dr run report (kind/schemaVersion)`);
  ctx.err(`s3://${bucket}/${keys.json}`);
  ctx.err(
    `this run stored no report.html (it ran before runs wrote one): rendered now from report.json; who started and approved it, and the code that ran, are not in report.json`,
  );
  return renderReportHtml({
    report,
    provenance: null,
    evidence: [describeFile("report.json", keys.json, text)],
    evidenceLocation: `s3://${bucket}/reports/${name}/`,
  });
}
