/**
 * `drctl drill --experiment` against the simulated world: the stack's FIS experiment templates as
 * deployed (read from the evaluated program), the simulated FIS answering ListExperimentTemplates,
 * GetExperimentTemplate and StartExperiment, and the experiment then running in that world.
 *
 * What this cannot prove: that AWS FIS answers exactly as the simulated one does (sim/fis/ cites the
 * API reference for each shape), nor the permissions an operator's real role has.
 */
import { fisOf } from "../../sim/fis/service";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { drctlInWorld } from "./support/preflight-sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const run = (t: TestWorld, argv: string[]) => drctlInWorld(t.world, t.clock, argv);
const fisCalls = (t: TestWorld, operation?: string) => t.calls({ service: "fis", from: "internet", ...(operation ? { operation } : {}) });

describe("drctl drill --experiment", () => {
  it("starts the secondary's pause-replication template and prints its id, how to watch it and how to stop it", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, [
      "drill",
      "--env",
      "dev",
      "--experiment",
      "pause-replication",
      "--confirm",
      "us-east-2",
      "--ticket",
      "CHG-43",
      "--json",
    ]);

    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    const id: string = result.experiment.id;
    expect(id).toMatch(/^EXP[0-9A-Z]+$/);
    expect(result).toEqual({
      environment: "dev",
      experiment: {
        name: "pause-replication",
        region: "us-east-2",
        templateId: expect.stringMatching(/^EXT[0-9A-F]+$/),
        templateName: "drill-pause-replication-us-east-2-dev",
        id,
        state: "initiating",
        actions: [{ name: "pause-replication", actionId: "aws:dynamodb:global-table-pause-replication", duration: "PT15M" }],
        stopAlarms: ["payment-failures-us-east-2-dev", "peer-health-us-east-2-dev"],
      },
      watch: [`aws fis get-experiment --id ${id} --region us-east-2`, "drctl status --env dev"],
      stop: `aws fis stop-experiment --id ${id} --region us-east-2`,
    });
    expect(out.stderr).toBe(`started experiment ${id} (pause-replication) in us-east-2\n`);
    // The world's FIS runs it, tagged with who asked and the ticket.
    const experiment = fisOf(t.world).experiments.get(id);
    expect(experiment?.tags).toEqual({ RequestedBy: "alice", Ticket: "CHG-43" });
    await t.advance(5000);
    expect(experiment?.status).toBe("running");
    expect(fisCalls(t, "StartExperiment").map((c) => c.region)).toEqual(["us-east-2"]);
  });

  it("runs payment-path-dynamodb in the primary, where the payment path it cuts serves", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "payment-path-dynamodb", "--confirm", "us-east-1"]);

    expect(out.code).toBe(0);
    const id = /^experiment (EXP[0-9A-Z]+) \(payment-path-dynamodb\) started in us-east-1: initiating$/m.exec(out.stdout)?.[1];
    expect(id).toBeDefined();
    expect(out.stdout).toContain("  action:    payment-path-dynamodb: aws:network:disrupt-connectivity for PT10M\n");
    expect(out.stdout).toContain("  stops on:  peer-health-us-east-1-dev in ALARM\n");
    expect(out.stdout).toContain(`watch:\n  aws fis get-experiment --id ${id} --region us-east-1\n  drctl status --env dev\n`);
    expect(out.stdout).toContain(`stop:\n  aws fis stop-experiment --id ${id} --region us-east-1\n`);
  });

  it("rejects a name the stack has not deployed, naming the ones it has (exit 2), and starts nothing", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-everything", "--confirm", "us-east-2"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      'drctl: --experiment "pause-everything" is not a drill experiment of dev in us-east-2; allowed: pause-replication, payment-path-dynamodb\n' +
        "  hint: drctl drill --help says what each does\n",
    );
    expect(fisCalls(t, "StartExperiment")).toEqual([]);
  });

  it("refuses without confirmation, before any AWS call, when there is no terminal to ask on", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-replication"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("refusing to move traffic without confirmation: there is no terminal to ask on");
    expect(out.stderr).toContain("pass --confirm us-east-2");
    expect(t.calls({ from: "internet" })).toEqual([]);
  });

  it("refuses a --confirm naming another region than the experiment's", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-replication", "--confirm", "us-east-1"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--confirm us-east-1 does not match the region being activated (us-east-2); nothing was started");
    expect(fisCalls(t)).toEqual([]);
  });

  it("checks the template with --dry-run, with no confirmation, and starts nothing", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-replication", "--dry-run", "--json"]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).experiment).toMatchObject({ name: "pause-replication", region: "us-east-2", id: null, state: null });
    expect(fisCalls(t).map((c) => c.operation)).toEqual(["ListExperimentTemplates", "GetExperimentTemplate"]);
  });

  it("says the stack has no experiment templates (exit 3) when none is deployed", async () => {
    const bare = structuredClone(aws.deployment);
    bare.experimentTemplates = [];
    aws.dispose(); // one simulated world at a time
    const other = new SimulatedAws(bare);
    try {
      const t = other.world({ latency: "none" });

      const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-replication", "--confirm", "us-east-2", "--json"]);

      expect(out.code).toBe(3);
      expect(JSON.parse(out.stdout).error).toEqual({
        kind: "not-found",
        exitCode: 3,
        message: "dev has no drill experiment templates in us-east-2",
      });
    } finally {
      other.dispose();
    }
  });

  it("does not take --hold with --experiment (a usage error)", async () => {
    const t = aws.world({ latency: "none" });

    const out = await run(t, ["drill", "--env", "dev", "--experiment", "pause-replication", "--hold", "60"]);

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/option '--experiment <name>' cannot be used with option '--hold <seconds>'/);
  });
});
