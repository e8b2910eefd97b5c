/**
 * SummarizeDryRun — turns the dry-run's read-only checks into findings and a ready/not-ready
 * verdict (`dryRunFindings`, runbooks/lib/dry-run.ts). No AWS call.
 */
import * as z from "../../../functions/lib/zod";
import { dryRunFindings } from "../../lib/dry-run";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";
import { assessmentSchema, dnsStepSchema, leaseCheckSchema, replicationSchema } from "../../lib/steps";

const logger = createLogger("summarize-dry-run");

const inputSchema = z.object({
  run: runSchema,
  leaseCheck: leaseCheckSchema,
  assessment: assessmentSchema,
  replication: replicationSchema,
  dns: dnsStepSchema,
});

export const handler = stepHandler("summarize-dry-run", inputSchema, logger, async (input) => dryRunFindings(input));
