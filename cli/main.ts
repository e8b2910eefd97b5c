/**
 * drctl, the payments-dr operator CLI (docs/cli.md).
 *
 * `runCli(argv, io)` runs one command in-process with the given streams, environment, clock and
 * DNS resolver and returns the exit code; AWS calls go through ordinary SDK v3 clients, so tests
 * and the session recorder answer them with aws-sdk-client-mock. `main()` wires it to the process.
 */
import { Command, CommanderError } from "commander";
import { registerApprove } from "./commands/approve";
import { registerDrill } from "./commands/drill";
import { registerFailback } from "./commands/failback";
import { registerFailover } from "./commands/failover";
import { registerPreflight } from "./commands/preflight";
import { registerReject } from "./commands/reject";
import { registerReport } from "./commands/report";
import { registerStatus } from "./commands/status";
import { createContext, type Context } from "./context";
import { describeCliError, EXIT } from "./errors";
import type { CliIo } from "./io";

export type { CliIo } from "./io";
export type { DnsResolver } from "./dns";

const OVERVIEW = `
Commands that move traffic (failover, failback, drill) ask you to type the region being
activated, or take --confirm <region>. Data goes to stdout (--json for machines), progress to
stderr. Settings: DRCTL_ENV, DRCTL_PRIMARY_REGION, DRCTL_SECONDARY_REGION,
DRCTL_CALL_TIMEOUT_SECONDS (15), DRCTL_POLL_SECONDS (3), DRCTL_DEBUG, NO_COLOR.
AWS credentials come from the standard chain (AWS_PROFILE, SSO, environment...).

Exit codes: 0 ok, 1 drctl defect, 2 usage or confirmation refused, 3 AWS (credentials, access
denied, throttling, unreachable, unknown stack, not found), 4 the execution failed (or a
preflight check failed), 5 stopped following while it still runs, 130 interrupted.

Reference: docs/cli.md`;

function buildProgram(ctx: Context): Command {
  const program = new Command("drctl")
    .description("payments-dr operator CLI: status, failover, failback, drills, approvals, reports, preflight")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
    })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", OVERVIEW);
  registerStatus(program, ctx);
  registerFailover(program, ctx);
  registerFailback(program, ctx);
  registerDrill(program, ctx);
  registerApprove(program, ctx);
  registerReject(program, ctx);
  registerReport(program, ctx);
  registerPreflight(program, ctx);
  return program;
}

/** Runs one drctl command; never throws, never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let ctx: Context | undefined;
  try {
    ctx = createContext(io);
    const program = buildProgram(ctx);
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with exit code 0; every parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const described = describeCliError(error, ctx?.debug ?? false);
    io.stderr.write(described.message);
    if (ctx?.json) {
      const message = error instanceof Error ? error.message : String(error);
      io.stdout.write(`${JSON.stringify({ error: { kind: described.kind, exitCode: described.exitCode, message } }, null, 2)}\n`);
    }
    return described.exitCode;
  } finally {
    ctx?.aws.destroy();
  }
}

/** The bin entry: real streams and environment; Ctrl-C stops following (a second one exits). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
  });
  process.off("SIGINT", onSigint);
  process.exitCode = code;
}
