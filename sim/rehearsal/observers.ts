/**
 * Turns what happens in the world into the DR story on the timeline: region records as each
 * replica sees them, runbook executions and the states they enter, runbook notifications, and
 * alarm transitions of the alarms that start runbooks. Also records what the checks need.
 */
import { type Authority, controlKeys } from "../../lib/control-schema";
import { regionIn } from "../authority";
import type { World } from "../world";

/** States worth a line: every Task, and the Fail/Succeed ends (Pass/Choice/Wait are plumbing). */
const SHOWN_TYPES = new Set(["Task", "Fail", "Succeed"]);
/** Polling Tasks: shown once per execution, not on every loop. */
const LOOPING = new Set([
  "ConfirmDnsAnswer",
  "CheckSentinelReplicated",
  "CheckFenceAlarm",
  "CheckDetection",
  "CheckPrimaryFailback",
  "CheckScratchTable",
  "VerifyRestoredTable",
]);

export interface Observations {
  /** Successful PENDING→SETTLED writes per payment id, with region. */
  settlements: Map<string, string[]>;
  /** Successful creations (conditional put of a new payment) per payment id, with region and time. */
  creations: Map<string, { region: string; at: number }[]>;
  /** Which region record values each replica held over time. */
  /** Region states as each replica saw them change, with the execution whose transition it was. */
  regionRecords: { at: number; replica: string; region: string; state: string; epoch: number; local: boolean; executionId: string }[];
  /** Regions going down and coming back. */
  availability: { at: number; region: string; up: boolean }[];
  /** Each region's own record as its own replica held it when observing began. */
  initialStates: Record<string, string>;
}

export function observe(world: World): Observations {
  const { timeline, deployment } = world;
  const paymentsTable = deployment.tables.find((t) => t.hashKey === "paymentId")?.name;
  const controlTable = deployment.tables.find((t) => t.hashKey === "pk")?.name;
  const initialStates = Object.fromEntries(deployment.regions.map((r) => [r, regionIn(world, r, r)?.state ?? "UNKNOWN"]));
  const obs: Observations = { settlements: new Map(), creations: new Map(), regionRecords: [], availability: [], initialStates };
  world.reachability.onChange((region, up) => obs.availability.push({ at: world.now(), region, up }));

  world.dynamodb.onChange((c) => {
    if (c.table === paymentsTable && c.local) {
      const id = c.key.replace(/"/g, "");
      if (c.old === undefined && c.new) obs.creations.set(id, [...(obs.creations.get(id) ?? []), { region: c.region, at: c.at }]);
      if (c.old?.status === "PENDING" && c.new?.status === "SETTLED")
        obs.settlements.set(id, [...(obs.settlements.get(id) ?? []), c.region]);
    }
    // A transition of the authority: one entry per region whose state it changed in this replica.
    if (c.table === controlTable && c.key === JSON.stringify(controlKeys.authority()) && c.new) {
      const next = c.new as unknown as Authority;
      const before = c.old as unknown as Authority | undefined;
      for (const region of Object.keys(next.states)) {
        if (before?.states[region] === next.states[region]) continue;
        const state = next.states[region];
        obs.regionRecords.push({
          at: c.at,
          replica: c.region,
          region,
          state,
          epoch: next.epoch,
          local: c.local,
          executionId: next.executionId,
        });
        timeline.add(
          c.region,
          "region-record",
          `${c.region} replica: ${region} is ${state} (epoch ${next.epoch})${c.local ? "" : " — arrived by replication"}`,
        );
      }
    }
  });

  const shownLoops = new Map<string, Set<string>>();
  world.sfn.on("started", (e) => timeline.add(e.region, "execution", `execution ${e.name} started (${summarizeInput(e.input)})`));
  world.sfn.on("state", (e, ev) => {
    // Only the DR runbooks (STANDARD executions), not the canary ticker's minute-by-minute runs.
    if (!world.sfn.executions.has(e.executionArn)) return;
    const name = ev.state?.name ?? "";
    if (!SHOWN_TYPES.has(ev.state?.type ?? "")) return;
    if (LOOPING.has(name)) {
      const seen = shownLoops.get(e.executionArn) ?? new Set();
      if (seen.has(name)) return;
      seen.add(name);
      shownLoops.set(e.executionArn, seen);
      timeline.add(e.region, "state", `${shortName(e.name)}: ${name} (polling)`);
      return;
    }
    timeline.add(e.region, "state", `${shortName(e.name)}: ${name}`);
  });
  world.sfn.on("ended", (e) => {
    timeline.add(
      e.region,
      "execution",
      `execution ${e.name} ${e.status}${e.error ? ` with ${e.error}: ${(e.cause ?? "").slice(0, 160)}` : ""}`,
    );
  });

  world.sns.onPublish((m) => {
    if (m.attributes.source === "cloudwatch-alarm") return;
    timeline.add(m.region, "notification", `SNS: ${m.subject ?? "(no subject)"}`, m.message);
  });

  const triggerArns = new Set(deployment.eventRules.flatMap((r) => JSON.stringify(r.pattern).match(/arn:aws:cloudwatch:[^"]+/g) ?? []));
  world.alarms.onTransition((t) => {
    // A fresh alarm settling (INSUFFICIENT_DATA → OK) is not part of the story.
    if (t.from === "INSUFFICIENT_DATA" && t.to === "OK") return;
    if (triggerArns.has(t.alarm.arn) || t.alarm.name.startsWith("primary-fenced")) {
      timeline.add(t.alarm.region, "alarm", `alarm ${t.alarm.name}: ${t.from} → ${t.to}`, t.reason);
    }
  });
  return obs;
}

/** `alarm-peer-health-us-east-2-dev-cf293b7668ba0071` → `alarm-peer-health-us-east-2-dev-…0071` for the timeline. */
export function shortName(execution: string): string {
  return execution.replace(/-[0-9a-f]{12}([0-9a-f]{4})$/, "-…$1");
}

function summarizeInput(input: string): string {
  try {
    const i = JSON.parse(input) as { mode?: string; trigger?: { source?: string; alarmName?: string }; holdSeconds?: number };
    const trigger = i.trigger?.source === "alarm" ? `alarm ${i.trigger.alarmName}` : (i.trigger?.source ?? "manual");
    return `${i.mode ?? "?"}, ${trigger}${i.holdSeconds !== undefined ? `, hold ${i.holdSeconds} s` : ""}`;
  } catch {
    return "unparsable input";
  }
}
