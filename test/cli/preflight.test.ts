/**
 * `drctl preflight` against the simulated world (sim/): the deployed stack with its real canaries,
 * Route 53 checkers and alarms running on the virtual clock, and the same account before
 * `pulumi up` (sim/account.ts beforeDeploy) — a fresh account whose quota, AWS Backup settings,
 * delegation sets and public delegation a test sets as an account owner would.
 *
 * What this cannot prove: that AWS answers as the simulated services do (each fake cites the API
 * reference it follows), nor what a real resolver caches for a zone's NS.
 */
import { allFunctions } from "../../lib/handlers";
import { requiredConcurrencyQuota, reservedConcurrencyPerRegion } from "../../lib/handlers/concurrency";
import { apiDomains } from "../../cli/preflight/dns-checks";
import { beforeDeploy } from "../../sim/account";
import type { Deployment } from "../../sim/deployment/types";
import { createSession, REHEARSAL_EPOCH, type Session } from "../../sim/session";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { drctlInWorld, stackFile } from "./support/preflight-sim";

let aws: SimulatedAws;
let deployment: Deployment;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
  deployment = aws.deployment;
});
afterAll(() => aws.dispose());

const REQUIRED = requiredConcurrencyQuota(allFunctions);
const ZONE = "payments.example.com";
/** The reusable delegation set the offline evaluation creates the zone from (infra/offline/evaluate.ts). */
const DELEGATION_SET = "N0123456789EXAMPLE";

type Check = { id: string; region: string | null; verdict: string; detail: string; action: string | null };
const checksOf = (stdout: string) => (JSON.parse(stdout) as { checks: Check[] }).checks;
const find = (checks: Check[], id: string, region: string | null = null) => {
  const c = checks.find((x) => x.id === id && x.region === region);
  if (!c) throw new Error(`no check ${id} ${region ?? ""}`);
  return c;
};

/** The deployed stack, with its canaries, Route 53's checkers and the alarms running for three minutes. */
async function runningStack(): Promise<TestWorld> {
  const t = aws.world({ background: { alarms: true, route53: true, schedules: true, eventRules: false } });
  await t.alignTo(60_000, 5_000);
  await t.advance(3 * 60_000);
  return t;
}

const run = (t: TestWorld, argv: string[], env?: Record<string, string>) => drctlInWorld(t.world, t.clock, argv, env);

