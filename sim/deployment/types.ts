/**
 * The deployed configuration the rehearsal simulates, as typed data. Built from the offline
 * evaluation of the Pulumi program by deployment.ts; nothing in here is written by hand.
 */
import type { AslDefinition } from "../../state-machines/render";
import type { IamModel, PolicyDocument } from "./iam";

export interface FunctionSpec {
  /** Physical name, e.g. `create-payment-us-east-1-dev`. */
  name: string;
  arn: string;
  region: string;
  /** Handler folder (`functions/<handler>` or `runbooks/handlers/<handler>`), as the bundler maps it. */
  handler: string;
  /** Absolute path of the handler's index.ts. */
  modulePath: string;
  /** Exactly the environment the stack deploys. */
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Reserved concurrency as deployed; null = unreserved. */
  reservedConcurrency: number | null;
  /** The execution role: every AWS call the handler makes is authorized as this role (iam.ts). */
  roleArn: string;
  /** The subnets the function is attached to (vpcConfig), when it runs in the VPC. */
  subnetIds?: string[];
}

export interface MetricQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  periodSeconds: number;
}

export type Comparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
export type MissingData = "breaching" | "notBreaching" | "ignore" | "missing";

export interface AlarmDefinition {
  name: string;
  arn: string;
  region: string;
  /** Single-metric alarms. */
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic: string };
  /** Metric-math alarms: the returned expression over `metrics`. */
  math?: { expression: string; metrics: MetricQuery[] };
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: Comparison;
  treatMissingData: MissingData;
  alarmActions: string[];
  okActions: string[];
}

export interface EventTargetDefinition {
  arn: string;
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** Where EventBridge sends an event it cannot deliver. */
  deadLetterArn?: string;
}

export interface EventRuleDefinition {
  name: string;
  arn: string;
  region: string;
  pattern: Record<string, unknown>;
  targets: EventTargetDefinition[];
}

export type HealthCheckType = "HTTPS" | "HTTP" | "CLOUDWATCH_METRIC" | "CALCULATED";

export interface HealthCheckDefinition {
  id: string;
  referenceName: string;
  type: HealthCheckType;
  fqdn?: string;
  port?: number;
  path?: string;
  intervalSeconds?: number;
  failureThreshold?: number;
  alarm?: { name: string; region: string };
  insufficientDataHealthStatus?: "Healthy" | "Unhealthy" | "LastKnownStatus";
  children?: string[];
  childHealthThreshold?: number;
}

export interface DnsRecordDefinition {
  name: string;
  type: string;
  setIdentifier?: string;
  failover?: "PRIMARY" | "SECONDARY";
  healthCheckId?: string;
  /** TXT/CNAME values; for an alias, the alias target's DNS name. */
  values: string[];
  ttlSeconds?: number;
  alias: boolean;
  /** The region an alias points into (API Gateway regional domains name their region). */
  aliasRegion?: string;
}

export interface TableDefinition {
  name: string;
  hashKey: string;
  /** The table's region first, then its replicas. */
  regions: string[];
  streamEnabled: boolean;
  /** Multi-Region eventual (MREC, the default) or strong (MRSC) consistency, as the replicas declare it. */
  consistency: "EVENTUAL" | "STRONG";
  /** MRSC: the witness region (holds the replication log, serves no requests). */
  witness?: string;
  /** The regions whose replica has point-in-time recovery enabled (absent: none). */
  pointInTimeRecovery?: string[];
}

export interface QueueDefinition {
  name: string;
  url: string;
  arn: string;
  region: string;
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterArn: string; maxReceiveCount: number };
}

export interface EventSourceMappingDefinition {
  region: string;
  functionArn: string;
  sourceArn: string;
  kind: "sqs" | "dynamodb-stream";
  batchSize: number;
  /** Lambda event-filter patterns (a record passes if any pattern matches). */
  filters: Record<string, unknown>[];
  maximumRetryAttempts?: number;
  maximumConcurrency?: number;
  onFailureArn?: string;
  reportBatchItemFailures: boolean;
}

export interface ApiRoute {
  method: string;
  /** Resource path, e.g. `/payments/{id}`. */
  path: string;
  functionArn: string;
  timeoutMs: number;
}

export interface ApiDefinition {
  region: string;
  apiName: string;
  stageName: string;
  /** Custom domains mapped to the API (shared failover name and the region-pinned one). */
  domains: string[];
  routes: ApiRoute[];
}

export interface StateMachineDefinition {
  name: string;
  arn: string;
  region: string;
  type: "STANDARD" | "EXPRESS";
  definition: AslDefinition;
  /** The execution role (ExecutionStarted's roleArn), when the program names one. */
  roleArn?: string;
}

