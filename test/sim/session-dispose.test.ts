/**
 * A finished world is garbage. Scenarios, the sweep and the seed sweep run many worlds in one
 * process; three things kept every one of them alive (~46 MB per full rehearsal, until a
 * twelve-seed sweep ran out of heap): executions left waiting on a clock that no longer moves,
 * sinon's record of every SDK call, and each handler copy listed as a child of the module that
 * loaded it. Each is checked here by what holds the memory, not by heap figures (GC-dependent).
 */
import { recordedFakeCalls } from "../../sim/sdk/plumbing";
import { SimulatedAws } from "../../sim/testing";
import { runTsx } from "../setup/child-process";
import { healthy } from "../state-machines/support/sim";
import { stack } from "../support/stack";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

describe("disposing a world", () => {
  it("stops the executions still running, without ending them in a world that is over", async () => {
    const t = healthy(aws);
    // A drill waiting for an approval nobody gives: it would wait for ever.
    const machine = t.deployment.stateMachines.find((m) => m.region === t.secondary && m.type === "STANDARD")!;
    const input = { mode: "drill", targetRegion: t.secondary, requireApproval: true };
    const record = t.world.sfn.start(t.secondary, machine.arn, "waits-for-ever", JSON.stringify(input));
    await t.until(() => t.world.sfn.pendingTokens(record.executionArn).length > 0, 10 * 60_000);
    const sfn = t.world.sfn;
    expect(sfn.runningCount).toBeGreaterThan(0);

    aws.dispose();

    expect(sfn.runningCount).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(record.status).toBe("RUNNING");
  });

  it("forgets the SDK calls the fakes recorded (each world keeps its own record)", async () => {
    const t = healthy(aws);
    await t.invoke(t.primary, "health", { rawPath: "/health", requestContext: { http: { method: "GET" } } });
    expect(recordedFakeCalls()).toBeGreaterThan(0);

    aws.dispose();

    expect(recordedFakeCalls()).toBe(0);
  });
});

describe("loading a handler again (outside jest, as the rehearsal does)", () => {
  it("leaves no earlier copy listed as a child of any module still cached", async () => {
    const script = [
      'const { loadHandler } = require("./sim/lambda/loader.ts");',
      'const { deploymentFromEvaluation } = require("./sim/deployment/deployment.ts");',
      'const ev = JSON.parse(require("node:fs").readFileSync(process.env.PAYMENTS_DR_STACK_SNAPSHOT, "utf8"));',
      'const spec = deploymentFromEvaluation(ev).functions.find((f) => f.modulePath.includes("health"));',
      "const copies = () => Object.values(require.cache).flatMap((m) => m.children).filter((c) => c.filename === require.resolve(spec.modulePath));",
      "loadHandler(spec); const first = copies().length;",
      "loadHandler(spec); loadHandler(spec);",
      "console.log(JSON.stringify({ first, after: copies().length }));",
    ].join("\n");
    const r = await runTsx("-e", [script], { budget: { cpuSeconds: 60 } });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ first: 1, after: 1 });
  });
});
