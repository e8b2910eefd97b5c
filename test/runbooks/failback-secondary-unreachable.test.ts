/**
 * The steps of a strong-mode failback whose secondary cannot be reached (issue 16), invoked as
 * Lambda invokes them in the simulated AWS: clearing the fence metric, the promotion's proof, and
 * what the report and the notification tell on-call. The executed runs are in
 * test/state-machines/failback-strong.test.ts; the whole rehearsal in
 * test/sim/rehearsal-failback-secondary-dies.test.ts (end-to-end run).
 */
import { buildReport } from "../../runbooks/domain/report";
import { composeNotification } from "../../runbooks/domain/notifications";
import type { RunState } from "../../runbooks/domain/steps";
import { SimulatedAws } from "../../sim/testing";
import { failedOver, fenceAlarm, primaryFencedData } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

describe("publish-fence-metric (ClearPrimaryFenceMetric)", () => {
  it("publishes PrimaryFenced=0 in the secondary from the primary", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const before = primaryFencedData(t).length;

    await expect(t.invoke(t.primary, "publish-fence-metric", { run, fenced: false })).resolves.toMatchObject({
      region: t.secondary,
      value: 0,
      publishedAt: expect.any(Number),
    });
    expect(primaryFencedData(t).slice(before)).toEqual([expect.objectContaining({ value: 0 })]);
  });

  it("reports a secondary whose CloudWatch does not answer as not published, never throws: its canary publishes the value when it is back", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    t.world.outage(t.secondary);

    await expect(t.invoke(t.primary, "publish-fence-metric", { run, fenced: false })).resolves.toMatchObject({
      region: t.secondary,
      value: 0,
      publishedAt: null,
      error: expect.stringContaining("TimeoutError"),
    });
  });
});

describe("promote-local (PromotePrimary) after a strong-mode handover", () => {
  it("accepts this run's handover as the proof, without a sentinel, and finds the promotion made at the same epoch", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const assessment = await t.invoke(t.primary, "assess-regions", { run });
    t.world.outage(t.secondary);
    const fence = (await t.invoke(t.primary, "set-peer-state", { run, state: "FENCED", via: "peer", assessment })) as { epoch: number };

    await expect(t.invoke(t.primary, "promote-local", { run, assessment, fence })).resolves.toMatchObject({
      region: t.primary,
      epoch: fence.epoch,
      proof: `handover at epoch ${fence.epoch}: ${t.secondary} STANDBY in the same transition`,
    });
  });

  it("fails with FenceRequiredError for a failback with neither a handover nor a seen sentinel", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const assessment = await t.invoke(t.primary, "assess-regions", { run });
    const fence = (await t.invoke(t.primary, "set-peer-state", { run, state: "FENCED", via: "peer", assessment })) as Record<
      string,
      unknown
    >;

    for (const notAHandover of [
      { ...fence, handover: false },
      { ...fence, handover: undefined },
      { ...fence, region: "us-west-2" },
    ])
      await expect(t.invoke(t.primary, "promote-local", { run, assessment, fence: notAHandover })).rejects.toMatchObject({
        name: "FenceRequiredError",
      });
  });
});

describe("the report and the notification of a failback that could not reach the secondary", () => {
  it("ends failed-back-secondary-unreachable and tells on-call what is left and what clears it", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const assess = await t.invoke(t.primary, "assess-regions", { run });
    const fence = await t.invoke(t.primary, "set-peer-state", { run, state: "FENCED", via: "peer", assessment: assess });
    t.world.outage(t.secondary);
    const clear = await t.invoke(t.primary, "publish-fence-metric", { run, fenced: false });
    const alarm = await t.invoke(t.primary, "check-fence-alarm", { run });
    const dns = {
      step: "confirm-dns",
      startedAt: t.now(),
      finishedAt: t.now(),
      name: "_region",
      expectedRegion: t.primary,
      nameServers: [],
      answers: [t.primary],
      matches: true,
      checkedAt: t.now(),
    };
    const state = {
      run,
      steps: {
        assess: { Payload: assess },
        fence: { Payload: fence },
        clearFenceMetric: { Payload: clear },
        fenceAlarm: { Payload: alarm },
        dns: { Payload: dns },
      },
    } as unknown as RunState;
    const options = { now: t.now(), environment: "dev", rpoSeconds: 60, rtoSeconds: 300 };

    const report = buildReport(state, options);
    const notification = composeNotification("succeeded", state, options);

    expect(report.outcome).toBe("failed-back-secondary-unreachable");
    expect(report.execution.status).toBe("SUCCEEDED");
    const note = report.evaluation.notes.find((n) => n.includes(fenceAlarm(t).name));
    expect(note).toMatch(new RegExp(`${t.secondary} could not be reached`));
    expect(note).toMatch(/canary publishes PrimaryFenced=0/);
    expect(report.timeline.map((e) => e.event)).toContainEqual(
      expect.stringMatching(/^PrimaryFenced=0 NOT published in us-east-2: .*TimeoutError/),
    );
    expect(notification.subject).toBe(`[payments-dr dev] failback in ${t.primary}: failed-back-secondary-unreachable`);
    expect(notification.message).toContain(`aws cloudwatch describe-alarms --region ${t.secondary} --alarm-names ${fenceAlarm(t).name}`);
    expect(notification.message).toMatch(/What to do: nothing now/);
  });

  it("ends failed-back when the fence alarm was read OK", () => {
    // The same shape with the alarm cleared: the ordinary outcome.
    const state = {
      run: {
        mode: "failback",
        region: "us-east-1",
        peerRegion: "us-east-2",
        startedAt: 0,
        trigger: { source: "manual" },
        executionName: "f",
        executionId: "f",
        checkMode: "failback",
        primaryRegion: "us-east-1",
        secondaryRegion: "us-east-2",
        reason: "r",
      },
      steps: {
        assess: { Payload: { action: "failback", finishedAt: 1, reason: "r", needsApproval: false } },
        fenceAlarm: {
          Payload: {
            alarmName: "a",
            region: "us-east-2",
            state: "OK",
            cleared: true,
            stateUpdatedAt: 1,
            checkedAt: 2,
            detail: "OK since",
            step: "check-fence-alarm",
            startedAt: 1,
            finishedAt: 2,
          },
        },
      },
    } as unknown as RunState;
    expect(buildReport(state, { now: 3, rpoSeconds: 60, rtoSeconds: 300 }).outcome).toBe("failed-back");
  });
});
