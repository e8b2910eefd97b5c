/**
 * A partition between two live regions, rehearsed in this process and held to the invariants
 * every scenario is held to (support/rehearsed-scenario.ts), with the figures npm start prints for
 * it. In `npm run test:e2e`, beside test/e2e/scenarios.test.ts, which runs it as `npm start` does;
 * `npm test` rehearses the full scenario the same way (rehearsal.test.ts).
 */
import { describeRehearsedScenario } from "./support/rehearsed-scenario";

describeRehearsedScenario("partition");
