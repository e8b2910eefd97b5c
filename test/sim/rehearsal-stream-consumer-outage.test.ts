/**
 * The payments stream's one consumer, payment-events, failing for minutes in the writer: found by
 * a targeted fault while the transaction log moved to a writer of its own (the log now rides the
 * same stream records as processing). With ten retries, Lambda gave up on the failing records
 * within seconds and sent only their metadata to the async-failures queue: 236 acknowledged
 * payments were never settled nor logged. A stream record must instead wait for its consumer as
 * long as the stream keeps it (infra: the mapping's maximumRetryAttempts).
 *
 * Fast version: test/infra/payment-path.test.ts (the mapping's retry bound).
 */
import { expectPassed, replaySweepTimeline } from "./support/sweep-replay";

describe("payment-events failing for three minutes in the writer", () => {
  it("settles and logs every payment once it is back: the stream's records waited for it", async () => {
    const result = await replaySweepTimeline("full", {
      faults: ["lambda-invocation-error:function=payment-events,region=us-east-2,at=90s,for=3m"],
    });
    expectPassed(
      result,
      "every payment settled where its region may serve",
      "every acknowledged payment in the transaction log",
      "no acknowledged payment lost",
    );
  });
});
