#!/usr/bin/env node
// drctl: the payments-dr operator CLI (docs/cli.md). The CLI is TypeScript; tsx compiles it on
// load, so `npx drctl` works from a checkout without a build step.

require("tsx/cjs");
require("../cli/main.ts")
  .main()
  .catch((error) => {
    process.stderr.write(`drctl: ${error?.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
