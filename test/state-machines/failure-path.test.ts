import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { alarmRun, healthy, onControlChange, reportOf } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const failover = (t: TestWorld) => ({ mode: "failover", targetRegion: t.secondary });

// A service that is down answers 503 ServiceUnavailable: a server fault, transient to the runbook,
// so the step fails as TransientAwsError (naming the original) once the SDK's and the state
// machine's retries are spent — the error the run then ends with.
describe("the failure path itself", () => {
  it("still releases the lease and fails with the original error when notifications cannot be sent", async () => {
    const t = healthy(aws);
    t.world.faults.inject({ action: "api-error", service: "sns", error: "unavailable" });

    const result = await t.execute(t.secondary, failover(t));

    expect(result).toMatchObject({ status: "FAILED", error: "TransientAwsError" });
    expect(result.cause).toMatch(/^Step notify: .*ServiceUnavailable/);
    // With SNS itself down, the short form straight to SNS (NotifyFailureDirect) fails too: the run
    // still ends as it would, with nothing delivered.
    expect(result.states.slice(-6)).toEqual([
      "ChooseFailureCleanup",
      "WriteFailureReport",
      "ReleaseLeaseAfterFailure",
      "WasFailureNotified",
      "NotifyFailureDirect",
      "RunFailed",
    ]);
    expect(t.notifications(t.secondary).filter((n) => n.attributes.execution === result.name)).toEqual([]);
    expect(t.control(t.secondary, "lease")).toBeUndefined();
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
    expect(reportOf(t, t.secondary, result.name)).toMatchObject({ outcome: "failed" });
  });

  it("fails (and releases) when the evidence report cannot be written, after a successful failover", async () => {
    const t = healthy(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.world.faults.inject({ action: "api-error", service: "s3", error: "unavailable" });

    const result = await t.execute(SECONDARY, failover(t));

    expect(result).toMatchObject({ status: "FAILED", error: "TransientAwsError" });
    expect(result.cause).toMatch(/^Step write-report: .*ServiceUnavailable/);
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    const failure = t.notifications(SECONDARY).find((n) => n.attributes.event === "failed");
    expect(failure?.message).toContain(`${PRIMARY} FENCED`);
    expect(failure?.message).toContain(`${SECONDARY} ACTIVE (epoch 2)`);
  });

  it("ends in RunFailed, having notified, when the control table becomes unavailable after the promotion", async () => {
    const t = healthy(aws);
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "authority" && (item.states as Record<string, string>)[t.secondary] === "ACTIVE",
      () => t.world.faults.inject({ action: "api-error", service: "dynamodb", resource: t.tables.control, error: "unavailable" }),
    );

    const result = await t.execute(t.secondary, failover(t));

    // The lease cannot be released (DynamoDB down): the run fails and says so; the lease expires with its TTL.
    expect(result.status).toBe("FAILED");
    expect(result.states.at(-1)).toBe("RunFailed");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(t.notifications(t.secondary).some((n) => n.attributes.event === "failed")).toBe(true);
  });
});

describe("a lease taken by a run that then fails inside AcquireLease", () => {
  it("is released on the failure path, so the next run is not blocked until the lease expires", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    // The conditional put of the lease succeeds; the anti-flap read right after it fails.
    let stop: () => void = () => undefined;
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "lease",
      () => {
        stop = t.world.faults.inject({ action: "api-error", service: "dynamodb", operations: ["GetItem"], error: "unavailable" });
      },
    );

    const failed = await t.execute(
      SECONDARY,
      alarmRun(t, { region: SECONDARY, alarm: "peer-health-", subjectRegion: t.primary, eventId: "evt-lease" }),
      {
        name: "alarm-run",
      },
    );

    expect(failed).toMatchObject({ status: "FAILED", error: "TransientAwsError" });
    expect(failed.cause).toMatch(/^Step acquire-lease: .*ServiceUnavailable/);
    expect(failed.states.slice(failed.states.indexOf("AcquireLease"))).toEqual([
      "AcquireLease",
      "NoteLeaseMayBeHeld",
      "NotifyFailure",
      "ChooseFailureCleanup",
      "ReleaseLeaseAfterFailure",
      "WasFailureNotified",
      "RunFailed",
    ]);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });

    stop();
    const next = await t.execute(SECONDARY, failover(t), { name: "operator-run" });
    expect(next.status).toBe("SUCCEEDED");
  });
});

describe("transient AWS errors (throttling, 5xx, timeouts) that outlast the SDK's retries", () => {
  it("are retried by the state machine: one throttled publish does not stop a failover", async () => {
    const t = healthy(aws);
    t.world.faults.inject({ action: "api-error", service: "sns", error: "throttle", count: 1 });

    const result = await t.execute(t.secondary, failover(t));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    const publishes = t.calls({ service: "sns", operation: "Publish" });
    expect(publishes.filter((c) => c.outcome === "ThrottlingException")).toHaveLength(1);
    expect(publishes).toHaveLength(t.notifications().length + 1);
  });

  it("fail the run as TransientAwsError, naming the original, once the retries are spent (and still release the lease)", async () => {
    const t = healthy(aws);
    t.world.faults.inject({ action: "api-error", service: "cloudwatch", error: "throttle" });

    const result = await t.execute(t.secondary, failover(t));

    expect(result).toMatchObject({ status: "FAILED", error: "TransientAwsError" });
    expect(result.cause).toContain("ThrottlingException: Rate exceeded");
    expect(t.control(t.secondary, "lease")).toBeUndefined();
  });
});