export interface ScheduleDefinition {
  name: string;
  region: string;
  rateSeconds: number;
  targetArn: string;
  input: string;
  /** The role EventBridge Scheduler assumes to start the target, and the schedule's group (the aws:SourceArn Scheduler sends). */
  roleArn: string;
  groupArn: string;
  /** Target.RetryPolicy: how often, and for how long, Scheduler retries a delivery that failed (scheduler/delivery.ts). */
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  /** Target.DeadLetterConfig.Arn: the SQS queue Scheduler sends a firing it could not deliver to, with the execution role. */
  deadLetterArn?: string;
}

/** A subnet of the stack's VPCs (FIS network actions target subnets by ARN). */
export interface SubnetDefinition {
  id: string;
  /** arn:aws:ec2:<region>:<account>:subnet/<id>, as AWS forms it. */
  arn: string;
  region: string;
  vpcId: string;
  /** The route table associated with the subnet (a gateway endpoint serves the subnets whose table routes to it). */
  routeTableId?: string;
}

/** A VPC endpoint as deployed (vpc-endpoints.ts): what a function in its VPC can reach, and what the endpoint policy lets through. */
export interface VpcEndpointDefinition {
  id: string;
  /** The region the endpoint (and its VPC) is in. */
  region: string;
  vpcId: string;
  /** `com.amazonaws.<region>.<service>`. */
  serviceName: string;
  /** The endpoint service's name (`dynamodb`, `monitoring`, ...). */
  service: string;
  /** The region whose service the endpoint reaches (from the service name; absent for a global service). */
  serviceRegion?: string;
  type: "Gateway" | "Interface";
  /** Gateway: the route tables that route the service's prefix list to the endpoint. */
  routeTableIds: string[];
  /** Interface: the subnets holding the endpoint's network interfaces. */
  subnetIds: string[];
  /** Interface: whether the service's default DNS name resolves to the endpoint inside the VPC. */
  privateDnsEnabled: boolean;
  /** The endpoint policy; absent means AWS's default (full access). */
  policy?: PolicyDocument;
}

/** An AWS FIS experiment template as deployed (sim/fis/ runs it); the fields of CreateExperimentTemplate. */
export interface ExperimentTemplateDefinition {
  id: string;
  region: string;
  description: string;
  roleArn: string;
  tags: Record<string, string>;
  targets: { name: string; resourceType: string; resourceArns: string[]; selectionMode: string }[];
  actions: { name: string; actionId: string; parameters: Record<string, string>; targets: Record<string, string>; startAfter: string[] }[];
  stopConditions: { source: string; value?: string }[];
  /** Where experiment logs go (a log group ARN ending in `:*`), if anywhere. */
  logGroupArn?: string;
  emptyTargetResolutionMode?: string;
}

export interface Deployment {
  stack: string;
  environment: string;
  accountId: string;
  primaryRegion: string;
  secondaryRegion: string;
  regions: [string, string];
  objectives: { rpoSeconds: number; rtoSeconds: number };
  zone: { name: string; id: string; nameServers: string[] };
  /** `api.<zone>`: the name clients resolve. */
  failoverName: string;
  /** `_region.api.<zone>`: the TXT witness the runbook confirms DNS with. */
  witnessName: string;
  functions: FunctionSpec[];
  stateMachines: StateMachineDefinition[];
  schedules: ScheduleDefinition[];
  alarms: AlarmDefinition[];
  eventRules: EventRuleDefinition[];
  healthChecks: HealthCheckDefinition[];
  records: DnsRecordDefinition[];
  tables: TableDefinition[];
  /** Items the stack writes at deployment (TableItem), in native form. */
  seedItems: { table: string; region: string; item: Record<string, unknown> }[];
  queues: QueueDefinition[];
  topics: { name: string; arn: string; region: string }[];
  buckets: { name: string; region: string; objectLock: boolean }[];
  parameters: { name: string; value: string; region: string }[];
  eventSourceMappings: EventSourceMappingDefinition[];
  asyncInvokeConfigs: { functionName: string; region: string; maximumRetryAttempts: number; maximumEventAgeSeconds: number }[];
  apis: ApiDefinition[];
  roleArns: string[];
  drOperationsRoleArn: string;
  /** The drill's AWS FIS experiment templates and the subnets they may target (absent in hand-built deployments). */
  experimentTemplates?: ExperimentTemplateDefinition[];
  subnets?: SubnetDefinition[];
  /** The VPC endpoints (absent in hand-built deployments: a function attached to a subnet then reaches nothing). */
  vpcEndpoints?: VpcEndpointDefinition[];
  /** The stack's IAM: roles, resource policies, KMS keys (what the simulated world authorizes calls against). */
  iam: IamModel;
}
