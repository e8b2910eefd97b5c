/**
 * WriteReport / WriteFailureReport — builds the run's evidence report (runbooks/lib/report.ts)
 * from the execution state and writes it as JSON and Markdown to this region's evidence bucket
 * (versioned, Object Lock), at `reports/<execution>/report.{json,md}`.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { intEnv, requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { createLogger, stepHandler } from "../../lib/handler";
import { buildReport, renderReportMarkdown, reportKeys } from "../../lib/report";
import { runStateSchema } from "../../lib/steps";

const env = requireEnv(["LOCAL_REGION", "EVIDENCE_BUCKET", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"]);
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const s3 = new S3Client({ region: env.LOCAL_REGION });
const logger = createLogger("write-report");

export const handler = stepHandler("write-report", z.object({ state: runStateSchema }), logger, async ({ state }) => {
  const report = buildReport(state, { now: Date.now(), rpoSeconds, rtoSeconds, environment: env.ENVIRONMENT });
  const keys = reportKeys(state.run.executionName);
  // Object Lock buckets require an integrity checksum on every PutObject.
  await s3.send(
    new PutObjectCommand({
      Bucket: env.EVIDENCE_BUCKET,
      Key: keys.json,
      Body: `${JSON.stringify(report, null, 2)}\n`,
      ContentType: "application/json",
      ChecksumAlgorithm: "SHA256",
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: env.EVIDENCE_BUCKET,
      Key: keys.markdown,
      Body: renderReportMarkdown(report),
      ContentType: "text/markdown; charset=utf-8",
      ChecksumAlgorithm: "SHA256",
    }),
  );
  logger.info("report written", { outcome: report.outcome, passed: report.evaluation.passed, key: keys.json });
  return { bucket: env.EVIDENCE_BUCKET, jsonKey: keys.json, markdownKey: keys.markdown, passed: report.evaluation.passed, outcome: report.outcome };
});
