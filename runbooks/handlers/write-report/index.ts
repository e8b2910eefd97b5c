/**
 * WriteReport / WriteFailureReport — builds the run's evidence report (runbooks/domain/report.ts)
 * from the execution state and writes it as JSON and Markdown to this region's evidence bucket
 * (versioned, Object Lock), at `reports/<execution>/report.{json,md}`.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import { buildReport, renderReportMarkdown, reportKeys } from "../../domain/report";
import { runStateSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("write-report");
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const s3 = awsClient(S3Client, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
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
  return {
    bucket: env.EVIDENCE_BUCKET,
    jsonKey: keys.json,
    markdownKey: keys.markdown,
    passed: report.evaluation.passed,
    outcome: report.outcome,
  };
});
