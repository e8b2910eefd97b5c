/**
 * `npm start -- --experiment <name>[:at=<duration>]`: the flag (sim/rehearsal/cli.ts) and a
 * rehearsal that runs the deployed payment-path-dynamodb template through the simulated FIS in a
 * quiet story (sim/fis/rehearsal.ts): the experiment runs its whole duration, the DR automation
 * responds to it, and the rehearsal holds the experiment to ending as FIS ends it.
 *
 * What this cannot prove: how fast real FIS applies a network ACL or reacts to a stop condition.
 */
import { parseCli, helpText, UsageError } from "../../sim/rehearsal/cli";
import { parseExperimentSpec, withExperiment } from "../../sim/fis/rehearsal";
import type { Scenario } from "../../sim/rehearsal/scenario";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

describe("--experiment on the rehearsal's command line", () => {
  it("takes one of the stack's experiments, started at T+0 unless at= says otherwise", () => {
    expect(parseCli(["--experiment", "pause-replication"]).experiment).toEqual({
      spec: "pause-replication",
      name: "pause-replication",
      atMs: 0,
    });
    expect(parseCli(["--scenario", "drill", "--experiment", "payment-path-dynamodb:at=30s"]).experiment).toEqual({
      spec: "payment-path-dynamodb:at=30s",
      name: "payment-path-dynamodb",
      atMs: 30_000,
    });
  });

  it("rejects an experiment the stack does not have, naming the ones it has", () => {
    expect(() => parseCli(["--experiment", "cut-everything"])).toThrow(UsageError);
    expect(() => parseCli(["--experiment", "cut-everything"])).toThrow(
      /--experiment cut-everything: unknown experiment "cut-everything"; the stack's experiments: pause-replication, payment-path-dynamodb/,
    );
  });

  it("rejects a start that is not at=<duration>", () => {
    expect(() => parseExperimentSpec("pause-replication:at=soon")).toThrow(/"at=soon" is not at=<duration>/);
    expect(() => parseExperimentSpec("pause-replication:for=5m")).toThrow(/"for=5m" is not at=<duration>/);
  });

  it("is not a plan option", () => {
    expect(() => parseCli(["--plan", "--experiment", "pause-replication"])).toThrow(/--experiment: not a plan option/);
  });

  it("is in --help with the stack's experiments", () => {
    expect(helpText()).toContain("--experiment <name>[:at=<duration>]");
    expect(helpText()).toContain("pause-replication|payment-path-dynamodb");
  });
});

describe("a rehearsal with the payment-path-dynamodb experiment", () => {
  let aws: SimulatedAws;
  beforeAll(async () => {
    aws = SimulatedAws.fromEvaluation(await stack());
  });
  afterAll(() => aws.dispose());

  /** Payments flow for two minutes; nothing else is scripted. */
  const quiet: Scenario = {
    name: "quiet",
    title: "payments flow, nothing scripted",
    story: "Payments flow.",
    async run(ctx) {
      await ctx.waitFor(() => false, 2 * 60_000);
    },
    expectations: () => [],
  };

  it("runs the deployed template for its 10 minutes in the primary, and the DR automation moves payments to the secondary", async () => {
    const run = parseExperimentSpec("payment-path-dynamodb:at=10s");
    const result = await aws.rehearse(withExperiment(quiet, run, aws.deployment));

    const check = result.checks.find((c) => c.name === "the AWS FIS experiment payment-path-dynamodb ran and ended as FIS ends it");
    expect(check).toMatchObject({
      verdict: "pass",
      detail: expect.stringMatching(/^EXP\w+ completed; actions: payment-path-dynamodb completed$/),
    });
    const fis = result.timeline.filter((e) => e.text.startsWith("FIS: "));
    expect(fis[0]).toMatchObject({
      at: result.origin + 10_000,
      text: expect.stringMatching(/of drill-payment-path-dynamodb-us-east-1-dev initiating$/),
    });
    const completed = fis.find((e) => / completed$/.test(e.text) && e.text.startsWith("FIS: experiment"));
    expect(completed?.at).toBeGreaterThanOrEqual(result.origin + 10_000 + 10 * 60_000);
    // The secondary took over: payments were acknowledged there while the primary's path was cut.
    expect(result.acks.some((a) => a.region === aws.deployment.secondaryRegion && a.at > result.origin + 10_000)).toBe(true);
    expect(result.checks.filter((c) => c.verdict === "fail")).toEqual([]);
  });
});
