import aslValidator from "asl-validator";
import { localStateMachine } from "../../sim/stepfunctions/local-executor";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  AslRenderError,
  DR_FRAGMENTS,
  RUNBOOK_TASK_FUNCTIONS,
  alarmEvaluationDelaySeconds,
  composeFragments,
  failbackWorstCaseSeconds,
  fillPlaceholders,
  minimumExecutionTimeoutSeconds,
  placeholdersIn,
  probeOffsetsSeconds,
  recommendedTimings,
  renderCanaryTicker,
  renderDrStateMachine,
  taskBindings,
  validateDrValues,
  type DrStateMachineValues,
} from "../../state-machines/render";
import { runbookFunctions } from "../../lib/handlers";
import { PLANNED_HANDOVER_WINDOW_SECONDS } from "../../lib/control-schema";

const ARN = (region: string, fn: string) => `arn:aws:lambda:${region}:123456789012:function:${fn}-${region}-prod`;
function values(overrides: Partial<DrStateMachineValues> = {}): DrStateMachineValues {
  return {
    ...recommendedTimings({
      regionStateCacheSeconds: 5,
      healthCheckIntervalSeconds: 10,
      healthCheckFailureThreshold: 3,
      probesPerMinute: 6,
    }),
    region: "us-east-2",
    peerRegion: "us-east-1",
    primaryRegion: "us-east-1",
    secondaryRegion: "us-east-2",
    functionArns: Object.fromEntries(
      RUNBOOK_TASK_FUNCTIONS.map((fn) => [fn, ARN("us-east-2", fn)]),
    ) as DrStateMachineValues["functionArns"],
    alertTopicArn: "arn:aws:sns:us-east-2:123456789012:dr-alerts-us-east-2-prod",
    environment: "prod",
    ...overrides,
  };
}

describe("fillPlaceholders", () => {
  it("replaces a whole-string placeholder with the typed value and interpolates inside longer strings", () => {
    const out = fillPlaceholders({ a: "${N}", b: "wait ${N} s in ${R}", c: ["${L}"] }, { N: 30, R: "us-east-2", L: [0, 10] });
    expect(out).toEqual({ a: 30, b: "wait 30 s in us-east-2", c: [[0, 10]] });
  });

  it("rejects a placeholder without a value, naming it", () => {
    expect(() => fillPlaceholders({ a: "${Missing}", b: "${Given}" }, { Given: 1 })).toThrow(/no value for placeholder\(s\) \$\{Missing\}/);
  });

  it("rejects a value no placeholder uses", () => {
    expect(() => fillPlaceholders({ a: "${Given}" }, { Given: 1, Stray: 2 })).toThrow(/used by no placeholder: Stray/);
  });

  it("rejects a list inside a longer string", () => {
    expect(() => fillPlaceholders({ a: "x ${L}" }, { L: [1] })).toThrow(AslRenderError);
  });
});

describe("composeFragments", () => {
  it("rejects a state defined in two fragments", () => {
    expect(() => composeFragments({ a: { StartAt: "X", States: { X: {} } }, b: { States: { X: {} } } })).toThrow(/defined in both a and b/);
  });

  it("keeps each runbook in its own fragment with unique state names", () => {
    expect(Object.keys(DR_FRAGMENTS)).toEqual(["entry", "common", "failover", "failback", "drill", "dry-run"]);
    const total = Object.values(DR_FRAGMENTS).reduce((n, f) => n + Object.keys(f.States).length, 0);
    expect(Object.keys(composeFragments(DR_FRAGMENTS).States)).toHaveLength(total);
  });
});

