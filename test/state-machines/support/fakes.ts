/**
 * AWS SDK fakes over the World, installed with aws-sdk-client-mock. Required INSIDE each
 * region's jest.isolateModules sandbox (see harness.ts), so the classes mocked here are the very
 * classes that region's handler modules use. Every fake asks the client for its region
 * (`await getClient().config.region()`), which is how a cross-region client built from the DR
 * operations role reaches the peer's side of the World.
 */
import { mockClient } from "aws-sdk-client-mock";
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { ConditionalCheckFailedException, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ACCOUNT, CONTROL_TABLE, FENCE_ALARM_NAME, SECONDARY, type Item, type World } from "./world";

export interface ExecutionRecord {
  executionArn: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

export interface FakeContext {
  world(): World;
  /** Runs an execution of `region`'s machine; resolves when it has finished. undefined = name taken. */
  startExecution(region: string, name: string, input: unknown): Promise<ExecutionRecord | undefined>;
  describeExecution(executionArn: string): ExecutionRecord | undefined;
}

type GetClient = () => { config: { region: unknown } };
async function regionOf(getClient: GetClient): Promise<string> {
  const r = getClient().config.region;
  return typeof r === "function" ? await (r as () => Promise<string>)() : (r as string);
}

function failCondition(): never {
  throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
}

/** The condition expressions control-record.ts sends, evaluated against the current item. */
function conditionHolds(expression: string | undefined, current: Item | undefined, values: Record<string, unknown> = {}): boolean {
  switch (expression) {
    case undefined:
      return true;
    case "attribute_not_exists(pk)":
      return current === undefined;
    case "epoch = :expected":
      return current !== undefined && current.epoch === values[":expected"];
    case "attribute_not_exists(pk) OR expiresAt < :nowSeconds OR holder = :holder":
      return (
        current === undefined || (current.expiresAt as number) < (values[":nowSeconds"] as number) || current.holder === values[":holder"]
      );
    case "holder = :holder":
      return current !== undefined && current.holder === values[":holder"];
    default:
      throw new Error(`The test World does not understand the condition ${JSON.stringify(expression)}`);
  }
}

/** `SET a = :x, b = if_not_exists(b, :zero) + :one` — the two forms recordProbe uses. */
function applyUpdate(expression: string, current: Item | undefined, key: string, values: Record<string, unknown>): Item {
  if (!expression.startsWith("SET ")) throw new Error(`The test World does not understand the update ${expression}`);
  const next: Item = { ...(current ?? {}), pk: key };
  for (const assignment of expression.slice(4).split(/,\s*/)) {
    const [name, expr] = assignment.split(/\s*=\s*/);
    const plain = /^:(\w+)$/.exec(expr);
    const counter = /^if_not_exists\((\w+),\s*(:\w+)\)\s*\+\s*(:\w+)$/.exec(expr);
    if (plain) next[name] = values[expr];
    else if (counter)
      next[name] = ((current?.[counter[1]] as number | undefined) ?? (values[counter[2]] as number)) + (values[counter[3]] as number);
    else throw new Error(`The test World does not understand the update ${expression}`);
  }
  return next;
}

function describeItem(item: Item | undefined, key: string): string {
  if (!item) return `${key} deleted`;
  if (key.startsWith("region#")) return `${item.region} ${item.state} epoch ${item.epoch}`;
  if (key === "lease") return `lease ${item.holder}`;
  return key;
}

export function installFakes(ctx: FakeContext): void {
  const w = () => ctx.world();

  const doc = mockClient(DynamoDBDocumentClient);
  doc.on(GetCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    if (input.TableName !== CONTROL_TABLE) throw new Error(`unexpected table ${input.TableName}`);
    w().call(region, "dynamodb", "get", input.Key.pk);
    const item = w().item(region, input.Key.pk);
    return { Item: item ? structuredClone(item) : undefined };
  });
  doc.on(PutCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "dynamodb", "put", input.Item.pk);
    if (!conditionHolds(input.ConditionExpression, w().item(region, input.Item.pk), input.ExpressionAttributeValues)) failCondition();
    const item = JSON.parse(JSON.stringify(input.Item)) as Item;
    w().write(region, item.pk, item);
    w().effect(item.pk === "lease" ? "lease-acquired" : item.pk.split("#")[0], region, describeItem(item, item.pk));
    return {};
  });
  doc.on(UpdateCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "dynamodb", "update", input.Key.pk);
    const next = applyUpdate(input.UpdateExpression, w().item(region, input.Key.pk), input.Key.pk, input.ExpressionAttributeValues ?? {});
    w().write(region, next.pk, next);
    return {};
  });
  doc.on(DeleteCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "dynamodb", "delete", input.Key.pk);
    if (!conditionHolds(input.ConditionExpression, w().item(region, input.Key.pk), input.ExpressionAttributeValues)) failCondition();
    w().write(region, input.Key.pk, undefined);
    w().effect(input.Key.pk === "lease" ? "lease-released" : "delete", region, input.Key.pk);
    return {};
  });

  mockClient(DynamoDBClient)
    .on(DescribeTableCommand)
    .callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      w().call(region, "dynamodb", "describe-table", input.TableName);
      const t = w().tableStatus.get(region)?.get(input.TableName);
      if (!t) throw Object.assign(new Error(`Table ${input.TableName} not found`), { name: "ResourceNotFoundException" });
      w().effect("describe-table", region, `${input.TableName} ${t.status}`);
      return {
        Table: {
          TableName: input.TableName,
          TableStatus: t.status,
          Replicas: Object.entries(t.replicas).map(([RegionName, ReplicaStatus]) => ({ RegionName, ReplicaStatus })),
        },
      };
    });

  const cloudwatch = mockClient(CloudWatchClient);
  cloudwatch.on(PutMetricDataCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "cloudwatch", "put-metric-data");
    for (const d of input.MetricData ?? []) {
      const dimensions = Object.fromEntries((d.Dimensions ?? []).map((x: { Name: string; Value: string }) => [x.Name, x.Value]));
      w().metrics.push({ region, name: d.MetricName, value: d.Value, dimensions, storageResolution: d.StorageResolution });
      if (region === SECONDARY && d.MetricName === "PrimaryFenced") w().fenceAlarmChecksSinceDatum = 0;
      w().effect("metric", region, `${d.MetricName}=${d.Value}`);
    }
    return {};
  });
  // Only the fence alarm exists in this world, in the secondary; any other name or region finds nothing.
  cloudwatch.on(DescribeAlarmsCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "cloudwatch", "describe-alarms", input.AlarmNames);
    const found = region === SECONDARY && w().fenceAlarmExists && (input.AlarmNames ?? []).includes(FENCE_ALARM_NAME);
    if (!found) return { MetricAlarms: [], CompositeAlarms: [] };
    const state = w().fenceAlarmState();
    w().fenceAlarmChecksSinceDatum += 1;
    w().effect("fence-alarm", region, state);
    return {
      MetricAlarms: [
        {
          AlarmName: FENCE_ALARM_NAME,
          AlarmArn: `arn:aws:cloudwatch:${SECONDARY}:${ACCOUNT}:alarm:${FENCE_ALARM_NAME}`,
          StateValue: state,
          StateReason: `test world: PrimaryFenced → ${state}`,
          StateUpdatedTimestamp: new Date(),
          Namespace: "PaymentsDR",
          MetricName: "PrimaryFenced",
        },
      ],
    };
  });

  mockClient(SNSClient)
    .on(PublishCommand)
    .callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      w().call(region, "sns", "publish", input.Subject);
      const attributes = Object.fromEntries(
        Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, (v as { StringValue: string }).StringValue]),
      );
      w().notifications.push({ region, topicArn: input.TopicArn, subject: input.Subject, message: input.Message, attributes });
      w().effect("notify", region, `${attributes.event ?? ""}: ${input.Subject}`);
      return { MessageId: `msg-${w().notifications.length}` };
    });

  mockClient(S3Client)
    .on(PutObjectCommand)
    .callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      w().call(region, "s3", "put-object", input.Key);
      w().objects.set(`${region}/${input.Bucket}/${input.Key}`, String(input.Body));
      w().effect("report", region, input.Key);
      return {};
    });

  const lambda = mockClient(LambdaClient);
  const fnArn = (nameOrArn: string, region: string) =>
    nameOrArn.startsWith("arn:") ? nameOrArn : `arn:aws:lambda:${region}:123456789012:function:${nameOrArn}`;
  lambda.on(GetFunctionConcurrencyCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "get-function-concurrency", input.FunctionName);
    return { ReservedConcurrentExecutions: w().concurrency.get(fnArn(input.FunctionName, region)) };
  });
  lambda.on(PutFunctionConcurrencyCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "put-function-concurrency", input.FunctionName);
    w().concurrency.set(fnArn(input.FunctionName, region), input.ReservedConcurrentExecutions);
    w().effect("write-function", region, `reserved concurrency ${input.ReservedConcurrentExecutions}`);
    return { ReservedConcurrentExecutions: input.ReservedConcurrentExecutions };
  });
  lambda.on(DeleteFunctionConcurrencyCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "delete-function-concurrency", input.FunctionName);
    w().concurrency.set(fnArn(input.FunctionName, region), undefined);
    w().effect("write-function", region, "unreserved");
    return {};
  });
  lambda.on(TagResourceCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "tag-resource", input.Resource);
    w().tags.set(input.Resource, { ...(w().tags.get(input.Resource) ?? {}), ...input.Tags });
    return {};
  });
  lambda.on(UntagResourceCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "untag-resource", input.Resource);
    const tags = { ...(w().tags.get(input.Resource) ?? {}) };
    for (const k of input.TagKeys ?? []) delete tags[k];
    w().tags.set(input.Resource, tags);
    return {};
  });
  lambda.on(ListTagsCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "lambda", "list-tags", input.Resource);
    return { Tags: { ...(w().tags.get(input.Resource) ?? {}) } };
  });

  const sfn = mockClient(SFNClient);
  sfn.on(StartExecutionCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "sfn", "start-execution", input.name);
    w().effect("start-execution", region, input.name);
    const record = await ctx.startExecution(region, input.name, JSON.parse(input.input));
    if (!record) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.name}'`, $metadata: {} });
    return { executionArn: record.executionArn, startDate: record.startDate };
  });
  sfn.on(DescribeExecutionCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    w().call(region, "sfn", "describe-execution", input.executionArn);
    const record = ctx.describeExecution(input.executionArn);
    if (!record) throw Object.assign(new Error(`Execution does not exist: '${input.executionArn}'`), { name: "ExecutionDoesNotExist" });
    return { ...record };
  });

  mockClient(STSClient)
    .on(AssumeRoleCommand)
    .resolves({
      Credentials: { AccessKeyId: "ASIA", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date(Date.now() + 3600_000) },
    });
}
