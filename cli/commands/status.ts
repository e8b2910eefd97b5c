/**
 * `drctl status`: the DR picture of both regions — which region is active, each region's state
 * and epoch, Route 53 health checks, what DNS answers, replication heartbeat age per direction,
 * alarms in ALARM, the running or last execution, the lease and the dashboards.
 */
import type { Command } from "commander";
import type { Context } from "../context";
import { EXIT } from "../errors";
import { addCommonOptions, resolveTarget, type CommonFlags } from "../options";
import { gatherStatus } from "../status-data";
import { renderStatus } from "../status-render";

const EXAMPLES = `
Examples:
  $ drctl status --env prod
  $ DRCTL_ENV=prod drctl status --json | jq .activeRegion

Works with one region down: that region is reported unavailable and everything else is shown.
Health-check status comes from Route 53's API, which is served from us-east-1 only.
Exit codes: 0 shown (even with one region unavailable), 2 usage, 3 no region could be read.`;

export function registerStatus(program: Command, ctx: Context): void {
  addCommonOptions(program.command("status").description("show the DR state of both regions"))
    .addHelpText("after", EXAMPLES)
    .action(async (flags: CommonFlags) => {
      const target = resolveTarget(flags, ctx);
      const report = await gatherStatus(ctx, target);
      if (ctx.json) ctx.outJson(report);
      else ctx.out(renderStatus(report, ctx.paintOut));
      for (const r of report.regions) if (!r.available) ctx.err(`warning: ${r.region} could not be read: ${r.error?.message}`);
      ctx.exitCode = EXIT.ok;
    });
}
