import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import { createContext } from "../../cli/context";
import { classifyAwsError } from "../../cli/errors";
import { manualExecutionName, parseExecutionRef } from "../../cli/executions";
import { newEvents } from "../../cli/follower";
import { aggregateObservations } from "../../cli/status-global";
import { summarizeStep } from "../../cli/step-summaries";
import { ExecutionTracker, formatElapsed } from "../../cli/tracker";
import { awsError, drctl, resetMocks, sfn } from "./support/harness";
import { HistoryBuilder, serveHistory } from "./support/history";
import { NOW } from "./support/fixtures";

beforeEach(() => resetMocks());

describe("execution names and references", () => {
  it("builds manual names that Step Functions and CloudWatch Logs accept", () => {
    expect(manualExecutionName("failover", NOW, "alice")).toBe("manual-failover-20250601T120000Z-alice");
    expect(manualExecutionName("dry-run-drill", NOW, "Zoë O'Neil <zoe@example.com>")).toBe(
      "manual-dry-run-drill-20250601T120000Z-Zo-O-Neil-zoe-example-com",
    );
    expect(manualExecutionName("failback", NOW, "???")).toBe("manual-failback-20250601T120000Z");
    const long = manualExecutionName("drill", NOW, "x".repeat(200));
    expect(long.length).toBe(71);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("takes the region from an execution ARN and requires --region with a name", () => {
    expect(parseExecutionRef("arn:aws:states:us-east-2:123456789012:execution:payments-dr-us-east-2-prod:drill-1", undefined)).toEqual({
      name: "drill-1",
      region: "us-east-2",
      arn: "arn:aws:states:us-east-2:123456789012:execution:payments-dr-us-east-2-prod:drill-1",
    });
    expect(parseExecutionRef("drill-1", "us-east-1")).toEqual({ name: "drill-1", region: "us-east-1" });
    expect(() => parseExecutionRef("drill-1", undefined)).toThrow("which region ran drill-1?");
    expect(() => parseExecutionRef("arn:aws:states:us-east-2:1:stateMachine:m", undefined)).toThrow(
      "is not a Step Functions execution ARN",
    );
    expect(() => parseExecutionRef("drill 1", "us-east-1")).toThrow("is not an execution name or ARN");
  });
});

describe("error classification", () => {
  it.each([
    ["CredentialsProviderError", awsError("CredentialsProviderError"), "credentials"],
    ["ExpiredTokenException", awsError("ExpiredTokenException"), "credentials"],
    ["AccessDeniedException", awsError("AccessDeniedException"), "access-denied"],
    ["any HTTP 403", awsError("SomethingForbidden", "no", 403), "access-denied"],
    ["ThrottlingException", awsError("ThrottlingException"), "throttled"],
    ["any HTTP 429", awsError("TooManyRequestsException", "slow down", 429), "throttled"],
    ["ENOTFOUND", Object.assign(new Error("getaddrinfo ENOTFOUND ssm.us-east-9.amazonaws.com"), { code: "ENOTFOUND" }), "unreachable"],
    ["the SDK's TimeoutError", Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), "unreachable"],
    ["any other service error", awsError("ValidationException"), "aws"],
  ])("classifies %s", (_label, error, kind) => {
    expect(classifyAwsError(error)).toBe(kind);
  });
});

describe("Route 53 health-check aggregation", () => {
  it("calls a check healthy when more than 18% of checkers report Success", () => {
    const report = (ok: number, total: number) => [
      ...Array(ok).fill("Success: HTTP Status Code 200"),
      ...Array(total - ok).fill("Failure: Connection timed out"),
    ];
    expect(aggregateObservations(report(3, 16))).toEqual({ status: "healthy", detail: "3/16 checkers report healthy" });
    expect(aggregateObservations(report(2, 16))).toEqual({ status: "unhealthy", detail: "2/16 checkers report healthy" });
    expect(aggregateObservations([])).toEqual({ status: "unknown", detail: "no checker reported" });
  });
});

describe("following an execution", () => {
  const target = { region: "us-east-2", executionArn: "arn:aws:states:us-east-2:1:execution:m:x", executionName: "x" };

  it("reads newest-first only down to the events already seen, across pages", async () => {
    const builder = new HistoryBuilder(NOW, { mode: "failover" });
    for (let i = 0; i < 130; i += 1) builder.task(`Step${i}`, i, i + 0.5);
    serveHistory(builder.events);
    const ctx = createContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} });

    const fresh = await newEvents(ctx, target, 200);

    expect(builder.events).toHaveLength(261);
    expect(fresh.map((e) => e.id)).toEqual(Array.from({ length: 61 }, (_, i) => 201 + i));
    const all = await newEvents(ctx, target, 0);
    expect(all).toHaveLength(builder.events.length);
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      undefined,
      "100",
      "200",
    ]);
    ctx.aws.destroy();
  });

  it("prints loop Tasks every round, but Choice states and loop counters never", () => {
    const lines: string[] = [];
    const tracker = new ExecutionTracker(NOW, (l) => lines.push(l));
    const events: HistoryEvent[] = new HistoryBuilder(NOW, {})
      .task("ConfirmDnsAnswer", 1, 2)
      .state_("CountDnsCheck", "Pass", 2, 2)
      .state_("IsDnsShifted", "Choice", 2, 2)
      .state_("WaitBeforeDnsCheck", "Wait", 2, 12)
      .task("ConfirmDnsAnswer", 12, 13)
      .state_("CountDnsCheck", "Pass", 13, 13)
      .state_("IsDnsShifted", "Choice", 13, 13)
      .state_("WaitBeforeDnsCheck", "Wait", 13, 23)
      .task("ConfirmDnsAnswer", 83, 84).events;
    events.forEach((e) => tracker.handle(e));

    expect(lines).toEqual([
      "    +1.0s  ConfirmDnsAnswer",
      "    +2.0s  WaitBeforeDnsCheck",
      "   +12.0s  ConfirmDnsAnswer #2",
      "   +1m23s  ConfirmDnsAnswer #3",
    ]);
    expect(tracker.states.map((s) => `${s.name}#${s.round}`)).toEqual([
      "ConfirmDnsAnswer#1",
      "WaitBeforeDnsCheck#1",
      "ConfirmDnsAnswer#2",
      "WaitBeforeDnsCheck#2",
      "ConfirmDnsAnswer#3",
    ]);
  });

  it("formats elapsed time for seconds, minutes and hours", () => {
    expect([formatElapsed(0), formatElapsed(59.94), formatElapsed(61), formatElapsed(3725)]).toEqual([
      "0.0s",
      "59.9s",
      "1m01s",
      "1h02m05s",
    ]);
  });

  it("has a summary for every step result the state machine stores", () => {
    // Read the definitions, not a copy of their names: a new `$.steps.<key>` must get a summary.
    const dir = join(__dirname, "../../state-machines");
    const keys = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".asl.json"))) {
      const text = readFileSync(join(dir, file), "utf8");
      for (const m of text.matchAll(/"ResultPath":\s*"\$\.steps\.([A-Za-z]+)"/g)) keys.add(m[1]);
    }
    expect(keys.size).toBeGreaterThan(15);
    const missing = [...keys].filter(
      (key) => summarizeStep(key, key === "approval" ? { approved: true } : { Payload: {} }, "S") === undefined,
    );
    expect(missing).toEqual([]);
  });

  it("says whether the failback's fence alarm has cleared, and what it reads while it has not", () => {
    const reading = { alarmName: "primary-fenced-us-east-2-prod", region: "us-east-2" };

    expect(
      summarizeStep(
        "fenceAlarm",
        { Payload: { ...reading, cleared: false, detail: "ALARM since 2025-06-01T12:00:00.000Z" } },
        "CheckFenceAlarm",
      )?.text,
    ).toBe("fence alarm primary-fenced-us-east-2-prod in us-east-2 not cleared yet: ALARM since 2025-06-01T12:00:00.000Z");
    expect(summarizeStep("fenceAlarm", { Payload: { ...reading, cleared: true, detail: "OK" } }, "CheckFenceAlarm")?.text).toBe(
      "fence alarm primary-fenced-us-east-2-prod in us-east-2 is OK",
    );
  });
});