describe("drctl preflight, after a deploy", () => {
  it("passes every check of a healthy deployed stack", async () => {
    const t = await runningStack();
    const file = stackFile("dev", { hostedZoneName: ZONE, delegationSetId: DELEGATION_SET });

    const out = await run(t, ["preflight", "--env", "dev", "--stack-file", file, "--json"]);

    expect(out.stderr).toBe("");
    const checks = checksOf(out.stdout);
    expect(checks.filter((c) => c.verdict !== "pass")).toEqual([]);
    expect(checks.map((c) => `${c.id} ${c.region ?? ""}`.trim())).toEqual([
      "credentials",
      "lambda-concurrency us-east-1",
      "backup-dynamodb us-east-1",
      "lambda-concurrency us-east-2",
      "backup-dynamodb us-east-2",
      "zone-delegation",
      "certificates us-east-1",
      "certificates us-east-2",
      "canary-heartbeat us-east-1",
      "state-machines us-east-1",
      "canary-schedule us-east-1",
      "canary-heartbeat us-east-2",
      "state-machines us-east-2",
      "canary-schedule us-east-2",
      "fence-alarm us-east-2",
      "health-check:primaryEndpoint",
      "health-check:secondaryEndpoint",
      "health-check:primaryFence",
      "health-check:primaryGuard",
    ]);
    expect(out.code).toBe(0);
    // Read only: every call preflight made is a Get, List or Describe.
    const operations = new Set(t.calls({ from: "internet" }).map((c) => `${c.service}:${c.operation}`));
    expect([...operations].filter((o) => !/:(Get|List|Describe)/.test(o))).toEqual([]);
  });

  it("fails a dead canary: no heartbeat for minutes while everything else is fine", async () => {
    const t = await runningStack();
    // Someone set the primary's canary to reserved concurrency 0: Lambda throttles every invocation.
    t.world.lambda.setReserved(t.primary, t.functionName(t.primary, "canary"), 0);
    await t.advance(3 * 60_000);

    const out = await run(t, ["preflight", "--env", "dev", "--json"]);

    const checks = checksOf(out.stdout);
    const heartbeat = find(checks, "canary-heartbeat", t.primary);
    expect(heartbeat.verdict).toBe("fail");
    expect(heartbeat.detail).toMatch(/^last heartbeat [\d.]+ s ago \(.+\); more than 120 s is a dead canary$/);
    // The last heartbeat is from before the throttling began, three minutes ago.
    expect(Number(/^last heartbeat ([\d.]+) s/.exec(heartbeat.detail)?.[1])).toBeGreaterThanOrEqual(180);
    expect(heartbeat.action).toContain(`the canary is not running in ${t.primary}`);
    expect(find(checks, "canary-heartbeat", t.secondary).verdict).toBe("pass");
    expect(out.code).toBe(4);
  });

  it("cannot tell Route 53's health checks while us-east-1 (its API's only region) is unreachable", async () => {
    const t = await runningStack();
    t.world.outage(t.primary);

    const out = await run(t, ["preflight", "--env", "dev", "--json"]);

    const checks = checksOf(out.stdout);
    const route53 = checks.filter((c) => c.id.startsWith("health-check:"));
    expect(route53.map((c) => c.verdict)).toEqual(["cannot-tell", "cannot-tell", "cannot-tell", "cannot-tell"]);
    expect(route53[0].action).toBe(
      "Route 53's API is served from us-east-1 only; ask again when it answers (DNS failover itself does not need it)",
    );
    // The secondary is still checked; nothing is called a failure for want of an answer.
    expect(find(checks, "canary-heartbeat", t.secondary).verdict).toBe("pass");
    expect(find(checks, "canary-heartbeat", t.primary).verdict).toBe("cannot-tell");
    expect(find(checks, "credentials").verdict).toBe("pass");
    expect(checks.filter((c) => c.verdict === "fail")).toEqual([]);
    expect(out.code).toBe(0);
  });

  it("names the API certificates' domains as the stack deploys them", () => {
    for (const api of deployment.apis) expect([...api.domains].sort()).toEqual(apiDomains(deployment.zone.name, api.region).sort());
  });
});

describe("drctl preflight, before a deploy (a fresh account)", () => {
  let session: Session | undefined;
  afterEach(() => {
    session?.dispose();
    session = undefined;
  });

  /** The account before pulumi up: nothing of the stack exists; the zone's delegation set was created beforehand. */
  function freshAccount(): Session {
    aws.dispose();
    session = createSession(beforeDeploy(deployment), { background: false, latency: "none", startAt: REHEARSAL_EPOCH });
    session.world.account.delegationSets.set(DELEGATION_SET, [...deployment.zone.nameServers]);
    return session;
  }

  it("fails a low Lambda quota, saying to request an increase to what the stack needs", async () => {
    const { world, clock } = freshAccount();
    for (const region of deployment.regions) world.account.lambdaConcurrencyQuota.set(region, 10);
    world.account.delegations.set(ZONE, [...deployment.zone.nameServers]);

    const out = await drctlInWorld(world, clock, ["preflight", "--env", "dev", "--zone", ZONE, "--delegation-set-id", DELEGATION_SET]);

    expect(REQUIRED).toBe(reservedConcurrencyPerRegion(allFunctions) + 100);
    expect(out.stdout).toContain(
      `  FAIL  lambda-concurrency us-east-1  quota 10, unreserved 10; the stack reserves ${REQUIRED - 100} (+100 Lambda keeps unreserved): the quota is below the ${REQUIRED} the stack needs`,
    );
    expect(out.stdout).toContain(
      `→ request an increase to at least ${REQUIRED} in us-east-1: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value ${REQUIRED} --region us-east-1`,
    );
    expect(out.stdout).toContain("stack     not deployed yet (no SSM parameters in either region): after-deploy checks are skipped");
    expect(out.stdout).toMatch(/\nNOT READY: 2 failed, 0 cannot tell, \d+ passed, \d+ skipped$/m);
    expect(out.code).toBe(4);
  });

  it("fails a zone the parent does not delegate yet, naming the name servers to delegate to", async () => {
    const { world, clock } = freshAccount();

    const out = await drctlInWorld(world, clock, [
      "preflight",
      "--env",
      "dev",
      "--zone",
      ZONE,
      "--delegation-set-id",
      DELEGATION_SET,
      "--json",
    ]);

    const delegation = find(checksOf(out.stdout), "zone-delegation");
    const servers = deployment.zone.nameServers.join(", ");
    expect(delegation).toMatchObject({
      verdict: "fail",
      detail: `NS ${ZONE}: the public DNS has no delegation (queryNs ENOTFOUND ${ZONE}); the zone's name servers (delegation set ${DELEGATION_SET}) are ${servers}`,
      action: `at the parent zone or registrar of ${ZONE}, set its NS records to ${servers} (dig +short NS ${ZONE} shows them once it is done)`,
    });
    expect(out.code).toBe(4);
  });

  it("prints exactly this JSON for a fresh account with a quota of 10 and Backup's DynamoDB features off in us-east-2", async () => {
    const { world, clock } = freshAccount();
    for (const region of deployment.regions) world.account.lambdaConcurrencyQuota.set(region, 10);
    world.account.backup.set("us-east-2", { optIn: { DynamoDB: true }, management: { DynamoDB: false } });
    world.account.delegations.set(ZONE, [...deployment.zone.nameServers]);

    const out = await drctlInWorld(world, clock, [
      "preflight",
      "--env",
      "dev",
      "--zone",
      ZONE,
      "--delegation-set-id",
      DELEGATION_SET,
      "--json",
    ]);

    // Exactly: the document, its key order and its layout.
    expect(out.stdout).toBe(`${JSON.stringify(EXPECTED_FRESH_ACCOUNT, null, 2)}\n`);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(4);
  });
});

