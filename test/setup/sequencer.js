/**
 * The order jest starts the test files in. jest's own order (@jest/test-sequencer) puts a file that
 * failed last time first, then the slowest by the timings it kept from earlier runs; with no
 * timings — a fresh clone, which is what CI and a new contributor run — it goes by file size, and
 * put the full rehearsal (a short file, ~3 s of CPU) last, alone on one core while the other
 * idled. Here a run with no timings at all starts the files SLOWEST_FIRST names, in that order,
 * then the rest by size; any other run keeps jest's order.
 *
 * SLOWEST_FIRST: the default run's slowest files by their own CPU (README, Testing, has the
 * report). A file that leaves the list only loses its early start; sequencer.test.ts fails on a
 * name that is not a test file of the default run.
 */
const { default: JestSequencer } = require("@jest/test-sequencer");
const { relative } = require("node:path");

const SLOWEST_FIRST = [
  "test/sim/rehearsal.test.ts",
  "test/sim/sweep.test.ts",
  "test/scripts/build-lambdas.test.ts",
  "test/state-machines/concurrency.test.ts",
  // Reads the eventual-mode stack, evaluated right after the default one: not first.
  "test/state-machines/handover-hazards.test.ts",
  "test/state-machines/failback-strong.test.ts",
  "test/lib/handlers.test.ts",
  "test/sim/route53-fence.test.ts",
];

class SlowestFirstSequencer extends JestSequencer {
  sort(tests) {
    const jestOrder = super.sort(tests);
    if (tests.some((test) => test.duration != null)) return jestOrder;
    const rank = (test) => {
      const i = SLOWEST_FIRST.indexOf(relative(test.context.config.rootDir, test.path));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep jest's order (by size).
    return [...jestOrder].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowestFirstSequencer;
module.exports.SLOWEST_FIRST = SLOWEST_FIRST;
