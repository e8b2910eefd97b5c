/**
 * The simpler AWS services the handlers touch, simulated per region: S3 buckets (with
 * `If-None-Match: *`), SNS topics (each message lands in an inbox: the notifications), SSM
 * parameters, and Lambda's function configuration (reserved concurrency and tags — the failover's
 * best-effort stop of the old primary's write function really throttles it here).
 */
import { createHash } from "node:crypto";
import type { Deployment } from "./deployment/types";

export class ServiceError extends Error {
  constructor(
    name: string,
    message: string,
    readonly httpStatusCode: number,
  ) {
    super(message);
    this.name = name;
  }
}

export interface StoredObject {
  body: string;
  contentType?: string;
  writtenAt: number;
  version: number;
  /** The MD5 of the body in quotes, as S3 gives it for a single-part upload. */
  etag: string;
}

export class S3Service {
  private readonly buckets = new Map<string, { region: string; objects: Map<string, StoredObject[]> }>();

  constructor(
    deployment: Deployment,
    private readonly now: () => number,
  ) {
    for (const b of deployment.buckets) this.buckets.set(b.name, { region: b.region, objects: new Map() });
  }

  private bucket(name: string, region: string) {
    const b = this.buckets.get(name);
    if (!b) throw new ServiceError("NoSuchBucket", `The specified bucket does not exist: ${name}`, 404);
    if (b.region !== region) throw new ServiceError("PermanentRedirect", `Bucket ${name} is in ${b.region}, not ${region}`, 301);
    return b;
  }

  put(
    region: string,
    bucket: string,
    key: string,
    body: string,
    options: { ifNoneMatch?: string; contentType?: string } = {},
  ): StoredObject {
    const b = this.bucket(bucket, region);
    const versions = b.objects.get(key) ?? [];
    if (options.ifNoneMatch === "*" && versions.length > 0)
      throw new ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
    const stored = {
      body,
      contentType: options.contentType,
      writtenAt: this.now(),
      version: versions.length + 1,
      etag: `"${createHash("md5").update(body, "utf8").digest("hex")}"`,
    };
    versions.push(stored);
    b.objects.set(key, versions);
    return stored;
  }

  get(region: string, bucket: string, key: string): StoredObject {
    const latest = this.bucket(bucket, region).objects.get(key)?.at(-1);
    if (!latest) throw new ServiceError("NoSuchKey", `The specified key does not exist: ${key}`, 404);
    return latest;
  }

  keys(bucket: string, prefix = ""): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  regionOf(bucket: string): string | undefined {
    return this.buckets.get(bucket)?.region;
  }
}

export interface SnsMessage {
  at: number;
  region: string;
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, string>;
  messageId: string;
}

export class SnsService {
  readonly inbox: SnsMessage[] = [];
  private readonly topics = new Map<string, string>();
  private readonly listeners: ((m: SnsMessage) => void)[] = [];

  constructor(
    deployment: Deployment,
    private readonly now: () => number,
  ) {
    for (const t of deployment.topics) this.topics.set(t.arn, t.region);
  }

  onPublish(listener: (m: SnsMessage) => void): void {
    this.listeners.push(listener);
  }

  publish(region: string, topicArn: string, message: string, subject?: string, attributes: Record<string, string> = {}): string {
    const topicRegion = this.topics.get(topicArn);
    if (!topicRegion) throw new ServiceError("NotFoundException", `Topic does not exist: ${topicArn}`, 404);
    if (topicRegion !== region)
      throw new ServiceError("InvalidParameterException", `Topic ${topicArn} is in ${topicRegion}, not ${region}`, 400);
    const m: SnsMessage = { at: this.now(), region, topicArn, subject, message, attributes, messageId: `sns-${this.inbox.length + 1}` };
    this.inbox.push(m);
    for (const l of this.listeners) l(m);
    return m.messageId;
  }
}

export class SsmService {
  private readonly values = new Map<string, string>();

  constructor(deployment: Deployment) {
    for (const p of deployment.parameters) this.values.set(`${p.region}|${p.name}`, p.value);
  }

  get(region: string, name: string): string {
    const v = this.values.get(`${region}|${name}`);
    if (v === undefined) throw new ServiceError("ParameterNotFound", `Parameter ${name} not found in ${region}`, 400);
    return v;
  }

  byPath(region: string, path: string): { name: string; value: string }[] {
    const prefix = path.endsWith("/") ? path : `${path}/`;
    return [...this.values.entries()]
      .filter(([k]) => k.startsWith(`${region}|${prefix}`))
      .map(([k, value]) => ({ name: k.slice(region.length + 1), value }));
  }
}

export class LambdaControl {
  private readonly reserved = new Map<string, number | null>();
  private readonly tags = new Map<string, Record<string, string>>();
  private readonly byName = new Map<string, string>();
  private readonly listeners: ((arn: string, reserved: number | null) => void)[] = [];

  constructor(deployment: Deployment) {
    for (const f of deployment.functions) {
      this.reserved.set(f.arn, f.reservedConcurrency);
      this.tags.set(f.arn, {});
      this.byName.set(`${f.region}|${f.name}`, f.arn);
    }
  }

  onConcurrencyChange(listener: (arn: string, reserved: number | null) => void): void {
    this.listeners.push(listener);
  }

  /** A name or ARN, resolved in `region` (an ARN must be in that region too). */
  arnOf(region: string, nameOrArn: string): string {
    const arn = nameOrArn.startsWith("arn:") ? nameOrArn : this.byName.get(`${region}|${nameOrArn}`);
    if (!arn || !this.reserved.has(arn) || arn.split(":")[3] !== region) {
      throw new ServiceError("ResourceNotFoundException", `Function not found: ${nameOrArn} (in ${region})`, 404);
    }
    return arn;
  }

  getReserved(region: string, nameOrArn: string): number | null {
    return this.reserved.get(this.arnOf(region, nameOrArn)) ?? null;
  }

  setReserved(region: string, nameOrArn: string, value: number | null): void {
    const arn = this.arnOf(region, nameOrArn);
    this.reserved.set(arn, value);
    for (const l of this.listeners) l(arn, value);
  }

  reservedByArn(arn: string): number | null {
    return this.reserved.get(arn) ?? null;
  }

  getTags(region: string, arn: string): Record<string, string> {
    return { ...(this.tags.get(this.arnOf(region, arn)) ?? {}) };
  }

  tag(region: string, arn: string, tags: Record<string, string>): void {
    const a = this.arnOf(region, arn);
    this.tags.set(a, { ...(this.tags.get(a) ?? {}), ...tags });
  }

  untag(region: string, arn: string, keys: string[]): void {
    const a = this.arnOf(region, arn);
    const next = { ...(this.tags.get(a) ?? {}) };
    for (const k of keys) delete next[k];
    this.tags.set(a, next);
  }
}