describe("drctl preflight without credentials", () => {
  const CREDENTIAL_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const k of [...CREDENTIAL_VARIABLES, "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
      saved[k] = process.env[k];
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("fails with one clear line and a hint, no stack trace, exit 3", async () => {
    const t = aws.world({ latency: "none" });
    // No credentials anywhere the SDK looks: no variables, no profile files, no instance metadata.
    for (const k of CREDENTIAL_VARIABLES) delete process.env[k];
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    process.env.AWS_CONFIG_FILE = "/nonexistent/aws/config";
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/aws/credentials";

    const out = await run(t, ["preflight", "--env", "dev"]);

    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/^drctl: sts:GetCallerIdentity in us-east-1: no valid AWS credentials \(CredentialsProviderError: .+\)\n/);
    expect(out.stderr).toContain(
      "  hint: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or refresh your session (aws sso login)\n",
    );
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(out.code).toBe(3);
    expect(t.calls()).toEqual([]);
  });
});

describe("drctl preflight's flags", () => {
  const noAws = (argv: string[]) => {
    const t = aws.world({ latency: "none" });
    return run(t, argv).then((out) => ({ ...out, calls: t.calls().length }));
  };

  it("rejects a stack file of another environment before calling AWS", async () => {
    const out = await noAws(["preflight", "--env", "dev", "--stack-file", "Pulumi.example.yaml"]);

    expect(out.stderr).toBe(
      'drctl: Pulumi.example.yaml deploys environment "example", not --env dev\n  hint: pass the stack file of that environment with --stack-file\n',
    );
    expect(out).toMatchObject({ code: 2, calls: 0 });
  });

  it("rejects a region flag that contradicts the stack file", async () => {
    const file = stackFile("dev", { hostedZoneName: ZONE, delegationSetId: DELEGATION_SET, secondaryRegion: "us-west-2" });

    const out = await noAws(["preflight", "--env", "dev", "--stack-file", file, "--secondary-region", "us-east-2"]);

    expect(out.stderr).toContain(`drctl: --secondary-region us-east-2 contradicts ${file}, which deploys to us-west-2`);
    expect(out).toMatchObject({ code: 2, calls: 0 });
  });
});

