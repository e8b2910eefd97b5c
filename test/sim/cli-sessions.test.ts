/**
 * docs/cli-sessions.md is what drctl prints now: the recorder replays its stories against the
 * simulated world (`npx tsx scripts/record-cli-sessions.ts --check`, ~20 s of CPU) and fails when the
 * file differs — a change to drctl, the runbooks or the simulation that changes a session makes
 * this test ask for the file to be regenerated, so the documented sessions never go stale. The
 * same run checks the excerpts docs/runbooks.md and the README quote from it.
 * What this cannot prove: that AWS would answer as the simulation does (the file says so).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { manualExecutionName } from "../../cli/executions";
import { runCli } from "../../cli/main";
import { EXCERPT_MARKER, staleExcerptLines } from "../../scripts/cli-sessions/excerpts";
import { CHILD_TEST_TIMEOUT_MS, ROOT, runTsx } from "../setup/child-process";
import { stack } from "../support/stack";

it(
  "docs/cli-sessions.md, and the excerpts the docs quote, are current (regenerate with: npx tsx scripts/record-cli-sessions.ts)",
  async () => {
    // ~20 s of CPU on a quiet machine; bounded by CPU, not by the wall clock (test/setup/child-process.ts).
    const result = await runTsx("scripts/record-cli-sessions.ts", ["--check"], { budget: { cpuSeconds: 120 } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  },
  CHILD_TEST_TIMEOUT_MS,
);

describe("an excerpt of the recorded sessions in another doc", () => {
  const sessions = ["$ drctl status --env dev", "active region: us-east-1", "  lease: free", ""].join("\n");
  const doc = (...lines: string[]) =>
    ["# Runbooks", "", EXCERPT_MARKER, "```text", ...lines, "```", "", "```text", "not an excerpt", "```"].join("\n");

  it("may leave lines out (…), but every line it shows is a recorded line", () => {
    expect(staleExcerptLines(doc("$ drctl status --env dev", "…", "  lease: free"), sessions)).toEqual({ excerpts: 1, stale: [] });
  });

  it("names the lines that no longer match, with where they are", () => {
    expect(staleExcerptLines(doc("$ drctl status --env dev", "active region: us-east-2"), sessions)).toEqual({
      excerpts: 1,
      stale: [{ line: 6, text: "active region: us-east-2" }],
    });
  });

  it("refuses a marker that is not followed by a code fence", () => {
    expect(staleExcerptLines(`${EXCERPT_MARKER}\ntext`, sessions).stale).toHaveLength(1);
  });
});

/**
 * The drctl command lines the docs give, and the examples in `drctl <command> --help`, are ones
 * drctl accepts and that name what the stack creates: every command says which stack (`--env`, or
 * DRCTL_ENV), uses only its command's flags, and every state machine, alarm-started execution and
 * manual execution it names is named as the stack and drctl name them.
 * What this cannot prove: that the commands succeed against a deployed stack.
 */
