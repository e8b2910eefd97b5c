/**
 * The write guard's `Retry-After` (functions/domain/write-guard.ts): what a refused client is told,
 * refusal by refusal. Why each value is what it is: the comment beside `RETRY_AFTER_SECONDS` and
 * docs/architecture.md, "The write path". The handler's side (the header on a 503, a 307's 0) is in
 * create-payment.test.ts, which also holds the STANDBY value to the cache bound the stack deploys.
 */
import type { Handover, WriteRefusal } from "../../lib/control-schema";
import { HANDOVER_RETRY_AFTER_SECONDS, RETRY_AFTER_SECONDS, retryAfterSeconds } from "../../functions/domain/write-guard";

const HANDOVER: Handover = { from: "us-east-1", to: "us-east-2", until: "2030-03-04T09:04:00.000Z" };

describe("retryAfterSeconds", () => {
  it.each([
    // Nobody ACTIVE and this region STANDBY: DNS keeps sending clients here (its /health is 200)
    // and a promotion (of this region or the peer) is what ends the wait, seen within the cache bound.
    ["REGION_STANDBY", 5],
    // Fenced or drained: DNS moves clients away (its /health is 503) and only a human undoes it.
    ["REGION_FENCED", 30],
    ["REGION_DRAINED", 30],
    // The authority unreadable: often a blip.
    ["REGION_STATE_UNKNOWN", 5],
  ] as [WriteRefusal, number][])("answers a %s refusal with no handover in progress: retry in %i s", (reason, seconds) => {
    expect(retryAfterSeconds({ reason })).toBe(seconds);
    expect(RETRY_AFTER_SECONDS[reason]).toBe(seconds);
  });

  it.each(["REGION_STANDBY", "REGION_FENCED", "REGION_DRAINED"] as WriteRefusal[])(
    "answers a %s refusal during a handover from or to this region: retry in 1 s",
    (reason) => {
      expect(retryAfterSeconds({ reason, handover: HANDOVER })).toBe(HANDOVER_RETRY_AFTER_SECONDS);
      expect(HANDOVER_RETRY_AFTER_SECONDS).toBe(1);
    },
  );

  it("answers an unreadable authority with its own 5 s even when a handover was cached", () => {
    expect(retryAfterSeconds({ reason: "REGION_STATE_UNKNOWN", handover: HANDOVER })).toBe(5);
  });
});
