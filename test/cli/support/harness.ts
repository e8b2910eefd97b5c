/**
 * Runs drctl in-process (runCli) with captured streams, a fixed clock, an injected DNS resolver
 * and aws-sdk-client-mock answering every AWS client, per region.
 */
import { PassThrough } from "node:stream";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { runCli, type DnsResolver } from "../../../cli/main";
import { ENV, NOW, parameters } from "./fixtures";

export const ssm = mockClient(SSMClient);
export const sfn = mockClient(SFNClient);
export const ddb = mockClient(DynamoDBDocumentClient);
export const s3 = mockClient(S3Client);
export const cloudwatch = mockClient(CloudWatchClient);
export const route53 = mockClient(Route53Client);

export function resetMocks(): void {
  for (const m of [ssm, sfn, ddb, s3, cloudwatch, route53]) m.reset();
}

/** Every call any mocked client received. */
export function allCalls(): number {
  return [ssm, sfn, ddb, s3, cloudwatch, route53].reduce((n, m) => n + m.calls().length, 0);
}

type RegionalHandler = (input: never) => unknown;

/** A callsFake body that answers by the calling client's region. */
export function byRegion(handlers: Record<string, RegionalHandler>) {
  return async (input: never, getClient: () => { config: { region: () => Promise<string> } }) => {
    const region = await getClient().config.region();
    const handler = handlers[region];
    if (!handler) throw Object.assign(new Error(`no mock for ${region}`), { name: "TestMockMissing" });
    return handler(input);
  };
}

/** The SDK error an AWS service would return. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode } });
}

/** A connection error as Node reports an unreachable endpoint. */
export function networkError(host: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${host}`), { name: "Error", code: "ECONNREFUSED" });
}

/** SSM answers each region's parameters, 10 per page (GetParametersByPath's maximum). */
export function answerParameters(regions: Record<string, Record<string, string> | Error>): void {
  ssm.on(GetParametersByPathCommand).callsFake(
    byRegion(
      Object.fromEntries(
        Object.entries(regions).map(([region, values]) => [
          region,
          (input: { Path: string; NextToken?: string }) => {
            if (values instanceof Error) throw values;
            const all = Object.entries(values).map(([k, v]) => ({ Name: `${input.Path}${k}`, Value: v, Type: "String" }));
            const start = Number(input.NextToken ?? 0);
            const page = all.slice(start, start + 10);
            return { Parameters: page, NextToken: start + 10 < all.length ? String(start + 10) : undefined };
          },
        ]),
      ),
    ) as never,
  );
}

export function standardParameters(): void {
  answerParameters({ "us-east-1": parameters("us-east-1"), "us-east-2": parameters("us-east-2") });
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** A terminal on stdin that will answer with this text (undefined: no stdin at all). */
  tty?: string;
  /** stdin is a pipe (not a terminal) with this content. */
  pipe?: string;
  dns?: DnsResolver;
  stdoutIsTTY?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export const fixedDns = (answers: Record<string, string[] | Error>): DnsResolver => ({
  async resolve(name, type) {
    const a = answers[`${type} ${name}`];
    if (a === undefined) throw new Error(`queryTxt ENOTFOUND ${name}`);
    if (a instanceof Error) throw a;
    return a;
  },
});

export async function drctl(argv: string[], options: RunOptions = {}): Promise<RunOutput> {
  let stdout = "";
  let stderr = "";
  let stdin: (PassThrough & { isTTY?: boolean }) | undefined;
  if (options.tty !== undefined || options.pipe !== undefined) {
    stdin = new PassThrough();
    stdin.isTTY = options.tty !== undefined;
    stdin.end(options.tty ?? options.pipe);
  }
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.stdoutIsTTY ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin,
    env: { DRCTL_ENV: ENV, USER: "alice", DRCTL_POLL_SECONDS: "0", ...options.env },
    now: options.now ?? (() => NOW),
    sleep: options.sleep ?? (async () => undefined),
    signal: options.signal,
    dns: options.dns ?? fixedDns({}),
  });
  return { code, stdout, stderr };
}

/** Step Functions accepts every StartExecution, answering the execution ARN it would create. */
export function acceptStartExecution(): void {
  sfn.on(StartExecutionCommand).callsFake((input: { name: string; stateMachineArn: string }) => ({
    executionArn: `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${input.name}`,
    startDate: new Date(NOW),
  }));
}
