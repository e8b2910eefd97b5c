/**
 * Fails a test file that leaves a process-wide async hook with destroy tracking behind it.
 *
 * A hook enabled in a jest worker stays for the worker's life: every promise of every later test
 * file it runs then calls it, and Node tracks each promise's destruction for it. The AWS X-Ray
 * SDK enables one each time it loads in automatic mode (cls-hooked); one test that loaded every
 * handler without `AWS_XRAY_MANUAL_MODE` left sixteen, a tax on the rest of its worker's run that
 * no test saw. The setup (env.ts) and the simulated Lambda runtime set manual mode; this holds
 * every file to it. Hooks without destroy tracking are cheap and not counted.
 */
import type * as AsyncHooks from "node:async_hooks";

const COUNTER = Symbol.for("payments-dr.test.destroyHooksCreated");
type Counted = typeof AsyncHooks & { [COUNTER]?: { created: number } };

// The module object itself, shared by every file a worker runs (an ES import would be a copy).
const asyncHooks: Counted = require("node:async_hooks");
if (!asyncHooks[COUNTER]) {
  const counter = { created: 0 };
  const createHook = asyncHooks.createHook;
  asyncHooks.createHook = (callbacks) => {
    if (callbacks.destroy) counter.created += 1;
    return createHook(callbacks);
  };
  asyncHooks[COUNTER] = counter;
}
const counter = asyncHooks[COUNTER] as { created: number };
const before = counter.created;

afterAll(() => {
  const created = counter.created - before;
  if (created > 0)
    throw new Error(
      `This file created ${created} async hook(s) with destroy tracking (the X-Ray SDK loaded without AWS_XRAY_MANUAL_MODE?): ` +
        "they stay for the worker's life and slow every later test file (test/setup/async-hooks-guard.ts).",
    );
});
