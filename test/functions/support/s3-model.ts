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
  outcome: "written" | "precondition-failed" | "fault";
}

export function s3Error(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode },
    message: name,
  });
}

export class S3Model {
  readonly puts: PutRecord[] = [];
  private readonly objects = new Map<string, string>();
  private faults: { error: () => Error; remaining: number }[] = [];
  private gate: { arrive: () => void; wait: Promise<void> } | undefined;
  readonly mock = mockClient(S3Client);

  constructor() {
    this.mock.on(PutObjectCommand).callsFake(async (input, getClient?: () => S3Client) => {
      const region = getClient ? String(await getClient().config.region()) : "unknown";
      const bucket = input.Bucket ?? "";
      const key = input.Key ?? "";
      const record: PutRecord = { bucket, key, region, outcome: "written" };
      this.puts.push(record);
      if (this.gate) {
        const gate = this.gate;
        this.gate = undefined;
        gate.arrive();
        await gate.wait;
      }
      const fault = this.faults.find((f) => f.remaining > 0);
      if (fault) {
        fault.remaining -= 1;
        record.outcome = "fault";
        throw fault.error();
      }
      const id = `${bucket}/${key}`;
      if (input.IfNoneMatch === "*" && this.objects.has(id)) {
        record.outcome = "precondition-failed";
        throw s3Error("PreconditionFailed", 412);
      }
      this.objects.set(id, String(input.Body));
      return { $metadata: {}, ETag: '"etag"' };
    });
  }

  reset(): void {
    this.mock.restore();
  }

  fail(error: () => Error, times = 1): void {
    this.faults.push({ error, remaining: times });
  }

  /** The next PutObject waits until released or failed. */
  hold(): { reached: Promise<void>; release(): void; fail(error: Error): void } {
    let arrive!: () => void;
    const reached = new Promise<void>((resolve) => (arrive = resolve));
    let release!: () => void;
    let fail!: (error: Error) => void;
    const wait = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
    wait.catch(() => undefined);
    this.gate = { arrive, wait };
    return { reached, release, fail };
  }

  keys(bucket: string): string[] {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(`${bucket}/`))
      .map((k) => k.slice(bucket.length + 1))
      .sort();
  }

  object(bucket: string, key: string): unknown {
    const body = this.objects.get(`${bucket}/${key}`);
    return body === undefined ? undefined : JSON.parse(body);
  }

  seed(bucket: string, key: string, body: unknown): void {
    this.objects.set(`${bucket}/${key}`, JSON.stringify(body));
  }
}
