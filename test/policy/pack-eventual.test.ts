/**
 * The pack against the program in eventual mode (`dataConsistency: eventual`), evaluated as its own
 * stack: no policy objects to the eventually consistent tables (TTL, streams on every table, no
 * witness, no sweeper), and the data rules whose strong-mode branch the default stack exercises
 * take their eventual-mode branch here. Mocks prove what the program asks for, not that AWS accepts it.
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { CapturedResource } from "../../infra/offline/mocks";
import { policies } from "../../policy/policies";
import * as d from "../../policy/rules/dynamodb";
import { stack } from "../support/stack";
import { byType, withChange } from "./support/fixtures";
import { packViolations, violationsOf } from "./support/harness";

let resources: CapturedResource[];
beforeAll(async () => {
  resources = (await stack(EVENTUAL_OFFLINE_OPTIONS)).resources;
});

const idempotency = byType("aws:dynamodb/table:Table", (t) => t.inputs.name === "payments-idempotency-global-dev");
const messages = async (rule: Parameters<typeof violationsOf>[0], rs: readonly CapturedResource[]) =>
  (await violationsOf(rule, rs)).map((v) => v.message);

it("finds no violation in the eventual-mode stack", async () => {
  const violations = await packViolations(policies, resources);
  expect(violations.map((v) => `${v.policy} ${v.resource ?? "(stack)"}: ${v.message}`)).toEqual([]);
});

it("fails D8 when an eventually consistent idempotency table loses its TTL (no sweeper runs in eventual mode)", async () => {
  expect(
    await messages(
      d.dynamodbIdempotencyTtl,
      withChange(resources, idempotency, (p) => delete p.ttl),
    ),
  ).toEqual(["table payments-idempotency-global-dev has no TTL on expiration; its records would never expire"]);
});

it("fails D5 when an eventually consistent table stops streaming (its replication reads the stream)", async () => {
  expect(
    await messages(
      d.dynamodbGlobalStreams,
      withChange(resources, idempotency, (p) => (p.streamEnabled = false)),
    ),
  ).toEqual([
    "table payments-idempotency-global-dev is eventually consistent and must stream NEW_AND_OLD_IMAGES (its replication reads the stream)",
  ]);
});

it("fails D6 when an eventually consistent table is given a witness", async () => {
  expect(
    await messages(
      d.dynamodbConsistencyMode,
      withChange(resources, idempotency, (p) => (p.globalTableWitness = { regionName: "us-west-2" })),
    ),
  ).toEqual(["the table has a witness in us-west-2 but is not STRONG; only multi-Region strongly consistent tables have a witness"]);
});