describe("drctl command lines in the docs and in drctl --help", () => {
  /** drctl's commands, as `drctl --help` lists them. */
  const COMMANDS: string[] = [];
  const DOCS = ["README.md", "docs/runbooks.md", "docs/cli.md"];
  const help = new Map<string, string>();
  let machineName: (region: string, env: string) => string;
  let alarmNames: (env: string) => string[];
  /** Every physical name `<name>-<region>-dev[-<account>]` in the evaluated program (environment "dev"). */
  let physicalNames: Set<string>;

  beforeAll(async () => {
    const helpOf = async (argv: string[]) => {
      let out = "";
      const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} };
      expect(await runCli(argv, io)).toBe(0);
      return out;
    };
    const overview = await helpOf(["--help"]);
    const listed = overview.slice(overview.indexOf("Commands:"));
    COMMANDS.push(...[...listed.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]).filter((c) => c !== "help"));
    expect(COMMANDS).toEqual(expect.arrayContaining(["status", "failover", "failback", "drill", "approve", "reject", "report"]));
    for (const command of COMMANDS) help.set(command, await helpOf([command, "--help"]));
    const ev = await stack();
    const machines = Object.values(ev.outputs.stateMachineArns as Record<string, string>).map((arn) => arn.split(":").at(-1) as string);
    expect(machines).toContain("dr-orchestrator-us-east-1-dev");
    machineName = (region, env) => `dr-orchestrator-${region}-${env}`;
    const alarms = ev.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => String(r.inputs.name));
    alarmNames = (env) => alarms.map((a) => a.replace(/-dev$/, `-${env}`));
    physicalNames = new Set(JSON.stringify(ev).match(/[a-z0-9-]+-us-east-[12]-dev(?:-\d{12})?(?![a-z0-9])/g));
    expect(physicalNames).toContain("create-payment-us-east-1-dev");
  });

  /** Every drctl invocation: where it is, the environment it names, and its words. */
  const invocations = () => {
    const found: { where: string; env: string | undefined; words: string[]; line: string }[] = [];
    const scan = (where: string, text: string, inCode: (line: string, i: number, lines: string[]) => boolean) => {
      const lines = text.split("\n");
      lines.forEach((line, i) => {
        if (!inCode(line, i, lines)) return;
        // A command line: an optional prompt, DRCTL_ENV=<name> and npx, then drctl and a command.
        const m = new RegExp(`^\\s*(?:\\$ )?(?:DRCTL_ENV=(\\S+) )?(?:npx )?drctl (${COMMANDS.join("|")})\\b(.*)$`).exec(line);
        if (!m || /\[--/.test(m[3])) return; // a synopsis such as `drctl report <execution> [--region <r>]`
        const rest = m[3].replace(/\s+#.*$/, "").replace(/\s*[|>].*$/, "");
        const words = [m[2], ...(rest.match(/'[^']*'|"[^"]*"|\S+/g) ?? [])];
        const at = words.indexOf("--env");
        const env = at > 0 ? words[at + 1] : m[1];
        found.push({ where: `${where}:${i + 1}`, env, words, line: line.trim() });
      });
    };
    for (const doc of DOCS) {
      // Fenced code blocks only: prose may mention `drctl status` in passing.
      let fenced = false;
      scan(doc, readFileSync(join(ROOT, doc), "utf8"), (line) => {
        if (/^\s*```/.test(line)) {
          fenced = !fenced;
          return false;
        }
        return fenced;
      });
    }
    for (const [command, text] of help) scan(`drctl ${command} --help`, text, (line) => /^\s+\$ /.test(line));
    return found;
  };

  it("finds the examples: every command in drctl --help, and in the docs", () => {
    const all = invocations();
    for (const command of COMMANDS) {
      expect({ command, inHelp: all.some((x) => x.where.startsWith(`drctl ${command} --help:`) && x.words[0] === command) }).toEqual({
        command,
        inHelp: true,
      });
    }
    for (const doc of DOCS) expect({ doc, found: all.some((x) => x.where.startsWith(`${doc}:`)) }).toEqual({ doc, found: true });
  });

  it("names the stack in every command: --env <name> or DRCTL_ENV", () => {
    const without = invocations()
      .filter((x) => x.env === undefined)
      .map((x) => `${x.where}: ${x.line}`);
    expect(without).toEqual([]);
  });

  it("uses only flags the command has", () => {
    const unknown = invocations().flatMap((x) =>
      x.words
        .filter((w) => w.startsWith("--"))
        .filter((flag) => !help.get(x.words[0])?.includes(`${flag.replace(/=.*$/, "")} `))
        .map((flag) => `${x.where}: ${flag} in ${x.line}`),
    );
    expect(unknown).toEqual([]);
  });

  it("names state machines, alarm-started and manual executions as the stack and drctl name them", () => {
    const sources = [
      ...DOCS.map((doc) => [doc, readFileSync(join(ROOT, doc), "utf8")]),
      ...[...help].map(([c, t]) => [`drctl ${c} --help`, t]),
    ];
    const wrong: string[] = [];
    for (const [where, text] of sources) {
      for (const m of text.matchAll(/arn:aws:states:([a-z0-9-]+):\d{12}:(?:stateMachine|execution):([A-Za-z0-9_-]+)/g)) {
        const env = /-([a-z][a-z0-9]{0,11})$/.exec(m[2])?.[1] ?? "";
        if (m[2] !== machineName(m[1], env)) wrong.push(`${where}: state machine ${m[2]} (the stack names it ${machineName(m[1], env)})`);
      }
      // Whole names only: the rehearsal's timeline shortens them (alarm-peer-health-us-east-2-dev-…0071).
      for (const m of text.matchAll(/\balarm-([a-z0-9-]+)-([0-9a-f]+)\b(?!-)/g)) {
        const env = /-([a-z][a-z0-9]{0,11})$/.exec(m[1])?.[1] ?? "";
        if (!alarmNames(env).includes(m[1]) || m[2].length !== 16) wrong.push(`${where}: alarm-started execution alarm-${m[1]}-${m[2]}`);
      }
      for (const m of text.matchAll(/\bmanual-(failover|failback|drill)-(\d{8}T\d{6}Z)-([A-Za-z0-9_-]+?)(-failback)?\b/g)) {
        const at = Date.parse(m[2].replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
        const name = manualExecutionName(m[1], at, m[3]);
        if (`manual-${m[1]}-${m[2]}-${m[3]}` !== name) wrong.push(`${where}: ${m[0]} (drctl names it ${name})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("names only functions, alarms, buckets, tables and dashboards the stack creates", () => {
    const wrong: string[] = [];
    for (const [where, text] of [
      ...DOCS.map((doc) => [doc, readFileSync(join(ROOT, doc), "utf8")]),
      ...[...help].map(([c, t]) => [`drctl ${c} --help`, t]),
    ]) {
      for (const m of text.matchAll(/(?<![a-z0-9-])([a-z0-9-]+-us-east-[12])-(prod|dev)(-\d{12})?(?![a-z0-9])/g)) {
        // An alarm-started execution's name, checked above (whole, or shortened by the rehearsal's timeline).
        if (/^-([0-9a-f]{16}|…)/.test(text.slice((m.index ?? 0) + m[0].length))) continue;
        if (!physicalNames.has(`${m[1]}-dev${m[3] ?? ""}`)) wrong.push(`${where}: ${m[0]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
