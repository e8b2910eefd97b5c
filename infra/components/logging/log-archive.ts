import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketName, resourceName } from "../../core/naming";
import { policyDocument, serviceTrustPolicy } from "../../core/policy-documents";
import { SecureBucket } from "../storage/secure-bucket";

export interface LogArchiveArgs {
  /** Where the archive lives (and where the Firehose stream runs). */
  region: string;
  /** The region whose logs this archive receives. */
  sourceRegion: string;
  environment: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  accessLogBucket: pulumi.Input<string>;
}

/**
 * The receiving end of cross-region log shipping, in region B for the logs of region A: a
 * Firehose stream that writes into an encrypted archive bucket in B. If A is lost, its logs up
 * to the moment of loss are here.
 */
export class LogArchive extends pulumi.ComponentResource {
  readonly firehoseArn: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: LogArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:logging:LogArchive", name, {}, opts);
    const { region, environment, accountId } = args;
    const parent = { parent: this };

    const archive = new SecureBucket(
      `${name}-bucket`,
      {
        region,
        bucketName: pulumi.output(accountId).apply((id) => bucketName("log-archive", region, environment, id)),
        kmsKeyArn: args.kmsKeyArn,
        accessLogBucket: args.accessLogBucket,
        noncurrentVersionExpirationDays: 30,
        infrequentAccessAfterDays: 30,
      },
      parent,
    );

    const streamName = resourceName("log-archive", region, environment);
    const role = new aws.iam.Role(
      `${name}-firehose-role`,
      {
        name: resourceName("log-archive-firehose", region, environment),
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy(
            "firehose.amazonaws.com",
            accountId,
            pulumi.interpolate`arn:aws:firehose:${region}:${accountId}:deliverystream/${streamName}`,
          ),
        ),
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-firehose-policy`,
      {
        role: role.name,
        policy: pulumi.jsonStringify(
          policyDocument([
            {
              Effect: "Allow",
              Action: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
              Resource: [archive.arn, pulumi.interpolate`${archive.arn}/*`],
            },
            {
              Effect: "Allow",
              Action: ["kms:GenerateDataKey", "kms:Decrypt"],
              Resource: args.kmsKeyArn,
              Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
            },
          ]),
        ),
      },
      parent,
    );
    const stream = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-stream`,
      {
        region,
        name: streamName,
        destination: "extended_s3",
        serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: args.kmsKeyArn },
        extendedS3Configuration: {
          roleArn: role.arn,
          bucketArn: archive.arn,
          // Records arrive gzip-compressed from CloudWatch Logs; they are stored as delivered.
          prefix: `source-region=${args.sourceRegion}/!{timestamp:yyyy/MM/dd/HH}/`,
          errorOutputPrefix: `errors/source-region=${args.sourceRegion}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          bufferingInterval: 60,
          bufferingSize: 5,
          kmsKeyArn: args.kmsKeyArn,
        },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );

    this.firehoseArn = stream.arn;
    this.bucketArn = archive.arn;
    this.registerOutputs({ firehoseArn: this.firehoseArn });
  }
}
