/**
 * `drctl report <execution>`: the evidence report of a failover, failback or drill, from the
 * evidence bucket of the region that ran it — Markdown for people, --json for the data.
 */
import { Option, type Command } from "commander";
import { renderReportMarkdown } from "../../runbooks/domain/report";
import type { Context } from "../context";
import { discoverRegion, requireValue } from "../discovery";
import { usageError } from "../errors";
import { parseExecutionRef } from "../executions";
import { addCommonOptions, resolveTarget, type CommonFlags } from "../options";
import { fetchReport } from "../report-store";

const EXAMPLES = `
Examples:
  $ drctl report --env prod --region us-east-2 manual-drill-20250601T120000Z-alice > drill.md
  $ drctl report --env prod arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-prod:manual-drill-20250601T120000Z-alice
  $ drctl report --env prod --region us-east-1 manual-drill-20250601T120000Z-alice-failback --json | jq .measurements

The report lives at s3://<evidence bucket of that region>/reports/<execution>/report.json; it has
the timeline, the decisions and RTO/RPO against the objectives. Exit codes: 0 printed, 2 usage,
3 AWS or no such report.`;

export function registerReport(program: Command, ctx: Context): void {
  addCommonOptions(program.command("report").description("print the evidence report of a run (Markdown, or --json)"))
    .argument("<execution>", "the execution: its ARN, or its name with --region")
    .addOption(new Option("--region <region>", "the region that ran it (not needed with an ARN)"))
    .addHelpText("after", EXAMPLES)
    .action(async (execution: string, flags: CommonFlags & { region?: string }) => {
      const target = resolveTarget(flags, ctx);
      const ref = parseExecutionRef(execution, flags.region);
      if (ref.region !== target.primaryRegion && ref.region !== target.secondaryRegion) {
        throw usageError(
          `${ref.region} is neither the primary (${target.primaryRegion}) nor the secondary (${target.secondaryRegion}) region of ${target.environment}`,
        );
      }
      const config = await discoverRegion(ctx, target, ref.region);
      const bucket = requireValue(config, config.evidenceBucket, "dr/evidence-bucket");
      const { report, key } = await fetchReport(ctx, ref.region, bucket, ref.name);
      ctx.err(`s3://${bucket}/${key}`);
      if (ctx.json) ctx.outJson(report);
      else ctx.io.stdout.write(renderReportMarkdown(report));
    });
}
