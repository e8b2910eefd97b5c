/**
 * `drctl status` as plain text: one section per question on-call asks, every line grep-able.
 */
import type { Paint } from "./io";
import type { StatusReport } from "./status-data";

function table(rows: string[][], indent = "  "): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, visible(cell).length)), []);
  return rows.map((row) =>
    `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i] - visible(cell).length))).join("  ")}`.trimEnd(),
  );
}

// eslint-disable-next-line no-control-regex
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC (\u001b); this strips them to measure width.
const visible = (s: string) => s.replace(/\u001b\[\d+m/g, "");

export function renderStatus(report: StatusReport, paint: Paint): string {
  const lines: string[] = [];
  const stateColor = (state: string) =>
    state === "ACTIVE" ? paint("green", state) : state === "FENCED" || state === "DRAINED" ? paint("red", state) : state;
  lines.push(`payments-dr ${report.environment} at ${report.checkedAt}`);
  const active = report.activeRegion ? paint("bold", report.activeRegion) : paint("yellow", "unknown");
  lines.push(`active region: ${active}${report.activeRegionNote ? ` — ${report.activeRegionNote}` : ""}`);

  lines.push("", "REGIONS");
  lines.push(
    ...table(
      report.regions.map((r) => {
        const base = [r.region, r.role];
        if (!r.record) return [...base, paint("red", r.available ? "no record" : "UNAVAILABLE"), r.error ? r.error.message : ""];
        const seen = r.record.seenIn !== r.region ? ` (as seen in ${r.record.seenIn}'s replica)` : "";
        return [...base, stateColor(r.record.state), `epoch ${r.record.epoch}`, `since ${r.record.updatedAt}${seen}`];
      }),
    ),
  );
  for (const r of report.regions) {
    if (r.error && r.record) lines.push(`  ${r.region}: ${paint("red", "unavailable")}: ${r.error.message}`);
    for (const p of r.problems) lines.push(`  ${r.region}: ${p}`);
  }

  const hc = report.healthChecks;
  lines.push("", `HEALTH CHECKS  ${hc.api}: GetHealthCheckStatus is Route 53's API and needs us-east-1`);
  if (hc.checks.length === 0) lines.push(`  unknown (${hc.error ?? "no health checks"})`);
  lines.push(
    ...table(
      hc.checks.map((c) =>
        c.status === "unknown"
          ? [c.name, `unknown (${c.detail})`]
          : [c.name, c.status === "unhealthy" ? paint("red", c.status) : c.status, c.detail],
      ),
    ),
  );

  const dns = report.dns;
  lines.push("", `DNS  asked ${dns.nameServers.length > 0 ? dns.nameServers.join(", ") : "(no name servers known)"}`);
  const answer = (a: string[] | null) => (a === null ? "unknown" : a.length === 0 ? "no answer" : a.join(", "));
  const rows: string[][] = [];
  if (dns.failoverName) rows.push([dns.failoverName, "A", answer(dns.failoverAnswers)]);
  if (dns.witnessName)
    rows.push([
      dns.witnessName,
      "TXT",
      `${answer(dns.witnessAnswers)}${dns.servingRegion ? `  (traffic goes to ${dns.servingRegion})` : ""}`,
    ]);
  lines.push(...table(rows));
  if (dns.error) lines.push(`  ${dns.error}`);

  lines.push("", "REPLICATION  age of the peer's heartbeat in each region's replica");
  lines.push(
    ...table(
      report.replication.map((r) => [
        `${r.from} → ${r.to}`,
        r.heartbeatAgeSeconds === null ? `unknown (${r.error ?? "no heartbeat"})` : `${r.heartbeatAgeSeconds} s`,
      ]),
    ),
  );

  lines.push("", "ALARMS IN ALARM");
  for (const r of report.regions) {
    if (r.alarms.inAlarm === null)
      lines.push(`  ${r.region}  unknown (${r.alarms.error ?? (r.available ? "not read" : "region unavailable")})`);
    else if (r.alarms.inAlarm.length === 0) lines.push(`  ${r.region}  none`);
    else for (const a of r.alarms.inAlarm) lines.push(`  ${r.region}  ${paint("red", a.name)}  since ${a.since ?? "?"}  ${a.reason}`);
  }

  lines.push("", "EXECUTIONS  running, else the latest, per region");
  lines.push(
    ...table(
      report.regions.map((r) => {
        const e = r.execution.latest;
        if (!e)
          return [r.region, r.execution.error ? `unknown (${r.execution.error})` : r.available ? "none" : "unknown (region unavailable)"];
        const status = e.status === "RUNNING" ? paint("yellow", e.status) : e.status === "SUCCEEDED" ? e.status : paint("red", e.status);
        return [r.region, e.name, status, `started ${e.startedAt ?? "?"}${e.stoppedAt ? `, stopped ${e.stoppedAt}` : ""}`];
      }),
    ),
  );
  const lease = report.lease;
  lines.push(
    `  lease: ${lease.state === "held" ? `held by ${lease.holder} (${lease.mode} in ${lease.region}) until ${lease.expiresAt}` : lease.state}`,
  );

  lines.push("", "DASHBOARDS");
  lines.push(
    ...table(
      report.regions.map((r) => [
        r.region,
        r.dashboardUrl ?? (r.available ? "unknown (no dr/dashboard-url parameter)" : "unknown (region unavailable)"),
      ]),
    ),
  );
  return lines.join("\n");
}
