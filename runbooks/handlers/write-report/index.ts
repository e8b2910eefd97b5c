/**
 * WriteReport / WriteFailureReport — builds the run's evidence report (runbooks/domain/report.ts)
 * from the execution state and writes it to this region's evidence bucket (versioned, Object
 * Lock) under `reports/<execution>/`: report.json, report.md, the evidence page report.html
 * (runbooks/domain/report-html.ts, with the SHA-256 of the two before it) and manifest.json (who
 * started and approved, what ran, the SHA-256 of all three; runbooks/domain/evidence-manifest.ts).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { createHash } from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import { buildManifest, describeFile, evidenceKeys } from "../../domain/evidence-manifest";
import { buildReport, renderReportMarkdown, reportKeys } from "../../domain/report";
import { renderReportHtml } from "../../domain/report-html";
import { provenanceFromState } from "../../domain/report-provenance";
import { runStateSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("write-report");
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const s3 = awsClient(S3Client, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("write-report");

/** This function's own code file (in Lambda the bundle's index.js), hashed once at cold start: the code the evidence was written by. */
const codeFile = (() => {
  try {
    return { name: basename(__filename), sha256: createHash("sha256").update(readFileSync(__filename)).digest("hex") };
  } catch {
    return null;
  }
})();

const input = z.object({ state: runStateSchema });

/** Lambda's invocation context names the function and version that write the evidence. */
export const handler = (event: unknown, context?: Pick<Context, "functionName" | "functionVersion">) =>
  stepHandler("write-report", input, logger, async ({ state }) => {
    const report = buildReport(state, { now: Date.now(), rpoSeconds, rtoSeconds, environment: env.ENVIRONMENT });
    const keys = { ...reportKeys(state.run.executionName), ...evidenceKeys(state.run.executionName) };
    // Object Lock buckets require an integrity checksum on every PutObject; S3 keeps the SHA-256 with the version.
    const put = async (key: string, body: string, contentType: string) => {
      const out = await s3.send(
        new PutObjectCommand({ Bucket: env.EVIDENCE_BUCKET, Key: key, Body: body, ContentType: contentType, ChecksumAlgorithm: "SHA256" }),
      );
      return describeFile(key.slice(key.lastIndexOf("/") + 1), key, body, out?.VersionId ?? null);
    };
    const json = await put(keys.json, `${JSON.stringify(report, null, 2)}\n`, "application/json");
    const markdown = await put(keys.markdown, renderReportMarkdown(report), "text/markdown; charset=utf-8");
    const provenance = provenanceFromState(state, {
      functionName: context?.functionName ?? null,
      functionVersion: context?.functionVersion ?? null,
      codeFile,
      environment: env.ENVIRONMENT,
      rpoSeconds,
      rtoSeconds,
      evidenceBucket: env.EVIDENCE_BUCKET,
    });
    const page = await put(
      keys.html,
      renderReportHtml({
        report,
        provenance,
        evidence: [json, markdown],
        evidenceLocation: `s3://${env.EVIDENCE_BUCKET}/reports/${state.run.executionName}/`,
      }),
      "text/html; charset=utf-8",
    );
    const manifest = buildManifest({
      execution: { name: report.execution.name, id: report.execution.id, region: report.execution.region, mode: report.execution.mode },
      generatedAt: report.generatedAt,
      simulated: report.simulated,
      provenance,
      files: [json, markdown, page],
    });
    await put(keys.manifest, `${JSON.stringify(manifest, null, 2)}\n`, "application/json");
    logger.info("report written", { outcome: report.outcome, passed: report.evaluation.passed, key: keys.json });
    return {
      bucket: env.EVIDENCE_BUCKET,
      jsonKey: keys.json,
      markdownKey: keys.markdown,
      htmlKey: keys.html,
      manifestKey: keys.manifest,
      passed: report.evaluation.passed,
      outcome: report.outcome,
    };
  })(event);
