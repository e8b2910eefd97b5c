/**
 * What one SDK call asks IAM for: the action and the resource ARN (from the Service
 * Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/),
 * the context keys AWS sends with it, and the KMS requests SSE-KMS makes with the caller's
 * credentials when the queue, topic or bucket is encrypted with a customer managed key:
 * - SQS: a producer needs kms:GenerateDataKey and kms:Decrypt, a consumer kms:Decrypt
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 * - SNS: a publisher needs kms:GenerateDataKey* and kms:Decrypt
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html);
 * - S3: PutObject needs kms:GenerateDataKey, GetObject kms:Decrypt
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
 * Each KMS request carries kms:ViaService of the calling service and the encryption context the
 * service always sends: aws:sqs:arn (the queue), aws:sns:topicArn (the topic), aws:s3:arn (the bucket,
 * with S3 Bucket Keys) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context.
 */

/** The encryption context key each service puts in its KMS requests, naming the resource. */
export const KMS_CONTEXT_KEY: Record<string, string> = {
  sqs: "kms:EncryptionContext:aws:sqs:arn",
  sns: "kms:EncryptionContext:aws:sns:topicArn",
  s3: "kms:EncryptionContext:aws:s3:arn",
};

/** What KMS sees when `service` (sqs, sns, s3) uses the key for `resourceArn` in `region`. */
export function kmsContext(service: string, resourceArn: string, region: string): Record<string, string> {
  return { "kms:ViaService": `${service}.${region}.amazonaws.com`, [KMS_CONTEXT_KEY[service]]: resourceArn };
}

/** What a restore writes into its target table (backuprestore_IAM.html's example policy). */
const RESTORE_TARGET_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:BatchWriteItem",
];

/** A transaction's actions and the IAM action each is authorized as. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** A KMS request the service makes for the caller (its denial surfaces as the service's KMS error). */
  kms?: boolean;
}

export interface CallFacts {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  /** The region whose endpoint serves the call. */
  region: string;
  accountId: string;
  /** The KMS key of an encrypted queue/topic/bucket ARN. */
  keyOf(resourceArn: string): string | undefined;
  /** A queue URL's ARN. */
  queueArn(url: string): string;
  /** A function name or ARN in `region`, as an ARN. */
  functionArn(nameOrArn: string): string;
  /** A DynamoDB table's partition key attribute (undefined for a table the deployment does not define). */
  hashKeyOf(tableName: string): string | undefined;
}

/** The item operations that name one item by its key (or, for PutItem, carry it). */
const ITEM_OPERATIONS = new Set(["GetItem", "PutItem", "UpdateItem", "DeleteItem"]);

/**
 * `dynamodb:LeadingKeys`: the partition key values a request names, as AWS puts them in the request
 * context ("Represents the first key attribute of a table — in other words, the partition key. The
 * key name LeadingKeys is plural, even if the key is used with single-item actions", with the
 * ForAllValues modifier: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
 * Without it a policy's `ForAllValues:...` condition on LeadingKeys holds vacuously, so every item
 * of the table was allowed: kinder than AWS. A Scan names no partition key, and gets none, as on AWS.
 * The key or item is in the SDK's wire form (`{ S: "lease" }`) or, through the document client,
 * native; both give the same string.
 */
function leadingKeys(hashKey: string | undefined, keyOrItem: unknown): Record<string, string[]> {
  if (!hashKey || !keyOrItem || typeof keyOrItem !== "object") return {};
  const value = (keyOrItem as Record<string, unknown>)[hashKey];
  if (value === undefined) return {};
  const scalar = value && typeof value === "object" ? Object.values(value as Record<string, unknown>)[0] : value;
  return { "dynamodb:LeadingKeys": [String(scalar)] };
}

/** Batch operations are authorized as their single-item action. */
const SQS_ACTIONS: Record<string, string> = { SendMessageBatch: "SendMessage", DeleteMessageBatch: "DeleteMessage" };

/** Calls AWS serves without any IAM permission. */
const UNAUTHORIZED_OPERATIONS = new Set(["sts:GetCallerIdentity"]);