/** Pinned by the test above: what a machine reading --json gets (virtual time starts at REHEARSAL_EPOCH). */
const EXPECTED_FRESH_ACCOUNT = {
  environment: "dev",
  checkedAt: "2030-03-04T09:00:00.000Z",
  primaryRegion: "us-east-1",
  secondaryRegion: "us-east-2",
  account: {
    id: "123456789012",
    principal: "arn:aws:iam::123456789012:root",
  },
  config: {
    source: "flags",
    zoneName: "payments.example.com",
    hostedZoneId: null,
    delegationSetId: "N0123456789EXAMPLE",
  },
  deployed: {
    "us-east-1": false,
    "us-east-2": false,
  },
  checks: [
    {
      id: "credentials",
      phase: "before-deploy",
      region: null,
      source: "sts:GetCallerIdentity",
      verdict: "pass",
      detail: "account 123456789012 as arn:aws:iam::123456789012:root",
      action: null,
    },
    {
      id: "lambda-concurrency",
      phase: "before-deploy",
      region: "us-east-1",
      source: "lambda:GetAccountSettings",
      verdict: "fail",
      detail: "quota 10, unreserved 10; the stack reserves 204 (+100 Lambda keeps unreserved): the quota is below the 304 the stack needs",
      action:
        "request an increase to at least 304 in us-east-1: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 304 --region us-east-1",
    },
    {
      id: "backup-dynamodb",
      phase: "before-deploy",
      region: "us-east-1",
      source: "backup:DescribeRegionSettings",
      verdict: "pass",
      detail: "DynamoDB opted in, advanced features on",
      action: null,
    },
    {
      id: "lambda-concurrency",
      phase: "before-deploy",
      region: "us-east-2",
      source: "lambda:GetAccountSettings",
      verdict: "fail",
      detail: "quota 10, unreserved 10; the stack reserves 204 (+100 Lambda keeps unreserved): the quota is below the 304 the stack needs",
      action:
        "request an increase to at least 304 in us-east-2: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 304 --region us-east-2",
    },
    {
      id: "backup-dynamodb",
      phase: "before-deploy",
      region: "us-east-2",
      source: "backup:DescribeRegionSettings",
      verdict: "fail",
      detail:
        "advanced DynamoDB backup features are off (ResourceTypeManagementPreference): cross-region copies of the tables' backups would fail",
      action:
        "turn them on in us-east-2 (AWS Backup console → Settings), or: aws backup update-region-settings --resource-type-management-preference DynamoDB=true --region us-east-2",
    },
    {
      id: "zone-delegation",
      phase: "before-deploy",
      region: null,
      source: "route53:GetReusableDelegationSet, DNS NS",
      verdict: "pass",
      detail:
        "NS payments.example.com answers the zone's name servers (delegation set N0123456789EXAMPLE): ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net",
      action: null,
    },
    {
      id: "certificates",
      phase: "before-deploy",
      region: "us-east-1",
      source: "acm:ListCertificates, acm:DescribeCertificate",
      verdict: "skipped",
      detail: "no certificate for api.payments.example.com or api-us-east-1.payments.example.com yet",
      action: "the first pulumi up requests them and waits for their DNS validation",
    },
    {
      id: "certificates",
      phase: "before-deploy",
      region: "us-east-2",
      source: "acm:ListCertificates, acm:DescribeCertificate",
      verdict: "skipped",
      detail: "no certificate for api.payments.example.com or api-us-east-2.payments.example.com yet",
      action: "the first pulumi up requests them and waits for their DNS validation",
    },
    {
      id: "canary-heartbeat",
      phase: "after-deploy",
      region: "us-east-1",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-1: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "state-machines",
      phase: "after-deploy",
      region: "us-east-1",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-1: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "canary-schedule",
      phase: "after-deploy",
      region: "us-east-1",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-1: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "canary-heartbeat",
      phase: "after-deploy",
      region: "us-east-2",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-2: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "state-machines",
      phase: "after-deploy",
      region: "us-east-2",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-2: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "canary-schedule",
      phase: "after-deploy",
      region: "us-east-2",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-2: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "fence-alarm",
      phase: "after-deploy",
      region: "us-east-2",
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "not deployed in us-east-2: no SSM parameters under /payments-dr/dev/",
      action: "run preflight again after pulumi up",
    },
    {
      id: "health-checks",
      phase: "after-deploy",
      region: null,
      source: "ssm:GetParametersByPath",
      verdict: "skipped",
      detail: "the stack is not deployed",
      action: "run preflight again after pulumi up",
    },
  ],
  summary: {
    pass: 3,
    fail: 3,
    cannotTell: 0,
    skipped: 10,
  },
  ready: false,
};
