/**
 * The stories the recorded drctl sessions tell, in the simulated world:
 * 1. outage and failback (the rehearsal's `full` scenario, with an operator at a terminal):
 *    steady state, a drill dry-run, the primary's outage and the automatic failover, status with
 *    one region unreachable, the primary's recovery, the failback followed to the end, its report,
 *    and the final state as JSON;
 * 2. an approval: the stack deployed with autoFailover=false, so the automatic failover waits at
 *    RequestApproval until on-call answers with `drctl approve`;
 * 3. a quarterly drill: the drill followed to the end, the evidence report it leaves, the state after.
 * Each command's exit code is asserted: a story that no longer goes as told fails the recorder.
 */
import type { Deployment } from "../../sim/deployment/types";
import { automaticExecutions, type ScenarioContext } from "../../sim/rehearsal/scenario";
import type { Recorded } from "./drctl";
import { clockTime, storyWorld, type Step, type StoryWorld } from "./world";

export interface Story {
  title: string;
  /** What the story shows and how the world was set up. */
  intro: string;
  steps: Step[];
}

async function expectRun(s: StoryWorld, exitCode: number, title: string, context: string, args: string[]): Promise<Recorded> {
  const r = await s.run(title, context, args);
  if (r.exitCode !== exitCode) throw new Error(`${r.command} exited ${r.exitCode}, the story expects ${exitCode}\n${r.stderr}`);
  return r;
}

/** Runs a story in a fresh world and disposes of the world whatever happens. */
async function tell(deployment: Deployment, body: (s: StoryWorld, env: string[]) => Promise<Omit<Story, "steps">>): Promise<Story> {
  const s = await storyWorld(deployment);
  try {
    const { title, intro } = await body(s, ["--env", deployment.environment]);
    return { title, intro, steps: s.steps };
  } finally {
    s.dispose();
  }
}

const noneRunning = (ctx: ScenarioContext) => ctx.deployment.regions.every((r) => ctx.executions(r).every((e) => e.status !== "RUNNING"));

/** The name drctl reported starting (`started <name> in <region>` on stderr). */
function startedName(r: Recorded): string {
  const m = /^started (\S+) in /m.exec(r.stderr);
  if (!m) throw new Error(`${r.command} did not say what it started`);
  return m[1];
}

export function outageAndFailback(deployment: Deployment): Promise<Story> {
  return tell(deployment, async (s, env) => {
    const { ctx } = s;
    const { primary, secondary } = ctx;
    await ctx.clock.advance(30_000);
    await expectRun(
      s,
      0,
      "Steady state",
      `The stack has been up for a while; clients are paying through the failover name, which answers ${primary}.`,
      ["status", ...env],
    );
    await expectRun(
      s,
      0,
      "Could we drill now? A dry-run",
      "Every precondition of a drill, checked by the secondary's own state machine; nothing changes, so no confirmation is asked.",
      ["drill", ...env, "--dry-run"],
    );

    ctx.outage(primary, "every service in the region stops answering");
    const outageAt = ctx.clock.now();
    await ctx.waitFor(() => automaticExecutions(ctx, secondary, outageAt).some((e) => e.status !== "RUNNING"), 10 * 60_000);
    const failover = automaticExecutions(ctx, secondary, outageAt)[0];
    if (failover?.status !== "SUCCEEDED") throw new Error(`the automatic failover did not succeed: ${failover?.name} ${failover?.status}`);
    await ctx.clock.advance(30_000);
    await expectRun(
      s,
      0,
      "During the outage",
      `At ${clockTime(outageAt)} ${primary} went dark (simulated region outage: nothing in it answers). Nobody ran anything: the secondary's alarm started ` +
        `\`${failover.name}\` at ${clockTime(failover.startDate)}, which fenced ${primary}, promoted ${secondary} and confirmed DNS by ${clockTime(failover.stopDate as number)}. ` +
        `drctl cannot read ${primary} (its calls time out) nor Route 53's API (served from ${primary}); it says so and shows the rest.`,
      ["status", ...env],
    );

    await ctx.clock.advance(30_000);
    ctx.recover(primary);
    const recoveredAt = ctx.clock.now();
    await ctx.clock.advance(90_000);
    await ctx.waitFor(() => noneRunning(ctx), 5 * 60_000);
    const failback = await expectRun(
      s,
      0,
      "Failback",
      `${primary} came back at ${clockTime(recoveredAt)}, still FENCED, so traffic stays in ${secondary}. On-call fails back; \`--confirm\` stands in for typing the region at the prompt. ` +
        "drctl follows the execution until it ends: progress on stderr (time since the execution started), the result on stdout.",
      ["failback", ...env, "--confirm", primary],
    );
    const name = startedName(failback);
    const failbackStart = ctx.executions(primary).find((e) => e.name === name)?.startDate ?? 0;
    const stoodDown = automaticExecutions(ctx, primary, failbackStart).filter((e) =>
      e.states.some((st) => st.name === "StandDownDuringOperatorRun"),
    );
    await expectRun(
      s,
      0,
      "The failback's evidence report",
      "The report the run wrote to its region's evidence bucket, as Markdown (the S3 key goes to stderr).",
      ["report", ...env, "--region", primary, name],
    );
    // The alarms the failback tripped on purpose (the fenced secondary's 503s, its failing health check) clear within three periods.
    await ctx.clock.advance(180_000);
    const standDownNote =
      stoodDown.length > 0
        ? ` The latest execution in ${primary} is \`${stoodDown[0].name}\`: fencing ${secondary} during the failback tripped ${primary}'s peer alarm, and that automatic run stood down (StandDownDuringOperatorRun) because a failback held the lease.`
        : "";
    await expectRun(
      s,
      0,
      "Back to normal, as JSON",
      `A few minutes later, the same status as the first command, for a machine (\`--json\`, stable shape: docs/cli.md).${standDownNote}`,
      ["status", ...env, "--json"],
    );
    return {
      title: "Outage, automatic failover, failback",
      intro:
        `The rehearsal's \`full\` story with an operator at a terminal: ${primary} (primary) and ${secondary} (secondary), clients paying throughout, ` +
        `${primary} goes dark, the secondary fails over on its own, ${primary} recovers, on-call fails back with drctl.`,
    };
  });
}

