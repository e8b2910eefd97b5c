/**
 * Test files outside test/e2e that belong to the end-to-end run (`npm run test:e2e`), not to
 * `npm test`: each executes a whole runbook, rehearsal or documented session end to end and costs
 * seconds of CPU per test. `npm test` keeps a fast version of what each one covers (named below),
 * so the default run stays the quick check a change gets before it is pushed; CI runs both
 * (.ci/run), so no assertion is dropped. jest.config.js ignores these files and jest.e2e.config.js
 * runs them; test/setup/suite-split.test.ts holds both configs to this list.
 *
 * Paths are relative to the repository root.
 */
module.exports = [
  // payment-events failing for minutes in the writer, rehearsed. Fast version:
  // test/infra/payment-path.test.ts (the stream mapping's retry bound).
  "test/sim/rehearsal-stream-consumer-outage.test.ts",
  // The recorded drctl sessions (docs/cli-sessions.md) replayed in a child process. Fast version:
  // test/cli (every command against the simulated world).
  "test/sim/cli-sessions.test.ts",
  // The README's payment API examples, sent by scripts/api-examples.ts. Fast version:
  // test/functions (every handler's answers).
  "test/sim/api-examples.test.ts",
  // A rehearsal with the simulated FIS running a drill template. Fast version: test/sim/fis.test.ts.
  "test/sim/fis-rehearsal.test.ts",
  // Failback executions (eventual mode: fence, sentinel, promotion, compensation on every
  // failure). Fast version: test/state-machines/failback-strong.test.ts and graph.test.ts.
  "test/state-machines/failback.test.ts",
  // Drill executions (strong mode). Fast version: test/state-machines/drill-eventual.test.ts.
  "test/state-machines/drill.test.ts",
  // The drill's restore rehearsal executed (a ten-minute restore). Fast version:
  // test/sim/restore.test.ts (point-in-time semantics) and test/runbooks/restore-report.test.ts.
  "test/state-machines/drill-restore.test.ts",
  // The restore rehearsal's four steps, each through a whole restore. Fast version:
  // test/sim/restore.test.ts (the simulated point-in-time recovery).
  "test/runbooks/restore-rehearsal.test.ts",
  // Failover with autoFailover off: the approval gate's executions. Fast version:
  // test/state-machines/failover.test.ts and graph.test.ts (the gate's states).
  "test/state-machines/approval.test.ts",
  // Failover executions that fail at each step. Fast version: test/state-machines/failover.test.ts.
  "test/state-machines/failure-path.test.ts",
  // Two scenarios rehearsed on one SimulatedAws against a fresh one. Fast version:
  // test/sim/rehearsal.test.ts (each scenario on a fresh one) and session-dispose.test.ts.
  "test/sim/rehearsal-reuse.test.ts",
  // The partition scenario rehearsed in process, held to every invariant. Fast version:
  // test/sim/rehearsal.test.ts (the full scenario, the same way).
  "test/sim/rehearsal-partition.test.ts",
  // A rehearsal turned red by a removed permission. Fast version: test/sim/iam.test.ts (the
  // denied call itself, as AWS words it).
  "test/sim/iam-rehearsal.test.ts",
  // `npm run plan` with a stack file and --config flags, in a child process (one evaluation).
  // Fast version: test/sim/config-flags.test.ts (how the flags are parsed and validated).
  "test/sim/config-deployment.test.ts",
  // Each config evaluated after others in one process against the same evaluated alone (five
  // evaluations). Fast version: the npm test files that read the eventual-mode and config-variants
  // stacks, which the global setup evaluates after the default one in one process.
  "test/setup/evaluate-in-turn.test.ts",
  // The evidence page rendered twice by headless Chromium. Fast version:
  // test/runbooks/report-html.test.ts (the page's markup).
  "test/sim/report-browser.test.ts",
  // Timelines the randomized sweep found (issue 16), each rehearsed whole and held to the invariant
  // it broke: strong mode, then eventual mode (one stack per file). Fast versions: the decisions
  // each fix changed, without a rehearsal — test/runbooks/decisions.test.ts (anti-flap after a run
  // that changed nothing), test/runbooks/reconcile.test.ts (the writer-silent restore) and
  // test/runbooks/set-peer-state-strong.test.ts (the handover through the local replica).
  "test/sim/rehearsal-sweep-findings.test.ts",
  "test/sim/rehearsal-sweep-findings-eventual.test.ts",
  // A strong-mode failback whose secondary dies (issue 16), rehearsed whole twice. Fast version:
  // test/state-machines/failback-strong.test.ts (the same runs without traffic).
  "test/sim/rehearsal-failback-secondary-dies.test.ts",
];