export function iamRequests(c: CallFacts): IamRequest[] {
  const { service, operation, input, region, accountId } = c;
  if (UNAUTHORIZED_OPERATIONS.has(`${service}:${operation}`)) return [];
  const kms = (resourceArn: string, actions: string[], via: string): IamRequest[] => {
    const key = c.keyOf(resourceArn);
    return key ? actions.map((action) => ({ action, resource: key, context: kmsContext(via, resourceArn, region), kms: true })) : [];
  };
  switch (service) {
    case "dynamodb": {
      const table = (name: unknown) => `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      if (operation === "RestoreTableToPointInTime") {
        // "DynamoDB RestoreTableToPointInTime permissions are necessary on the source table, and
        // DynamoDB read and write permissions on the target table are necessary for restore
        // functionality" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/backuprestore_IAM.html);
        // the Service Authorization Reference lists these as the action's dependent actions. The
        // harsher reading: every one of them is checked on the target.
        const source = typeof input.SourceTableArn === "string" ? input.SourceTableArn : table(input.SourceTableName);
        return [
          { action: "dynamodb:RestoreTableToPointInTime", resource: source },
          ...RESTORE_TARGET_ACTIONS.map((action) => ({ action, resource: table(input.TargetTableName) })),
        ];
      }
      if (operation === "TransactWriteItems") {
        // No IAM action of its own: "Permissions for Put, Update, Delete, and Get actions are
        // governed by the permissions used for the underlying PutItem, UpdateItem, DeleteItem, and
        // GetItem operations. For the ConditionCheck action, you can use the
        // dynamodb:ConditionCheckItem permission", each with dynamodb:EnclosingOperation set
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
        // One request per action, every one of which must be allowed.
        const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Record<string, Record<string, unknown>>[]) : [];
        return items.flatMap((entry) =>
          Object.entries(TRANSACT_ACTIONS).flatMap(([kind, action]) => {
            const part = entry[kind];
            if (!part) return [];
            const keys = leadingKeys(c.hashKeyOf(String(part.TableName)), part.Key ?? part.Item);
            return [{ action, resource: table(part.TableName), context: { "dynamodb:EnclosingOperation": operation, ...keys } }];
          }),
        );
      }
      if (ITEM_OPERATIONS.has(operation)) {
        const keys = leadingKeys(c.hashKeyOf(String(input.TableName)), input.Key ?? input.Item);
        return [{ action: `dynamodb:${operation}`, resource: table(input.TableName), context: keys }];
      }
      return [{ action: `dynamodb:${operation}`, resource: table(input.TableName) }];
    }
    case "sqs": {
      const arn = c.queueArn(String(input.QueueUrl));
      const action = `sqs:${SQS_ACTIONS[operation] ?? operation}`;
      const implied =
        action === "sqs:SendMessage"
          ? kms(arn, ["kms:GenerateDataKey", "kms:Decrypt"], "sqs")
          : action === "sqs:ReceiveMessage"
            ? kms(arn, ["kms:Decrypt"], "sqs")
            : [];
      return [{ action, resource: arn }, ...implied];
    }
    case "sns": {
      const arn = String(input.TopicArn);
      return [{ action: `sns:${operation}`, resource: arn }, ...kms(arn, ["kms:GenerateDataKey", "kms:Decrypt"], "sns")];
    }
    case "s3": {
      const bucket = `arn:aws:s3:::${input.Bucket}`;
      const object = `${bucket}/${input.Key}`;
      const implied =
        operation === "PutObject"
          ? kms(bucket, ["kms:GenerateDataKey"], "s3")
          : operation === "GetObject"
            ? kms(bucket, ["kms:Decrypt"], "s3")
            : [];
      return [{ action: `s3:${operation}`, resource: object }, ...implied];
    }
    case "lambda": {
      // GetAccountSettings has no resource type (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
      if (operation === "GetAccountSettings") return [{ action: "lambda:GetAccountSettings", resource: "*" }];
      const target = String(input.FunctionName ?? input.Resource);
      return [{ action: `lambda:${operation}`, resource: c.functionArn(target) }];
    }
    case "cloudwatch":
      if (operation === "PutMetricData")
        // PutMetricData has no resource type; cloudwatch:namespace narrows it (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
        return [{ action: "cloudwatch:PutMetricData", resource: "*", context: { "cloudwatch:namespace": String(input.Namespace) } }];
      if (operation === "DescribeAlarms")
        return ((input.AlarmNames as string[] | undefined) ?? ["*"]).map((name) => ({
          action: "cloudwatch:DescribeAlarms",
          resource: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`,
        }));
      return [{ action: `cloudwatch:${operation}`, resource: "*" }];
    case "sfn": {
      const resource = String(input.stateMachineArn ?? input.executionArn ?? "*");
      return [{ action: `states:${operation}`, resource }];
    }
    case "ssm": {
      const name = String(input.Name ?? input.Path ?? "");
      return [{ action: `ssm:${operation}`, resource: `arn:aws:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}` }];
    }
    case "sts":
      return [{ action: `sts:${operation}`, resource: String(input.RoleArn) }];
    case "route53": {
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html
      const id = String(input.Id ?? "").replace(/^\/(hostedzone|delegationset)\//, "");
      if (operation === "GetHostedZone") return [{ action: "route53:GetHostedZone", resource: `arn:aws:route53:::hostedzone/${id}` }];
      if (operation === "GetReusableDelegationSet")
        return [{ action: "route53:GetReusableDelegationSet", resource: `arn:aws:route53:::delegationset/${id}` }];
      return [{ action: `route53:${operation}`, resource: `arn:aws:route53:::healthcheck/${input.HealthCheckId}` }];
    }
    case "acm":
      // ListCertificates has no resource type; DescribeCertificate is on the certificate
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscertificatemanager.html).
      if (operation === "ListCertificates") return [{ action: "acm:ListCertificates", resource: "*" }];
      return [{ action: `acm:${operation}`, resource: String(input.CertificateArn) }];
    case "backup":
      // DescribeRegionSettings has no resource type (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html).
      return [{ action: `backup:${operation}`, resource: "*" }];
    case "scheduler":
      // ListSchedules has no resource type; GetSchedule is on schedule/<group>/<name>
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html).
      if (operation === "ListSchedules") return [{ action: "scheduler:ListSchedules", resource: "*" }];
      return [
        {
          action: `scheduler:${operation}`,
          resource: `arn:aws:scheduler:${region}:${accountId}:schedule/${input.GroupName ?? "default"}/${input.Name}`,
        },
      ];
    case "fis": {
      // ListExperimentTemplates has no resource type; StartExperiment is on the template and the new
      // experiment; the others on what they name (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsfaultinjectionservice.html).
      const fisArn = (kind: string, id: unknown) => `arn:aws:fis:${region}:${accountId}:${kind}/${id}`;
      if (operation === "ListExperimentTemplates") return [{ action: "fis:ListExperimentTemplates", resource: "*" }];
      if (operation === "GetExperimentTemplate")
        return [{ action: "fis:GetExperimentTemplate", resource: fisArn("experiment-template", input.id) }];
      if (operation === "StartExperiment")
        return [
          { action: "fis:StartExperiment", resource: fisArn("experiment-template", input.experimentTemplateId) },
          { action: "fis:StartExperiment", resource: fisArn("experiment", "*") },
        ];
      return [{ action: `fis:${operation}`, resource: fisArn("experiment", input.id) }];
    }
    default:
      throw new Error(`The simulated IAM does not know how ${service}:${operation} is authorized; add it to sim/iam/requests.ts`);
  }
}