describe("runCli", () => {
  it("prints help with exit code 0 and usage errors with exit code 2", async () => {
    const help = await drctl(["--help"]);
    const none = await drctl([]);
    const unknown = await drctl(["frobnicate"]);

    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: drctl [options] [command]");
    expect(help.stdout).toContain("Exit codes: 0 ok, 1 drctl defect, 2 usage or confirmation refused, 3 AWS");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: drctl");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
  });

  it("rejects a bad DRCTL_* setting as a usage error", async () => {
    const out = await drctl(["status"], { env: { DRCTL_CALL_TIMEOUT_SECONDS: "soon" } });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe('drctl: DRCTL_CALL_TIMEOUT_SECONDS="soon" is not a number of seconds (e.g. 15 or 0.5)\n');
  });

  it("runs as a program through bin/drctl.js", async () => {
    const run = promisify(execFile);
    const bin = join(__dirname, "../../bin/drctl.js");

    const help = await run(process.execPath, [bin, "failover", "--help"]);
    const refused = await run(process.execPath, [bin, "failover", "--env", "prod", "--to", "us-east-2"], {
      env: { PATH: process.env.PATH },
    }).catch((e: { code: number; stderr: string }) => e);

    expect(help.stdout).toContain("Usage: drctl failover [options]");
    expect(refused).toMatchObject({
      code: 2,
      stderr:
        "drctl: refusing to move traffic without confirmation: there is no terminal to ask on\n  hint: pass --confirm us-east-2 to confirm from a script\n",
    });
  });
});
