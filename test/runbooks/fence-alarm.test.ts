/** How the failback reads the fence alarm (runbooks/domain/fence-alarm.ts): only OK clears. */
import { readFenceAlarm } from "../../runbooks/domain/fence-alarm";

const NAME = "primary-fenced-us-east-2-prod";
const at = new Date("2030-03-04T09:05:00Z");

describe("readFenceAlarm", () => {
  it.each([
    ["OK", true],
    ["ALARM", false],
    ["INSUFFICIENT_DATA", false],
  ] as const)("reads %s as cleared=%s", (state, cleared) => {
    const reading = readFenceAlarm(
      [{ AlarmName: NAME, StateValue: state, StateReason: "Threshold Crossed", StateUpdatedTimestamp: at }],
      NAME,
      "us-east-2",
    );

    expect(reading).toEqual({
      state,
      cleared,
      stateUpdatedAt: at.getTime(),
      detail: `${state} since 2030-03-04T09:05:00.000Z: Threshold Crossed`,
    });
  });

  it("ignores alarms with another name", () => {
    const reading = readFenceAlarm(
      [
        { AlarmName: `${NAME}-old`, StateValue: "ALARM" },
        { AlarmName: NAME, StateValue: "OK" },
      ],
      NAME,
      "us-east-2",
    );

    expect(reading).toMatchObject({ state: "OK", cleared: true, stateUpdatedAt: null, detail: "OK" });
  });

  it.each([
    ["no alarm", [], /returned 0 alarms named primary-fenced-us-east-2-prod/],
    ["no answer at all", undefined, /returned 0 alarms/],
    [
      "two alarms of that name",
      [
        { AlarmName: NAME, StateValue: "OK" },
        { AlarmName: NAME, StateValue: "OK" },
      ],
      /returned 2 alarms/,
    ],
    ["a state CloudWatch does not define", [{ AlarmName: NAME, StateValue: "PENDING" }], /unknown state "PENDING"/],
  ])("rejects %s as a ConfigurationError", (_, alarms, message) => {
    expect(() => readFenceAlarm(alarms, NAME, "us-east-2")).toThrow(message);
    expect(() => readFenceAlarm(alarms, NAME, "us-east-2")).toThrow(expect.objectContaining({ name: "ConfigurationError" }));
  });
});
