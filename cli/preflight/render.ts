/**
 * `drctl preflight` for people: one line per check (verdict, check, region, what was found), the
 * action under anything that is not a pass, grouped before / after the deploy, and a verdict line.
 */
import type { Paint } from "../io";
import type { CheckResult, PreflightReport, Verdict } from "./model";

const LABEL: Record<Verdict, string> = { pass: "PASS", fail: "FAIL", "cannot-tell": "????", skipped: "SKIP" };
const STYLE: Record<Verdict, "green" | "red" | "yellow" | "dim"> = { pass: "green", fail: "red", "cannot-tell": "yellow", skipped: "dim" };

function deployedLine(r: PreflightReport): string {
  const states = Object.entries(r.deployed);
  if (states.every(([, d]) => d === false)) return "not deployed yet (no SSM parameters in either region): after-deploy checks are skipped";
  return states.map(([region, d]) => `${region} ${d === true ? "deployed" : d === false ? "not deployed" : "unknown"}`).join(", ");
}

function configLine(r: PreflightReport): string {
  const c = r.config;
  const how = c.hostedZoneId ? `hosted zone ${c.hostedZoneId}` : c.delegationSetId ? `delegation set ${c.delegationSetId}` : null;
  const zone = c.zoneName ? `zone ${c.zoneName}${how ? ` (${how})` : ""}` : "no zone";
  return `${zone}; from ${c.source ?? "the deployed stack's SSM parameters"}`;
}

export function renderPreflight(r: PreflightReport, paint: Paint): string {
  const name = (c: CheckResult) => (c.region ? `${c.id} ${c.region}` : c.id);
  const width = Math.max(...r.checks.map((c) => name(c).length));
  const lines = [
    `preflight of payments-dr ${r.environment} (${r.primaryRegion} primary, ${r.secondaryRegion} secondary) at ${r.checkedAt}`,
    `account   ${r.account.id} as ${r.account.principal}`,
    `stack     ${deployedLine(r)}`,
    `config    ${configLine(r)}`,
  ];
  for (const [phase, title] of [
    ["before-deploy", "before pulumi up"],
    ["after-deploy", "after pulumi up"],
  ] as const) {
    lines.push("", title);
    for (const c of r.checks.filter((x) => x.phase === phase)) {
      lines.push(`  ${paint(STYLE[c.verdict], LABEL[c.verdict])}  ${name(c).padEnd(width)}  ${c.detail}`);
      if (c.action) lines.push(`  ${" ".repeat(4)}  ${" ".repeat(width)}  → ${c.action}`);
    }
  }
  const s = r.summary;
  const counts = `${s.fail} failed, ${s.cannotTell} cannot tell, ${s.pass} passed, ${s.skipped} skipped`;
  lines.push("", r.ready ? `${paint("green", "READY")}: ${counts}` : `${paint("red", "NOT READY")}: ${counts}`);
  return lines.join("\n");
}
