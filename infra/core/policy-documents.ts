/**
 * Pure builders for the IAM policy documents the components share. Statements always name their
 * actions and resources; trust policies for AWS services are conditioned on our account (and a
 * source ARN where the service provides one) against the confused-deputy problem.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, unknown> | "*";
  Action: string | string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export function policyDocument(statements: Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy for an AWS service principal, limited to our account (and a source ARN if given). */
export function serviceTrustPolicy(
  service: string,
  accountId: pulumi.Input<string>,
  sourceArnLike?: pulumi.Input<string> | pulumi.Input<string>[],
): PolicyDocument {
  const condition: Record<string, Record<string, unknown>> = { StringEquals: { "aws:SourceAccount": accountId } };
  if (sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": sourceArnLike };
  return policyDocument([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: condition }]);
}

/** Lambda's trust policy: only functions of this account may assume the role. */
export function lambdaTrustPolicy(accountId: pulumi.Input<string>): PolicyDocument {
  return serviceTrustPolicy("lambda.amazonaws.com", accountId);
}

/** S3.5: deny every request that does not use TLS, for the bucket and its objects. */
export function tlsOnlyStatement(bucketArn: pulumi.Input<string>): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** KMS actions a principal needs to write to an encrypted SQS queue / SNS topic / S3 object. */
export const KMS_ENCRYPT_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];
/**
 * What a principal needs to send to an SQS queue encrypted with `kmsKeyArn` in `region` (a DLQ or
 * failure destination): SendMessage on the queue, and the key only when SQS uses it on its behalf.
 */
export function sendToEncryptedQueue(queueArn: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>, region: string): Statement[] {
  return [
    { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queueArn },
    {
      Effect: "Allow",
      Action: KMS_ENCRYPT_ACTIONS,
      Resource: kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com` } },
    },
  ];
}

/** KMS actions a principal needs to read from an encrypted queue / object. */
export const KMS_DECRYPT_ACTIONS = ["kms:Decrypt"];
