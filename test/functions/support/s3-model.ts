/**
 * An in-memory S3 for PutObject, honouring `If-None-Match: *` the way S3 does (412
 * PreconditionFailed when the key exists). Records every attempt with the client's region.
 */
import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

export interface PutRecord {
  bucket: string;
  key: string;
  region: string;
  outcome: "written" | "precondition-failed";
}

export class S3Model {
  readonly puts: PutRecord[] = [];
  private readonly objects = new Map<string, string>();
  readonly mock = mockClient(S3Client);

  constructor() {
    this.mock.on(PutObjectCommand).callsFake(async (input, getClient?: () => S3Client) => {
      const region = getClient ? String(await getClient().config.region()) : "unknown";
      const bucket = input.Bucket ?? "";
      const key = input.Key ?? "";
      const record: PutRecord = { bucket, key, region, outcome: "written" };
      this.puts.push(record);
      const id = `${bucket}/${key}`;
      if (input.IfNoneMatch === "*" && this.objects.has(id)) {
        record.outcome = "precondition-failed";
        throw new S3ServiceException({
          name: "PreconditionFailed",
          $fault: "client",
          $metadata: { httpStatusCode: 412 },
          message: "PreconditionFailed",
        });
      }
      this.objects.set(id, String(input.Body));
      return { $metadata: {}, ETag: '"etag"' };
    });
  }

  reset(): void {
    this.mock.restore();
  }
}
