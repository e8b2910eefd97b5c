/**
 * Reads a run's evidence report from the evidence bucket of the region that ran it
 * (`reports/<execution>/report.json`, runbooks/domain/report.ts).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { isDrReport, reportKeys, type DrReport } from "../runbooks/domain/report";
import type { Context } from "./context";
import { CliError } from "./errors";

export interface StoredReport {
  report: DrReport;
  bucket: string;
  key: string;
}

export async function fetchReport(ctx: Context, region: string, bucket: string, executionName: string): Promise<StoredReport> {
  const key = reportKeys(executionName).json;
  let text: string;
  try {
    text = await ctx.aws.call(region, "s3:GetObject", async (abortSignal) => {
      const out = await ctx.aws.s3(region).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      if (!out.Body) throw new CliError("aws", `s3://${bucket}/${key} has no body`);
      return out.Body.transformToString("utf-8");
    });
  } catch (error) {
    // The SDK's NoSuchKey has become a CliError of kind "aws" by now; its message names it.
    if (error instanceof CliError && /NoSuchKey|NotFound/.test(error.message)) {
      throw new CliError(
        "not-found",
        `no report for ${executionName} in ${region}: s3://${bucket}/${key} does not exist`,
        "a report is written when a failover, failback or drill ends (dry-runs write none); check the execution name and --region",
      );
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError("aws", `s3://${bucket}/${key} is not JSON`);
  }
  if (!isDrReport(parsed)) throw new CliError("aws", `s3://${bucket}/${key} is not a payments-dr run report (kind/schemaVersion)`);
  return { report: parsed, bucket, key };
}