/** The error a service returns when IAM (or, for SSE-KMS, KMS) denies a call: names and statuses as each service documents them. */
export function deniedError(service: string, message: string, viaKms: boolean): Error {
  const [name, status] = viaKms
    ? (({ sqs: ["KmsAccessDenied", 400], sns: ["KMSAccessDenied", 400], s3: ["AccessDenied", 403] } as Record<string, [string, number]>)[
        service
      ] ?? ["AccessDeniedException", 400])
    : ((
        {
          dynamodb: ["AccessDeniedException", 400],
          sqs: ["AccessDenied", 403],
          sns: ["AuthorizationError", 403],
          s3: ["AccessDenied", 403],
          lambda: ["AccessDeniedException", 403],
          sfn: ["AccessDeniedException", 400],
          cloudwatch: ["AccessDenied", 403],
          ssm: ["AccessDeniedException", 400],
          sts: ["AccessDenied", 403],
          route53: ["AccessDenied", 403],
          acm: ["AccessDeniedException", 400],
          backup: ["AccessDeniedException", 403],
          scheduler: ["AccessDeniedException", 403],
          fis: ["AccessDeniedException", 403],
        } as Record<string, [string, number]>
      )[service] ?? ["AccessDeniedException", 403]);
  return Object.assign(new Error(message), { name, httpStatusCode: status });
}
