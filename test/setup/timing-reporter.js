/**
 * Prints, after a jest run, where its time went: each test folder (unit, infra, handlers, state
 * machines, policy, rehearsal...) with its files' summed time, and the slowest files. A file's time
 * is what jest reports for it (from its start to its end in a worker, including the child processes
 * it waits for), so on a busy machine every figure grows; the order is what to read.
 * README, Testing, quotes one run's output.
 */
const { relative } = require("node:path");

const SLOWEST = 8;

class TimingReporter {
  /** @param {import('@jest/types').Config.GlobalConfig} globalConfig */
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /** @param {unknown} _contexts @param {import('@jest/test-result').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const files = results.testResults
      .filter((r) => r.perfStats && r.perfStats.end > 0)
      .map((r) => ({
        file: relative(this.rootDir, r.testFilePath),
        seconds: (r.perfStats.end - r.perfStats.start) / 1000,
        tests: r.numPassingTests + r.numFailingTests,
      }));
    if (files.length < 2) return;
    const byFolder = new Map();
    for (const f of files) {
      const folder = f.file.split("/").slice(0, 2).join("/");
      const entry = byFolder.get(folder) ?? { folder, files: 0, tests: 0, seconds: 0 };
      entry.files += 1;
      entry.tests += f.tests;
      entry.seconds += f.seconds;
      byFolder.set(folder, entry);
    }
    const wall = (Date.now() - results.startTime) / 1000;
    const total = files.reduce((s, f) => s + f.seconds, 0);
    const lines = [
      "",
      `Where the time went: ${files.length} files took ${total.toFixed(0)} s together, side by side in a ${wall.toFixed(0)} s run; by folder:`,
      ...[...byFolder.values()]
        .sort((a, b) => b.seconds - a.seconds)
        .map(
          (e) =>
            `  ${e.folder.padEnd(22)} ${String(e.files).padStart(3)} files ${String(e.tests).padStart(5)} tests ${e.seconds.toFixed(1).padStart(6)} s`,
        ),
      "Slowest files:",
      ...files
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, SLOWEST)
        .map((f) => `  ${f.seconds.toFixed(1).padStart(6)} s  ${f.file}`),
      "",
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
  }
}

module.exports = TimingReporter;
