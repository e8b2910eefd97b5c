/**
 * A sweep timeline: faults from the vocabulary (sim/experiments.ts), each timed, plus on-call's
 * manual runs, written the way `npm start` takes them on its command line — so any timeline the
 * sweep explores is one command a person can run:
 *
 *   npm start -- --scenario steady --fault region-outage:region=us-east-1,at=30s,for=3m \
 *     --operator failback:region=us-east-1,at=5m
 *
 * `formatFaultSpec` is the inverse of `parseFaultSpec` (tested as such, for every generated fault).
 */
import type { TimedFault } from "../experiments";
import { formatDuration } from "./duration";
import { formatOperatorSpec, type OperatorAction } from "./operator-actions";

export interface Timeline {
  faults: TimedFault[];
  operator: OperatorAction[];
}

/** `<action>:key=value,...[,at=..][,for=..]`, which `parseFaultSpec` reads back to the same fault. */
export function formatFaultSpec(timed: TimedFault): string {
  const f = timed.fault;
  const params: [string, string | number | undefined][] = [];
  switch (f.action) {
    case "region-outage":
      params.push(["region", f.region]);
      break;
    case "network-partition":
      params.push(["from", f.from], ["to", f.to], ["paths", f.paths?.join("+")], ["oneWay", f.oneWay ? "true" : undefined]);
      break;
    case "pause-replication":
      params.push(["table", f.table], ["region", f.region]);
      break;
    case "replication-lag":
      params.push(["from", f.from], ["to", f.to], ["lag", formatDuration(f.lagMs)], ["table", f.table]);
      break;
    case "lambda-invocation-error":
      params.push(["function", f.function], ["region", f.region], ["percentage", f.percentage]);
      break;
    case "lambda-invocation-delay":
      params.push(["function", f.function], ["region", f.region], ["delay", formatDuration(f.delayMs)], ["percentage", f.percentage]);
      break;
    case "dns-freeze":
      break;
    case "api-error":
    case "api-latency":
    case "apply-then-timeout": {
      if (f.action === "api-error") {
        if (typeof f.error !== "string") throw new Error(`api-error with a custom error (${f.error.name}) has no command-line form`);
        params.push(["error", f.error]);
      }
      if (f.action === "api-latency") params.push(["delay", formatDuration(f.delayMs)]);
      params.push(
        ["service", f.service],
        ["operations", f.operations?.join("+")],
        ["region", f.region],
        ["from", f.from],
        ["resource", f.resource],
        ["percentage", f.percentage],
        ["count", f.count],
      );
      break;
    }
  }
  if (timed.atMs !== undefined) params.push(["at", formatDuration(timed.atMs)]);
  if (timed.forMs !== undefined) params.push(["for", formatDuration(timed.forMs)]);
  const written = params.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return written.length > 0 ? `${f.action}:${written.join(",")}` : f.action;
}

/** Every event of a timeline in time order, as its command-line spec. */
export function timelineSpecs(t: Timeline): { at: number; flag: "--fault" | "--operator"; spec: string }[] {
  return [
    ...t.faults.map((f) => ({ at: f.atMs ?? 0, flag: "--fault" as const, spec: formatFaultSpec(f) })),
    ...t.operator.map((o) => ({ at: o.atMs, flag: "--operator" as const, spec: formatOperatorSpec(o) })),
  ].sort((a, b) => a.at - b.at);
}

/** Quotes a word for /bin/sh when it needs it (fault specs normally do not). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that replays a timeline on a base scenario, exactly as the sweep ran it: with the
 * stack settings it rehearsed (`--config`), and what it planted in every run (`--fault <spec>`:
 * a defect such as `unfenced-primary`, or a fault), if anything.
 */
export function replayCommand(
  scenario: string,
  t: Timeline,
  options: { plant?: readonly string[]; config?: readonly { key: string; value: string }[]; json?: boolean } = {},
): string {
  const words = [
    "npm",
    "start",
    ...(options.json ? ["--silent"] : []),
    "--",
    "--scenario",
    scenario,
    ...(options.config ?? []).flatMap((c) => ["--config", `${c.key}=${c.value}`]),
    ...(options.plant ?? []).flatMap((spec) => ["--fault", spec]),
    ...timelineSpecs(t).flatMap((e) => [e.flag, e.spec]),
    ...(options.json ? ["--json"] : []),
  ];
  return words.map(shellWord).join(" ");
}

/** One line per event: `T+01:30 region-outage:region=us-east-1,at=90s,for=3m`. */
export function describeTimeline(t: Timeline): string[] {
  const specs = timelineSpecs(t);
  if (specs.length === 0) return ["(no fault, no operator action)"];
  return specs.map((e) => `T+${clock(e.at)}  ${e.flag === "--operator" ? "operator " : ""}${e.spec}`);
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** How many events a timeline holds (what shrinking minimises first). */
export const size = (t: Timeline): number => t.faults.length + t.operator.length;
