/**
 * What the SDK fakes call into: the simulated world, seen from one AWS call. The fakes know SDK
 * shapes; the backend knows regions, services and failure.
 */
import type { AlarmService } from "../cloudwatch/alarms";
import type { DynamoDbService } from "../dynamodb/model";
import type { MetricStore } from "../cloudwatch/metrics";
import type { LambdaControl, S3Service, SnsService, SsmService } from "../small-services";
import type { SqsService } from "../sqs/model";
import type { StepFunctionsService } from "../stepfunctions/model";
import type { Deployment } from "../deployment/types";
import type { Route53 } from "../route53/model";
import type { Iam } from "../iam/enforcement";
import type { Account } from "../account";

/** How the calling client is configured (what a real SDK would do on a dead endpoint depends on it). */
export interface ClientInfo {
  region: string;
  maxAttempts: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** The access key the client signs with (credentials from sts:AssumeRole map to a role session). */
  accessKeyId?: string;
}

export interface SdkBackend {
  deployment: Deployment;
  now(): number;
  /**
   * Runs one AWS call against `info.region`: network latency from the caller, and — when the
   * endpoint cannot be reached — the SDK's attempts timing out (then a TimeoutError).
   */
  call<T>(service: string, operation: string, info: ClientInfo, run: () => T, input?: Record<string, unknown>): Promise<T>;
  dynamodb: DynamoDbService;
  sqs: SqsService;
  s3: S3Service;
  sns: SnsService;
  ssm: SsmService;
  metrics: MetricStore;
  alarms: AlarmService;
  lambda: LambdaControl;
  sfn: StepFunctionsService;
  route53: Route53;
  iam: Iam;
  /** What belongs to the account rather than the stack (quotas, Backup settings, delegation, certificates). */
  account: Account;
}
