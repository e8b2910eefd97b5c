/**
 * `drctl preflight`: read-only checks of an account and a stack, before and after `pulumi up` —
 * credentials and account, Lambda concurrency quota, AWS Backup's DynamoDB features, the zone's
 * delegation, the API certificates; then each canary's heartbeat, Route 53's health checks, the
 * fence alarm and its data, the DR state machines and the canary schedules. Each check says pass,
 * fail, cannot tell or skipped, with what to do.
 */
import type { Command } from "commander";
import type { Context } from "../context";
import { EXIT } from "../errors";
import { gatherPreflight } from "../preflight/gather";
import { renderPreflight } from "../preflight/render";
import { addPreflightOptions, type PreflightFlags, resolvePreflight } from "../preflight/stack-config";
import { addCommonOptions } from "../options";

const EXAMPLES = `
Examples:
  $ drctl preflight --env prod                                  # reads Pulumi.prod.yaml here, if it is there
  $ drctl preflight --env prod --stack-file Pulumi.prod.yaml
  $ drctl preflight --env prod --zone payments.example.com --delegation-set-id N0123456789EXAMPLE
  $ drctl preflight --env prod --json | jq '.checks[] | select(.verdict == "fail") | .action'

Before pulumi up it checks the account (credentials, Lambda concurrency quota, AWS Backup's
DynamoDB features), the zone's delegation and any API certificates; the zone comes from the stack
file or the flags. After pulumi up (the stack's SSM parameters exist) it also checks each canary's
heartbeat, Route 53's health checks, the fence alarm and its data, the state machines and the
canary schedules. Read only. Route 53's API is served from us-east-1 only: without it, its checks
cannot tell.
Exit codes: 0 no check failed (some may not tell), 2 usage, 3 no valid credentials,
4 a check failed.`;

export function registerPreflight(program: Command, ctx: Context): void {
  addPreflightOptions(
    addCommonOptions(program.command("preflight").description("check an account and the stack before and after pulumi up (read only)")),
  )
    .addHelpText("after", EXAMPLES)
    .action(async (flags: PreflightFlags) => {
      const { target, zone } = resolvePreflight(flags, ctx);
      const report = await gatherPreflight(ctx, target, zone);
      if (ctx.json) ctx.outJson(report);
      else ctx.out(renderPreflight(report, ctx.paintOut));
      ctx.exitCode = report.ready ? EXIT.ok : EXIT.executionFailed;
    });
}
