/** Small facts read from ARNs (`arn:partition:service:region:account:resource`). */

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(value: unknown): ParsedArn | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(value);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] };
}

/** The region of an ARN, or undefined for a global or unparsable one. */
export function regionOfArn(value: unknown): string | undefined {
  return parseArn(value)?.region || undefined;
}

/** A customer-managed key given by full key ARN (not an alias, not a bare key id). */
export function isKmsKeyArn(value: unknown): boolean {
  const arn = parseArn(value);
  return arn?.service === "kms" && /^key\/[0-9a-f-]+$/i.test(arn.resource);
}

/** Every KMS key ARN and SSM parameter ARN inside a string (policies, JSON, plain values). */
export function regionalReferences(text: string): { kind: "KMS key" | "SSM parameter"; arn: string; region: string }[] {
  const found: { kind: "KMS key" | "SSM parameter"; arn: string; region: string }[] = [];
  for (const m of text.matchAll(/arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[\w-]+/g))
    found.push({ kind: "KMS key", arn: m[0], region: m[1] });
  for (const m of text.matchAll(/arn:aws[a-z-]*:ssm:([a-z0-9-]+):\d{12}:parameter\/[\w./*-]*/g))
    found.push({ kind: "SSM parameter", arn: m[0], region: m[1] });
  return found;
}

/** An AWS region code inside a physical name (`create-payment-us-east-1-dev`), if any. */
export function regionInName(name: unknown): string | undefined {
  if (typeof name !== "string") return undefined;
  return /(?:^|-)([a-z]{2}(?:-gov)?-[a-z]+-\d)(?:-|$)/.exec(name)?.[1];
}
