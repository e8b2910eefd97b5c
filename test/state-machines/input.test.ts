import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";
import { quietWorld, runbookCalls } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const SECONDARY = "us-east-2";
const PRIMARY = "us-east-1";

const BAD_INPUTS: [string, unknown, string][] = [
  ["an unknown mode", { mode: "teleport", targetRegion: SECONDARY }, "mode"],
  ["a failover for another region", { mode: "failover", targetRegion: PRIMARY }, "targetRegion"],
  ["a failover without a target region", { mode: "failover" }, "targetRegion"],
  ["a failback started in the secondary", { mode: "failback", targetRegion: SECONDARY }, "failback runs in the primary"],
  ["a malformed hold", { mode: "drill", targetRegion: SECONDARY, holdSeconds: -5 }, "holdSeconds"],
  ["a hold outside a drill", { mode: "failover", targetRegion: SECONDARY, holdSeconds: 30 }, "holdSeconds"],
  ["an unknown field", { mode: "failover", targetRegion: SECONDARY, force: true }, "force"],
  ["a malformed alarm trigger", { mode: "failover", targetRegion: SECONDARY, trigger: { source: "alarm", alarmName: "x" } }, "trigger"],
  [
    "an alarm about a third region",
    {
      mode: "failover",
      targetRegion: SECONDARY,
      trigger: {
        source: "alarm",
        alarmName: "a",
        alarmArn: "arn:a",
        state: "ALARM",
        changedAt: "2025-01-01T00:00:00Z",
        eventId: "e",
        subjectRegion: "eu-west-1",
      },
    },
    "subjectRegion",
  ],
  ["not an object", "failover", "expected object"],
  [
    "a restore rehearsal outside a drill",
    { mode: "failover", targetRegion: SECONDARY, restoreRehearsal: { table: "payments" } },
    "restoreRehearsal: is only allowed with mode drill",
  ],
  [
    "a restore rehearsal of a table it does not restore",
    { mode: "drill", targetRegion: SECONDARY, restoreRehearsal: { table: "idempotency" } },
    'restoreRehearsal.table: Invalid input: expected "payments"',
  ],
  [
    "a restore rehearsal given as a flag",
    { mode: "drill", targetRegion: SECONDARY, restoreRehearsal: true },
    'restoreRehearsal: must be an object naming the table, e.g. {"table": "payments"} (tables: payments)',
  ],
  [
    "a payment check outside a drill",
    { mode: "failover", targetRegion: SECONDARY, paymentCheck: { allowNoTraffic: true } },
    "paymentCheck: is only allowed with mode drill",
  ],
  [
    "a payment check threshold above 100 %",
    { mode: "drill", targetRegion: SECONDARY, paymentCheck: { maxFailurePercent: 150 } },
    "paymentCheck.maxFailurePercent",
  ],
  ["a payment check given as a flag", { mode: "drill", targetRegion: SECONDARY, paymentCheck: true }, "paymentCheck: must be an object"],
  ["an unknown payment check option", { mode: "drill", targetRegion: SECONDARY, paymentCheck: { skip: true } }, "paymentCheck"],
];

describe("input validation (before any side effect)", () => {
  it.each(BAD_INPUTS)("rejects %s with InvalidInputError and makes no AWS call at all", async (_label, input, mentions) => {
    const t = quietWorld(aws);

    const result = await t.execute(SECONDARY, input);

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidInputError" });
    expect(result.cause).toContain(mentions);
    expect(result.states).toEqual(["ValidateInput", "RejectInput"]);
    expect(runbookCalls(t)).toEqual([]);
    expect(t.notifications()).toEqual([]);
  });
});