describe("renderDrStateMachine", () => {
  it("renders a definition asl-validator accepts, with no placeholder left, for both regions", () => {
    for (const v of [
      values(),
      values({
        region: "us-east-1",
        peerRegion: "us-east-2",
        functionArns: Object.fromEntries(
          RUNBOOK_TASK_FUNCTIONS.map((fn) => [fn, ARN("us-east-1", fn)]),
        ) as DrStateMachineValues["functionArns"],
        alertTopicArn: "arn:aws:sns:us-east-1:123456789012:dr-alerts-us-east-1-prod",
      }),
    ]) {
      const { definition, json } = renderDrStateMachine(v);
      expect(placeholdersIn(definition).size).toBe(0);
      expect(JSON.parse(json)).toEqual(definition);
      const { isValid, errorsText } = aslValidator(structuredClone(definition) as never);
      expect(errorsText("\n")).toBe("");
      expect(isValid).toBe(true);
      expect(definition.TimeoutSeconds).toBe(v.executionTimeoutSeconds);
    }
  });

  it("uses every value it is given (no placeholder of the interface is dead)", () => {
    expect(() => renderDrStateMachine(values())).not.toThrow();
  });

  it.each<[string, Partial<DrStateMachineValues>, RegExp]>([
    [
      "a heartbeat not below the approval timeout",
      { approvalHeartbeatSeconds: 3600, approvalTimeoutSeconds: 3600 },
      /approvalHeartbeatSeconds \(3600\) must be below/,
    ],
    ["an overall timeout shorter than the longest mode", { executionTimeoutSeconds: 600 }, /executionTimeoutSeconds \(600\) is below/],
    [
      "a function in the other region",
      { functionArns: { ...values().functionArns, notify: ARN("us-east-1", "notify") } },
      /functionArns\["notify"\] is in us-east-1/,
    ],
    [
      "a peer that is not the other configured region",
      { peerRegion: "eu-west-1" },
      /peerRegion eu-west-1 must be the other configured region/,
    ],
    ["a fractional loop bound", { dnsConfirmMaxAttempts: 2.5 }, /dnsConfirmMaxAttempts must be a positive integer/],
    ["a drill poll shorter than the failback", { peerExecutionPollMaxAttempts: 1 }, /less than the failback's worst case/],
    ["an unbounded fence-alarm wait", { fenceAlarmPollMaxAttempts: 0 }, /fenceAlarmPollMaxAttempts must be a positive integer/],
    [
      "an alert topic that is not an SNS topic ARN",
      { alertTopicArn: "dr-alerts" },
      /alertTopicArn must be an SNS topic ARN, got "dr-alerts"/,
    ],
    [
      "an alert topic in the other region",
      { alertTopicArn: "arn:aws:sns:us-east-1:123456789012:dr-alerts-us-east-1-prod" },
      /alertTopicArn is in us-east-1; the machine in us-east-2 publishes only to its own region's topic/,
    ],
    [
      "an environment a subject template cannot hold",
      { environment: "it's" },
      /environment must be lower-case letters, digits and hyphens/,
    ],
    // (Until issue 16's ≤ 5 s handover, a drill detection loop too short to cover the settle was
    // refused here; the drill's settle no longer runs inside its detection loop.)
    [
      "a handover settle shorter than the handover cache, the write grace and the apply bound",
      { handoverSettleSeconds: 1 },
      /handoverSettleSeconds \(1\) must be at least 2/,
    ],
  ])("rejects %s", (_label, overrides, message) => {
    expect(() => renderDrStateMachine(values(overrides))).toThrow(message);
  });

  it("recommends timings that validate across the configuration's range", () => {
    for (const hc of [10, 30])
      for (const threshold of [1, 3, 10])
        for (const probes of [1, 6, 12]) {
          const t = recommendedTimings({
            regionStateCacheSeconds: 5,
            healthCheckIntervalSeconds: hc,
            healthCheckFailureThreshold: threshold,
            probesPerMinute: probes,
          });
          expect(validateDrValues(values(t))).toEqual([]);
          expect(t.executionTimeoutSeconds).toBeGreaterThanOrEqual(minimumExecutionTimeoutSeconds(t));
        }
  });

  it.each([
    [60, 18],
    [300, 90],
  ])(
    "waits for a fence alarm with a %i s period long enough for two periods and the evaluation delay (%i checks, 10 s apart)",
    (period, attempts) => {
      const t = recommendedTimings({
        regionStateCacheSeconds: 5,
        healthCheckIntervalSeconds: 10,
        healthCheckFailureThreshold: 3,
        probesPerMinute: 6,
        fenceAlarmPeriodSeconds: period,
      });

      expect([t.fenceAlarmPollIntervalSeconds, t.fenceAlarmPollMaxAttempts]).toEqual([10, attempts]);
      expect(t.fenceAlarmPollIntervalSeconds * t.fenceAlarmPollMaxAttempts).toBeGreaterThanOrEqual(
        2 * period + alarmEvaluationDelaySeconds(period),
      );
      // The longer failback is accounted for: its worst case includes the wait, and the drill polls its failback longer.
      expect(failbackWorstCaseSeconds(t) - failbackWorstCaseSeconds({ ...t, fenceAlarmPollMaxAttempts: 0 })).toBe(10 * attempts);
      expect(t.peerExecutionPollIntervalSeconds * t.peerExecutionPollMaxAttempts).toBeGreaterThanOrEqual(failbackWorstCaseSeconds(t));
      expect(validateDrValues(values(t))).toEqual([]);
    },
  );

  it("keeps a failback's handover window open past its fence-to-promotion at the default timings (settle, a full sentinel poll, one task timeout)", () => {
    const t = recommendedTimings({
      regionStateCacheSeconds: 5,
      healthCheckIntervalSeconds: 10,
      healthCheckFailureThreshold: 3,
      probesPerMinute: 6,
    });

    const fenceToPromotion = t.fenceSettleSeconds + t.sentinelPollIntervalSeconds * t.sentinelPollMaxAttempts + t.taskTimeoutSeconds;

    expect(fenceToPromotion).toBeLessThanOrEqual(PLANNED_HANDOVER_WINDOW_SECONDS);
    // Eventual mode records the handover with its announcement, before the fence: the window must
    // also cover the wait for every container to see it, the handover settle and the first
    // sentinel check's in-step look (3 s).
    const announceToPromotion =
      t.handoverAnnounceSeconds +
      t.handoverSettleSeconds +
      3 +
      t.sentinelPollIntervalSeconds * t.sentinelPollMaxAttempts +
      t.taskTimeoutSeconds;
    expect(announceToPromotion).toBeLessThanOrEqual(PLANNED_HANDOVER_WINDOW_SECONDS);
    // And the window is still a bound: a handover that never completes stops costing clients 1 s retries.
    expect(PLANNED_HANDOVER_WINDOW_SECONDS).toBeLessThanOrEqual(2 * fenceToPromotion);
  });

  it("defaults to the standard-resolution period (60 s) the fence alarm must have", () => {
    const base = { regionStateCacheSeconds: 5, healthCheckIntervalSeconds: 10, healthCheckFailureThreshold: 3, probesPerMinute: 6 };
    expect(recommendedTimings(base)).toEqual(recommendedTimings({ ...base, fenceAlarmPeriodSeconds: 60 }));
  });

  it("binds every Task to a runbook function, and every runbook function to at least one Task", () => {
    const v = values();
    const bindings = taskBindings(renderDrStateMachine(v).definition, v.functionArns);
    expect(new Set(bindings.map((b) => b.handler))).toEqual(new Set(RUNBOOK_TASK_FUNCTIONS));
    expect(bindings.filter((b) => b.waitForTaskToken).map((b) => b.state)).toEqual(["RequestApproval"]);
  });

  it("has a handler folder and a manifest entry for every runbook function", () => {
    for (const fn of RUNBOOK_TASK_FUNCTIONS) {
      expect([fn, existsSync(join(__dirname, "../../runbooks/handlers", fn, "index.ts"))]).toEqual([fn, true]);
      expect(runbookFunctions.map((f) => f.name)).toContain(fn);
    }
  });
});

describe("canary ticker", () => {
  it("spreads N probes evenly over the minute", () => {
    expect(probeOffsetsSeconds(6)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(probeOffsetsSeconds(1)).toEqual([0]);
    expect(probeOffsetsSeconds(4)).toEqual([0, 15, 30, 45]);
  });

  it("renders a valid EXPRESS definition that invokes the reconciler once and the canary once per offset; neither a failing probe nor a failing reconciler fails the others", async () => {
    const { definition } = renderCanaryTicker({
      region: "us-east-2",
      canaryFunctionArn: ARN("us-east-2", "canary"),
      reconcileFunctionArn: ARN("us-east-2", "reconcile"),
      probesPerMinute: 6,
      probeTimeoutSeconds: 15,
    });
    const { isValid, errorsText } = aslValidator(structuredClone(definition) as never);
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
    expect(definition.TimeoutSeconds).toBeLessThan(120);

    const offsets: number[] = [];
    let reconciled = 0;
    const run = localStateMachine(definition).run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: {
            Reconcile: async () => {
              reconciled += 1;
              throw Object.assign(new Error("throttled"), { name: "TooManyRequestsException" });
            },
            ProbePeer: async (input: unknown) => {
              const offset = (input as { Payload: { offsetSeconds: number } }).Payload.offsetSeconds;
              offsets.push(offset);
              if (offset === 20) throw Object.assign(new Error("peer timeout"), { name: "CanaryStepsFailedError" });
              return { Payload: {} };
            },
          },
          waitTimeOverrides: { WaitForOffset: 0 },
        },
      },
    );
    await expect(run.result).resolves.toBeDefined();
    expect(reconciled).toBe(5); // after each probe that answered: the failing one (offset 20) goes to ProbeFailed
    expect(offsets.sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it("rejects a canary function in another region", () => {
    expect(() =>
      renderCanaryTicker({
        region: "us-east-2",
        canaryFunctionArn: ARN("us-east-1", "canary"),
        reconcileFunctionArn: ARN("us-east-2", "reconcile"),
        probesPerMinute: 6,
        probeTimeoutSeconds: 15,
      }),
    ).toThrow(AslRenderError);
  });
});
