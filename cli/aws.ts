/**
 * drctl's AWS clients: one per service and region, each with connection/request timeouts and a
 * bounded number of attempts (the SDK's standard retry mode backs off on throttling), and every
 * call under drctl's own deadline so nothing can hang — not even credential resolution.
 *
 * Clients are ordinary SDK v3 clients, so aws-sdk-client-mock answers them in tests and in the
 * session recorder; a test tells regions apart with `await getClient().config.region()`.
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { BackupClient } from "@aws-sdk/client-backup";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { FisClient } from "@aws-sdk/client-fis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClient, CLI_CALL_TUNING, DOCUMENT_CLIENT_OPTIONS } from "../lib/aws-clients";
import { ControlTable } from "../lib/control-record";
import { awsCallError, CliError, deadlineError } from "./errors";

/** Per attempt: 2 s to connect, 5 s for the answer; 3 attempts (lib/aws-clients.ts). The whole call is bounded by the deadline. */
export { CLI_CALL_TUNING };

/**
 * Route 53's API (GetHealthCheckStatus) is served from us-east-1 only
 * (https://docs.aws.amazon.com/general/latest/gr/r53.html): when us-east-1 is down, health-check
 * status is unknown, which is exactly why the runbooks never depend on it.
 */
export const ROUTE53_API_REGION = "us-east-1";

interface Destroyable {
  destroy(): void;
}

export class AwsClients {
  private readonly cache = new Map<string, Destroyable>();

  constructor(private readonly settings: { callTimeoutMs: number; signal?: AbortSignal }) {}

  private get<T extends Destroyable>(key: string, create: () => T): T {
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = create();
      this.cache.set(key, client);
    }
    return client;
  }

  ssm(region: string): SSMClient {
    return this.get(`ssm:${region}`, () => awsClient(SSMClient, region, CLI_CALL_TUNING));
  }

  sfn(region: string): SFNClient {
    return this.get(`sfn:${region}`, () => awsClient(SFNClient, region, CLI_CALL_TUNING));
  }

  s3(region: string): S3Client {
    return this.get(`s3:${region}`, () => awsClient(S3Client, region, CLI_CALL_TUNING));
  }

  cloudwatch(region: string): CloudWatchClient {
    return this.get(`cloudwatch:${region}`, () => awsClient(CloudWatchClient, region, CLI_CALL_TUNING));
  }

  /** The clients `drctl preflight` adds: account identity, Lambda's account settings, AWS Backup, ACM, Scheduler. */
  sts(region: string): STSClient {
    return this.get(`sts:${region}`, () => awsClient(STSClient, region, CLI_CALL_TUNING));
  }

  lambda(region: string): LambdaClient {
    return this.get(`lambda:${region}`, () => awsClient(LambdaClient, region, CLI_CALL_TUNING));
  }

  backup(region: string): BackupClient {
    return this.get(`backup:${region}`, () => awsClient(BackupClient, region, CLI_CALL_TUNING));
  }

  acm(region: string): ACMClient {
    return this.get(`acm:${region}`, () => awsClient(ACMClient, region, CLI_CALL_TUNING));
  }

  scheduler(region: string): SchedulerClient {
    return this.get(`scheduler:${region}`, () => awsClient(SchedulerClient, region, CLI_CALL_TUNING));
  }

  /** `drctl drill --experiment`: the stack's AWS FIS experiment templates. */
  fis(region: string): FisClient {
    return this.get(`fis:${region}`, () => awsClient(FisClient, region, CLI_CALL_TUNING));
  }

  route53(): Route53Client {
    return this.get("route53", () => awsClient(Route53Client, ROUTE53_API_REGION, CLI_CALL_TUNING));
  }

  /** The control table's local replica in `region`, read through ControlTable (the one module that knows its items). */
  controlTable(region: string, tableName: string): ControlTable {
    const doc = this.get(`ddb:${region}`, () =>
      DynamoDBDocumentClient.from(awsClient(DynamoDBClient, region, CLI_CALL_TUNING), DOCUMENT_CLIENT_OPTIONS),
    );
    return new ControlTable(doc, tableName);
  }

  /**
   * Runs one AWS call under the deadline. `send` receives an AbortSignal for the SDK; the race
   * below still ends the wait if something ignores it. SDK errors become operator-facing CliErrors.
   */
  async call<T>(region: string, operation: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const outer = this.settings.signal;
    let timer: NodeJS.Timeout | undefined;
    let onOuterAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(deadlineError(region, operation, this.settings.callTimeoutMs / 1000));
      }, this.settings.callTimeoutMs);
      onOuterAbort = () => {
        controller.abort();
        reject(new CliError("interrupted", `interrupted during ${operation} in ${region}`));
      };
      if (outer?.aborted) onOuterAbort();
      else outer?.addEventListener("abort", onOuterAbort, { once: true });
    });
    try {
      return await Promise.race([send(controller.signal), stop]);
    } catch (error) {
      throw awsCallError(error, region, operation);
    } finally {
      clearTimeout(timer);
      if (onOuterAbort) outer?.removeEventListener("abort", onOuterAbort);
    }
  }

  /** Closes the clients' sockets so the process can exit at once. */
  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
