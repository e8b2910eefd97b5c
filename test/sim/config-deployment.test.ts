/**
 * A configuration given on the command line reaches the deployment the rehearsal simulates, and
 * `npm run plan` takes the same flags as `npm start`: run as a user types it, with a stack file
 * and `--config` flags on top, the plan is evaluated with them (the path main.ts takes for both:
 * flags → rehearsalConfig → evaluateProgram → deploymentFromEvaluation → the printed plan), with
 * the health-check settings changed from their defaults (10 s, 3 failures).
 *
 * One child process (one evaluation), bounded by a CPU budget rather than the wall clock
 * (test/setup/child-process.ts). How the flags are parsed and validated is config-flags.test.ts.
 * What this cannot prove: how the simulated world behaves with these values — `npm start --
 * --config ...` shows that.
 */
import { CHILD_TEST_TIMEOUT_MS, runChild, type ChildResult } from "../setup/child-process";

const COMMAND =
  "npm run plan -- --stack-file Pulumi.example.yaml --config healthCheckIntervalSeconds=30 --config healthCheckFailureThreshold=2";

let plan: ChildResult;
let lines: string[];
beforeAll(async () => {
  plan = await runChild(COMMAND, [], { shell: true, budget: { cpuSeconds: 60 } });
  lines = plan.stdout.split("\n");
}, CHILD_TEST_TIMEOUT_MS);

it(`prints the plan of the configured stack: ${COMMAND}`, () => {
  expect(plan.stderr).toContain("Evaluating the Pulumi program offline (stack example)");
  expect(plan.code).toBe(0);
  expect(lines).toContain('payments-dr — offline plan for stack "example" (environment "example")');
  expect(lines).toContain(
    'Configuration (not the defaults): healthCheckIntervalSeconds=30, healthCheckFailureThreshold=2 (--config); alertEmails=["oncall@example.com"] (Pulumi.example.yaml); every other key at its default',
  );
});

it("simulates every Route 53 endpoint check with the configured interval and failure threshold", () => {
  expect(lines).toContainEqual(
    expect.stringMatching(/^Route 53: [2-9] endpoint checks of \/health, every 30 s, unhealthy after 2 failures; DNS TTL 60 s;/),
  );
});

it("uses the names of the stack the file configures", () => {
  expect(lines).toContain("    payments: payments-global-example");
  expect(plan.stdout).toMatch(/SSM parameters \(same names in both regions\): \d+ under \/payments-dr\/example\//);
});
