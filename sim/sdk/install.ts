/**
 * The other services the handlers and drctl call, as SDK fakes: SQS (sqs/sdk.ts), S3 (PutObject, GetObject),
 * SNS, SSM, CloudWatch (cloudwatch-fake.ts), Step Functions (sfn-fake.ts), Route 53's
 * GetHealthCheckStatus (route53-fake.ts), STS, Lambda's function configuration and account settings,
 * and what `drctl preflight` reads: ACM (acm/sdk.ts), AWS Backup (backup/sdk.ts) and EventBridge
 * Scheduler (scheduler/sdk.ts); and AWS FIS (fis/sdk.ts) for `drctl drill --experiment`. Each command
 * reaches the simulated service of the client's region; commands not listed here throw.
 */
import { Readable } from "node:stream";
import * as lambda from "@aws-sdk/client-lambda";
import * as s3 from "@aws-sdk/client-s3";
import * as sns from "@aws-sdk/client-sns";
import * as ssm from "@aws-sdk/client-ssm";
import * as sts from "@aws-sdk/client-sts";
import { currentCaller } from "../network";
import { ServiceError } from "../small-services";
import type { SdkBackend } from "./backend";
import { installAcmFake } from "../acm/sdk";
import { installBackupFake } from "../backup/sdk";
import { installCloudWatchFake } from "../cloudwatch/sdk";
import { installFisFake } from "../fis/sdk";
import { installDynamoDbFakes } from "../dynamodb/sdk";
import { installFake } from "./plumbing";
import { installRoute53Fake } from "../route53/sdk";
import { installSchedulerFake } from "../scheduler/sdk";
import { installSfnFake } from "../stepfunctions/sdk";
import { installSqsFake } from "../sqs/sdk";
import { getObject, getParametersByPath } from "./storage-fakes";

type M = Record<string, unknown>;
type Input = Record<string, any>;

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  throw new Error("The rehearsal's S3 takes string or byte bodies only");
}

export function installSdkFakes(backend: () => SdkBackend): void {
  const b = backend;
  installDynamoDbFakes(backend);

  installSqsFake(backend);

  installFake(
    {
      service: "s3",
      module: s3 as unknown as M,
      client: s3.S3Client,
      commands: [
        [
          s3.PutObjectCommand,
          (i: Input, info) => ({
            ETag: b().s3.put(info.region, i.Bucket, i.Key, bodyText(i.Body), { ifNoneMatch: i.IfNoneMatch, contentType: i.ContentType })
              .etag,
          }),
        ],
        [s3.GetObjectCommand, (i: Input, info) => getObject(b(), info.region, i, (bytes) => Readable.from([bytes]))],
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
            const attributes = Object.fromEntries(
              Object.entries((i.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [
                k,
                v.StringValue ?? "",
              ]),
            );
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
        [
          ssm.GetParameterCommand,
          (i: Input, info) => ({ Parameter: { Name: i.Name, Value: b().ssm.get(info.region, i.Name), Type: "String" } }),
        ],
        [ssm.GetParametersByPathCommand, (i: Input, info) => getParametersByPath(b(), info.region, i)],
      ],
    },
    backend,
  );

  installCloudWatchFake(backend);
  installSfnFake(backend);
  installRoute53Fake(backend);
  installAcmFake(backend);
  installBackupFake(backend);
  installSchedulerFake(backend);
  installFisFake(backend);

  installFake(
    {
      service: "sts",
      module: sts as unknown as M,
      client: sts.STSClient,
      commands: [
        [
          sts.AssumeRoleCommand,
          // IAM has already checked the caller's sts:AssumeRole permission and the role's trust policy (world.call).
          (i: Input) => {
            if (!b().iam.authorizer.role(i.RoleArn)) throw new ServiceError("NoSuchEntity", `The role ${i.RoleArn} does not exist`, 404);
            const session = b().iam.issueSession(i.RoleArn, i.RoleSessionName, i.DurationSeconds ?? 3600);
            return {
              Credentials: {
                AccessKeyId: session.accessKeyId,
                SecretAccessKey: "simulated",
                SessionToken: `session-${i.RoleSessionName}`,
                Expiration: session.expiration,
              },
              AssumedRoleUser: {
                Arn: `arn:aws:sts::${b().deployment.accountId}:assumed-role/${i.RoleArn.split("/").pop()}/${i.RoleSessionName}`,
              },
            };
          },
        ],
        [
          sts.GetCallerIdentityCommand,
          (_i: Input, info) => {
            const arn = b().iam.principalArn(b().iam.principal(info, currentCaller().functionName));
            return { Account: b().deployment.accountId, Arn: arn, UserId: arn.split("/").pop() };
          },
        ],
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
        [
          lambda.GetFunctionConcurrencyCommand,
          (i: Input, info) => {
            const r = b().lambda.getReserved(info.region, i.FunctionName);
            return r === null ? {} : { ReservedConcurrentExecutions: r };
          },
        ],
        [
          lambda.PutFunctionConcurrencyCommand,
          (i: Input, info) => (
            b().lambda.setReserved(info.region, i.FunctionName, i.ReservedConcurrentExecutions),
            { ReservedConcurrentExecutions: i.ReservedConcurrentExecutions }
          ),
        ],
        [lambda.DeleteFunctionConcurrencyCommand, (i: Input, info) => (b().lambda.setReserved(info.region, i.FunctionName, null), {})],
        [lambda.TagResourceCommand, (i: Input, info) => (b().lambda.tag(info.region, i.Resource, i.Tags ?? {}), {})],
        [lambda.UntagResourceCommand, (i: Input, info) => (b().lambda.untag(info.region, i.Resource, i.TagKeys ?? []), {})],
        [lambda.ListTagsCommand, (i: Input, info) => ({ Tags: b().lambda.getTags(info.region, i.Resource) })],
        [
          // https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html: the region's quota (account.ts) and
          // what is left of it unreserved after every function's reservation in the region.
          lambda.GetAccountSettingsCommand,
          (_i: Input, info) => {
            const functions = b().deployment.functions.filter((f) => f.region === info.region);
            const reserved = functions.reduce((sum, f) => sum + (b().lambda.reservedByArn(f.arn) ?? 0), 0);
            const quota = b().account.concurrencyQuota(info.region);
            return {
              AccountLimit: {
                ConcurrentExecutions: quota,
                UnreservedConcurrentExecutions: quota - reserved,
                CodeSizeUnzipped: 262_144_000,
                CodeSizeZipped: 52_428_800,
                TotalCodeSize: 80_530_636_800,
              },
              AccountUsage: { FunctionCount: functions.length, TotalCodeSize: 0 },
            };
          },
        ],
      ],
    },
    backend,
  );
}