export function approval(deployment: Deployment): Promise<Story> {
  return tell(deployment, async (s, env) => {
    const { ctx } = s;
    const { primary, secondary } = ctx;
    await ctx.clock.advance(30_000);
    ctx.outage(primary, "every service in the region stops answering");
    const outageAt = ctx.clock.now();
    const waiting = () =>
      automaticExecutions(ctx, secondary, outageAt).find(
        (e) => e.status === "RUNNING" && e.states.some((st) => st.name === "RequestApproval"),
      );
    await ctx.waitFor(() => waiting() !== undefined, 10 * 60_000);
    const run = waiting();
    if (!run) throw new Error("no automatic run reached RequestApproval");
    await ctx.clock.advance(60_000);
    const notified = ctx.world.sns.inbox.some((m) => m.region === secondary && (m.subject ?? "").includes("APPROVAL NEEDED"));
    if (!notified) throw new Error("no APPROVAL NEEDED notification was sent");
    const dnsNote =
      ctx.world.route53.servingRegion() === secondary
        ? ` DNS already answers ${secondary} (the primary's health check failed), but ${secondary} is STANDBY and refuses payments until a run promotes it.`
        : "";
    await expectRun(
      s,
      0,
      "An automatic failover waiting for approval",
      `At ${clockTime(outageAt)} ${primary} went dark. The secondary's alarm started \`${run.name}\` at ${clockTime(run.startDate)}; with autoFailover=false it changed nothing ` +
        `and waits at RequestApproval; on-call got an APPROVAL NEEDED notification naming the commands.${dnsNote} On-call looks first.`,
      ["status", ...env],
    );
    await expectRun(
      s,
      0,
      "Approve it",
      "The execution's name and region come from the notification (or the status above). drctl prints the request it answers on stderr.",
      ["approve", ...env, "--region", secondary, run.name, "--comment", `INC-2030: ${primary} is down, fail over`],
    );
    await ctx.waitFor(() => run.status !== "RUNNING", 10 * 60_000);
    if (run.status !== "SUCCEEDED") throw new Error(`the approved failover did not succeed: ${run.status} ${run.error ?? ""}`);
    await ctx.clock.advance(30_000);
    await expectRun(
      s,
      0,
      "After the approval",
      `The approved run fenced ${primary}, promoted ${secondary} and confirmed DNS; it ended at ${clockTime(run.stopDate as number)}.`,
      ["status", ...env],
    );
    return {
      title: "A failover that waits for approval",
      intro: `The same stack deployed with \`autoFailover: false\`: an alarm still starts the secondary's runbook, but it waits for a human before changing anything. ${primary} goes dark; on-call approves.`,
    };
  });
}

export function quarterlyDrill(deployment: Deployment): Promise<Story> {
  return tell(deployment, async (s, env) => {
    const { ctx } = s;
    const { primary, secondary } = ctx;
    await ctx.clock.advance(30_000);
    const drill = await expectRun(
      s,
      0,
      "The drill",
      `Both regions healthy, clients paying. The auditor's change ticket allows one minute in ${secondary}. The drill starts in ${secondary} (the region being activated), ` +
        `drains ${primary} on purpose, holds, then has ${primary}'s machine fail back; drctl follows it to the end.`,
      ["drill", ...env, "--hold", "60", "--confirm", secondary, "--ticket", "CHG-2030-Q1", "--reason", "quarterly DR drill"],
    );
    const name = startedName(drill);
    await expectRun(
      s,
      0,
      "The evidence report",
      "What the auditor keeps: the report the drill wrote to the evidence bucket (Object Lock, governance mode), as Markdown.",
      ["report", ...env, "--region", secondary, name],
    );
    await ctx.clock.advance(180_000);
    await ctx.waitFor(() => noneRunning(ctx), 5 * 60_000);
    await expectRun(
      s,
      0,
      "Afterwards",
      `A few minutes later: ${primary} is ACTIVE again, ${secondary} STANDBY, and the alarms the drill tripped on purpose have cleared.`,
      ["status", ...env],
    );
    return {
      title: "A quarterly drill and its evidence",
      intro: `The auditors' story: a drill on a healthy stack, ${primary} drained on purpose for a minute and restored, and the evidence report it leaves.`,
    };
  });
}
