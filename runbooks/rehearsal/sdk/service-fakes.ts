/**
 * The other services the handlers call, as SDK fakes: SQS, S3, SNS, SSM, CloudWatch
 * (PutMetricData, DescribeAlarms by name), Step Functions, STS and Lambda's function configuration. Each command reaches
 * the simulated service of the client's region; commands not listed here throw.
 */
import * as cw from "@aws-sdk/client-cloudwatch";
import * as lambda from "@aws-sdk/client-lambda";
import * as s3 from "@aws-sdk/client-s3";
import * as sfn from "@aws-sdk/client-sfn";
import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import * as ssm from "@aws-sdk/client-ssm";
import * as sts from "@aws-sdk/client-sts";
import { ServiceError } from "../aws/small-services";
import type { SdkBackend } from "./backend";
import { installDynamoDbFakes } from "./dynamodb-fake";
import { installFake } from "./plumbing";

type M = Record<string, unknown>;
type Input = Record<string, any>;

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  throw new Error("The rehearsal's S3 takes string or byte bodies only");
}

function queueIn(b: SdkBackend, region: string, url: string) {
  return b.sqs.queue(url, region).url;
}

export function installSdkFakes(backend: () => SdkBackend): void {
  const b = backend;
  installDynamoDbFakes(backend);

  installFake(
    {
      service: "sqs",
      module: sqs as unknown as M,
      client: sqs.SQSClient,
      commands: [
        [sqs.SendMessageCommand, (i: Input, info) => ({ MessageId: b().sqs.send(queueIn(b(), info.region, i.QueueUrl), i.MessageBody, i.MessageAttributes) })],
        [
          sqs.SendMessageBatchCommand,
          (i: Input, info) => {
            const url = queueIn(b(), info.region, i.QueueUrl);
            return { Successful: (i.Entries as Input[]).map((e) => ({ Id: e.Id, MessageId: b().sqs.send(url, e.MessageBody, e.MessageAttributes), MD5OfMessageBody: "" })), Failed: [] };
          },
        ],
        [
          sqs.ReceiveMessageCommand,
          (i: Input, info) => ({
            Messages: b()
              .sqs.receive(queueIn(b(), info.region, i.QueueUrl), i.MaxNumberOfMessages ?? 1, i.VisibilityTimeout)
              .map((m) => ({ MessageId: m.messageId, ReceiptHandle: m.receiptHandle, Body: m.body, MessageAttributes: m.attributes, Attributes: { ApproximateReceiveCount: String(m.receiveCount) } })),
          }),
        ],
        [sqs.DeleteMessageCommand, (i: Input, info) => (b().sqs.delete(queueIn(b(), info.region, i.QueueUrl), i.ReceiptHandle), {})],
        [
          sqs.DeleteMessageBatchCommand,
          (i: Input, info) => {
            const url = queueIn(b(), info.region, i.QueueUrl);
            for (const e of i.Entries as Input[]) b().sqs.delete(url, e.ReceiptHandle);
            return { Successful: (i.Entries as Input[]).map((e) => ({ Id: e.Id })), Failed: [] };
          },
        ],
        [
          sqs.GetQueueAttributesCommand,
          (i: Input, info) => {
            const a = b().sqs.attributes(queueIn(b(), info.region, i.QueueUrl));
            return { Attributes: { ApproximateNumberOfMessages: String(a.visible), ApproximateNumberOfMessagesNotVisible: String(a.inFlight) } };
          },
        ],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "s3",
      module: s3 as unknown as M,
      client: s3.S3Client,
      commands: [
        [s3.PutObjectCommand, (i: Input, info) => (b().s3.put(info.region, i.Bucket, i.Key, bodyText(i.Body), { ifNoneMatch: i.IfNoneMatch, contentType: i.ContentType }), { ETag: '"rehearsal"' })],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "sns",
      module: sns as unknown as M,
      client: sns.SNSClient,
      commands: [
        [
          sns.PublishCommand,
          (i: Input, info) => {
            const attributes = Object.fromEntries(Object.entries((i.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [k, v.StringValue ?? ""]));
            return { MessageId: b().sns.publish(info.region, i.TopicArn, i.Message, i.Subject, attributes) };
          },
        ],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "ssm",
      module: ssm as unknown as M,
      client: ssm.SSMClient,
      commands: [
        [ssm.GetParameterCommand, (i: Input, info) => ({ Parameter: { Name: i.Name, Value: b().ssm.get(info.region, i.Name), Type: "String" } })],
        [
          ssm.GetParametersByPathCommand,
          (i: Input, info) => ({ Parameters: b().ssm.byPath(info.region, i.Path).map((p) => ({ Name: p.name, Value: p.value, Type: "String" })) }),
        ],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "cloudwatch",
      module: cw as unknown as M,
      client: cw.CloudWatchClient,
      commands: [
        [
          cw.PutMetricDataCommand,
          (i: Input, info) => {
            if (!i.Namespace || String(i.Namespace).startsWith("AWS/")) throw new ServiceError("InvalidParameterValue", `Namespace ${i.Namespace} is reserved or missing`, 400);
            for (const d of (i.MetricData ?? []) as Input[]) {
              if (d.Value === undefined) throw new Error("The rehearsal's CloudWatch takes single Value datapoints only");
              const dims = Object.fromEntries(((d.Dimensions ?? []) as { Name: string; Value: string }[]).map((x) => [x.Name, x.Value]));
              const t = d.Timestamp instanceof Date ? d.Timestamp.getTime() : b().now();
              b().metrics.put(info.region, i.Namespace, d.MetricName, dims, Number(d.Value), t);
            }
            return {};
          },
        ],
        [
          cw.DescribeAlarmsCommand,
          (i: Input, info) => {
            // By name only: the one query the runbooks make (check-fence-alarm). Anything else is not simulated.
            const names = (i.AlarmNames ?? []) as string[];
            if (names.length === 0 || i.AlarmNamePrefix || i.StateValue || i.ActionPrefix || i.ChildrenOfAlarmName || i.ParentsOfAlarmName) {
              throw new Error("The rehearsal's DescribeAlarms takes AlarmNames (and AlarmTypes) only");
            }
            const wantsMetricAlarms = !i.AlarmTypes || (i.AlarmTypes as string[]).includes("MetricAlarm");
            const found = wantsMetricAlarms ? b().alarms.describe(info.region, names) : [];
            return {
              MetricAlarms: found.map((d) => ({
                AlarmName: d.alarm.name,
                AlarmArn: d.alarm.arn,
                StateValue: d.state,
                StateReason: d.reason,
                ...(d.updatedAt !== null ? { StateUpdatedTimestamp: new Date(d.updatedAt) } : {}),
                ...(d.alarm.metric ? { Namespace: d.alarm.metric.namespace, MetricName: d.alarm.metric.metricName, Statistic: d.alarm.metric.statistic } : {}),
                Period: d.alarm.periodSeconds,
                EvaluationPeriods: d.alarm.evaluationPeriods,
                Threshold: d.alarm.threshold,
                ComparisonOperator: d.alarm.comparison,
                TreatMissingData: d.alarm.treatMissingData,
              })),
              CompositeAlarms: [],
            };
          },
        ],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "sfn",
      module: sfn as unknown as M,
      client: sfn.SFNClient,
      commands: [
        [
          sfn.StartExecutionCommand,
          (i: Input, info) => {
            const e = b().sfn.start(info.region, i.stateMachineArn, i.name, i.input ?? "{}");
            return { executionArn: e.executionArn, startDate: new Date(e.startDate) };
          },
        ],
        [
          sfn.DescribeExecutionCommand,
          (i: Input, info) => {
            const e = b().sfn.describe(info.region, i.executionArn);
            return {
              executionArn: e.executionArn,
              stateMachineArn: e.stateMachineArn,
              name: e.name,
              status: e.status,
              startDate: new Date(e.startDate),
              ...(e.stopDate !== undefined ? { stopDate: new Date(e.stopDate) } : {}),
              input: e.input,
              ...(e.output !== undefined ? { output: e.output } : {}),
              ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
            };
          },
        ],
        [sfn.SendTaskSuccessCommand, (i: Input, info) => (b().sfn.sendTaskSuccess(info.region, i.taskToken, i.output), {})],
        [sfn.SendTaskFailureCommand, (i: Input, info) => (b().sfn.sendTaskFailure(info.region, i.taskToken, i.error, i.cause), {})],
        [sfn.SendTaskHeartbeatCommand, (i: Input, info) => (b().sfn.sendTaskHeartbeat(info.region, i.taskToken), {})],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "sts",
      module: sts as unknown as M,
      client: sts.STSClient,
      commands: [
        [
          sts.AssumeRoleCommand,
          (i: Input) => {
            if (i.RoleArn !== b().deployment.drOperationsRoleArn) throw new ServiceError("AccessDenied", `Not authorized to assume ${i.RoleArn} (the rehearsal trusts the DR operations role only)`, 403);
            const expiration = new Date(b().now() + (i.DurationSeconds ?? 3600) * 1000);
            return { Credentials: { AccessKeyId: "ASIAREHEARSAL", SecretAccessKey: "rehearsal", SessionToken: `session-${i.RoleSessionName}`, Expiration: expiration } };
          },
        ],
        [sts.GetCallerIdentityCommand, () => ({ Account: b().deployment.accountId, Arn: `arn:aws:sts::${b().deployment.accountId}:assumed-role/rehearsal`, UserId: "REHEARSAL" })],
      ],
    },
    backend,
  );

  installFake(
    {
      service: "lambda",
      module: lambda as unknown as M,
      client: lambda.LambdaClient,
      commands: [
        [lambda.GetFunctionConcurrencyCommand, (i: Input, info) => {
          const r = b().lambda.getReserved(info.region, i.FunctionName);
          return r === null ? {} : { ReservedConcurrentExecutions: r };
        }],
        [lambda.PutFunctionConcurrencyCommand, (i: Input, info) => (b().lambda.setReserved(info.region, i.FunctionName, i.ReservedConcurrentExecutions), { ReservedConcurrentExecutions: i.ReservedConcurrentExecutions })],
        [lambda.DeleteFunctionConcurrencyCommand, (i: Input, info) => (b().lambda.setReserved(info.region, i.FunctionName, null), {})],
        [lambda.TagResourceCommand, (i: Input, info) => (b().lambda.tag(info.region, i.Resource, i.Tags ?? {}), {})],
        [lambda.UntagResourceCommand, (i: Input, info) => (b().lambda.untag(info.region, i.Resource, i.TagKeys ?? []), {})],
        [lambda.ListTagsCommand, (i: Input, info) => ({ Tags: b().lambda.getTags(info.region, i.Resource) })],
      ],
    },
    backend,
  );
}
