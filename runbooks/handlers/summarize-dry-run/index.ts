/**
 * SummarizeDryRun — turns the dry-run's read-only checks into findings and a ready/not-ready
 * verdict (`dryRunFindings`, runbooks/domain/dry-run.ts). No AWS call.
 */
import * as z from "../../../lib/zod";
import { dryRunFindings } from "../../domain/dry-run";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { assessmentSchema, dnsStepSchema, leaseCheckSchema, replicationSchema } from "../../domain/steps";

const logger = createLogger("summarize-dry-run");

const inputSchema = z.object({
  run: runSchema,
  leaseCheck: leaseCheckSchema,
  assessment: assessmentSchema,
  replication: replicationSchema,
  dns: dnsStepSchema,
});

export const handler = stepHandler("summarize-dry-run", inputSchema, logger, async (input) => dryRunFindings(input));
