/**
 * Run as a child process by test/sim/cli-apis.test.ts (the rehearsal loads one module
 * instance per function and region by resetting Node's require cache, which jest's own module
 * registry does not honour, so a world cannot be built inside a jest worker). Builds a world from
 * the evaluated stack, makes the calls drctl makes through ordinary SDK clients, and prints what
 * came back as JSON (dates as ISO strings; errors as their name) for the test to check.
 */
import { Resolver } from "node:dns/promises";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetHealthCheckStatusCommand, Route53Client } from "@aws-sdk/client-route-53";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { deploymentFromEvaluation, drMachine, tickerMachine } from "../../../sim/deployment/deployment";
import { nameServerAddress } from "../../../sim/interceptors";
import { evaluatorReady } from "../../../sim/iam/authorizer";
import { createSession } from "../../../sim/session";
import { ofType, REGIONS, stack } from "../../support/stack";

const { primary, secondary } = REGIONS;

async function main() {
  const ev = await stack();
  const deployment = deploymentFromEvaluation(ev);
  await evaluatorReady();
  const session = createSession(deployment);
  const { clock, world } = session;
  const out: Record<string, unknown> = {};
  /** Runs `work` while virtual time passes (every simulated call takes network latency); errors become `{ error: name }`. */
  const drive = async (work: () => Promise<unknown>): Promise<unknown> => {
    let outcome: { value: unknown } | undefined;
    work().then(
      (value) => (outcome = { value }),
      (error: Error) => (outcome = { value: { error: error.name, instanceOfNoSuchKey: error.constructor?.name === "NoSuchKey" } }),
    );
    await clock.advanceUntil(() => outcome !== undefined, 120_000, 50);
    return outcome ? outcome.value : { error: "no answer" };
  };
  try {
    await clock.advance(90_000); // canaries, checkers and alarms reach their steady state
    out.evaluatedParameters = ofType(ev, "aws:ssm/parameter:Parameter").map((r) => ({
      name: r.inputs.name,
      value: r.inputs.value,
      region: r.region,
    }));
    const ssm = new SSMClient({ region: secondary });
    const pages: unknown[] = [];
    let NextToken: string | undefined;
    do {
      const page = (await drive(() =>
        ssm.send(new GetParametersByPathCommand({ Path: "/payments-dr/dev/", Recursive: true, NextToken })),
      )) as { NextToken?: string };
      pages.push(page);
      NextToken = page.NextToken;
    } while (NextToken);
    out.ssmPages = pages;
    out.ssmDr = await drive(() => new SSMClient({ region: primary }).send(new GetParametersByPathCommand({ Path: "/payments-dr/dev/dr" })));
    out.ssmTop = await drive(() => new SSMClient({ region: primary }).send(new GetParametersByPathCommand({ Path: "/payments-dr/dev" })));

    const sfn = new SFNClient({ region: secondary });
    const started = (await drive(() =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: drMachine(deployment, secondary).arn,
          name: "probe",
          input: JSON.stringify({ mode: "dry-run", checkMode: "drill", requestedBy: "test" }),
        }),
      ),
    )) as { executionArn: string };
    await clock.advanceUntil(() => world.sfn.describe(secondary, started.executionArn).status !== "RUNNING", 60_000);
    out.executionArn = started.executionArn;
    out.described = world.sfn.describe(secondary, started.executionArn).status;
    out.list = await drive(() =>
      sfn.send(
        new ListExecutionsCommand({ stateMachineArn: drMachine(deployment, secondary).arn, statusFilter: out.described as "SUCCEEDED" }),
      ),
    );
    out.listExpress = await drive(() => sfn.send(new ListExecutionsCommand({ stateMachineArn: tickerMachine(deployment, secondary).arn })));
    out.history = await drive(() => sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn })));
    const reversed: unknown[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await drive(() =>
        sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: started.executionArn,
            reverseOrder: true,
            maxResults: 7,
            includeExecutionData: false,
            nextToken,
          }),
        ),
      )) as { events: unknown[]; nextToken?: string };
      reversed.push(page);
      nextToken = page.nextToken;
    } while (nextToken);
    out.historyReversed = reversed;

    // A .waitForTaskToken step: waiting (TaskSubmitted), then answered with SendTaskFailure.
    const approvalRun = (await drive(() =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: drMachine(deployment, secondary).arn,
          name: "probe-approval",
          input: JSON.stringify({ mode: "failover", targetRegion: secondary, requireApproval: true, requestedBy: "test" }),
        }),
      ),
    )) as { executionArn: string };
    await clock.advanceUntil(() => world.sfn.pendingTokens().length > 0, 60_000);
    out.approvalWaiting = await drive(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: approvalRun.executionArn, reverseOrder: true, maxResults: 3 })),
    );
    await drive(() =>
      sfn.send(new SendTaskFailureCommand({ taskToken: world.sfn.pendingTokens()[0], error: "ApprovalRejectedError", cause: "not now" })),
    );
    await clock.advanceUntil(() => world.sfn.describe(secondary, approvalRun.executionArn).status !== "RUNNING", 60_000);
    out.approvalAnswered = await drive(() => sfn.send(new GetExecutionHistoryCommand({ executionArn: approvalRun.executionArn })));

    const bucket = deployment.buckets.find((b) => b.region === secondary && b.name.startsWith("dr-evidence"))?.name;
    const s3 = new S3Client({ region: secondary });
    out.s3Put = await drive(() =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "reports/x/report.json", Body: '{"a":1}', ContentType: "application/json" })),
    );
    const got = (await drive(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: "reports/x/report.json" })))) as {
      Body?: { transformToString(): Promise<string> };
    };
    out.s3Get = { ...got, Body: await got.Body?.transformToString() };
    out.s3Missing = await drive(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: "reports/none/report.json" })));

    const resolver = new Resolver();
    resolver.setServers(deployment.zone.nameServers.map((_, i) => nameServerAddress(i)));
    out.dnsA = await drive(() => resolver.resolve4(deployment.failoverName));
    out.dnsTxt = await drive(() => resolver.resolveTxt(deployment.witnessName));

    const check = (ref: string) => deployment.healthChecks.find((c) => c.referenceName === ref)?.id as string;
    const route53 = new Route53Client({ region: primary });
    const status = (ref: string, client = route53) =>
      drive(() => client.send(new GetHealthCheckStatusCommand({ HealthCheckId: ref === "nope" ? "nope" : check(ref) })));
    out.r53Healthy = await status("secondary-api-health");
    out.r53Fence = await status("primary-fence");
    out.r53Calculated = await status("primary-guard");
    out.r53Unknown = await status("nope");

    world.outage(secondary);
    await clock.advance(90_000);
    out.r53Down = await status("secondary-api-health");
    const names = deployment.alarms.filter((a) => a.region === primary).map((a) => a.name);
    const cw = new CloudWatchClient({ region: primary });
    out.alarmsInAlarm = await drive(() => cw.send(new DescribeAlarmsCommand({ AlarmNames: names, StateValue: "ALARM" })));
    const first = (await drive(() => cw.send(new DescribeAlarmsCommand({ AlarmNames: names, MaxRecords: 5 })))) as { NextToken?: string };
    out.alarmsPages = [
      first,
      await drive(() => cw.send(new DescribeAlarmsCommand({ AlarmNames: names, MaxRecords: 5, NextToken: first.NextToken }))),
    ];
    world.recover(secondary);
    world.outage(primary);
    // Route 53's API endpoint is in us-east-1, whatever region the client names.
    out.r53PrimaryDown = [
      await status("secondary-api-health"),
      await status("secondary-api-health", new Route53Client({ region: secondary })),
    ];
  } finally {
    session.dispose();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
