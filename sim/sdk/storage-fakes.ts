/**
 * The read side of S3 and SSM as drctl uses them, shaped as the SDK returns them:
 * - S3 GetObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html): the body as
 *   the SDK's own stream (sdkStreamMixin: transformToString and friends), ETag, length, type,
 *   last modified. Ranges, versions and conditional reads are not simulated and are refused.
 * - SSM GetParametersByPath (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html):
 *   at most 10 per page (MaxResults), NextToken, and Recursive — without it only the parameters
 *   directly under the path. Parameter filters are refused.
 */
import type { Readable } from "node:stream";
import { sdkStreamMixin } from "@smithy/core/serde";
import { ServiceError } from "../small-services";
import type { SdkBackend } from "./backend";

type Input = Record<string, any>;

const GET_OBJECT_INPUTS = new Set(["Bucket", "Key", "ChecksumMode"]);

export function getObject(b: SdkBackend, region: string, i: Input, stream: (bytes: Buffer) => Readable) {
  const unsupported = Object.keys(i).filter((k) => !GET_OBJECT_INPUTS.has(k) && i[k] !== undefined);
  if (unsupported.length > 0) throw new Error(`The rehearsal's S3 GetObject does not model ${unsupported.join(", ")}`);
  const object = b.s3.get(region, i.Bucket, i.Key);
  const bytes = Buffer.from(object.body, "utf8");
  return {
    Body: sdkStreamMixin(stream(bytes)),
    ContentLength: bytes.length,
    ContentType: object.contentType ?? "binary/octet-stream",
    ETag: object.etag,
    // HTTP dates carry whole seconds.
    LastModified: new Date(Math.floor(object.writtenAt / 1000) * 1000),
    AcceptRanges: "bytes",
    Metadata: {},
  };
}

/** GetParametersByPath returns at most 10 parameters per call. */
const MAX_PARAMETERS_PER_PAGE = 10;

export function getParametersByPath(b: SdkBackend, region: string, i: Input) {
  if (i.ParameterFilters !== undefined) throw new Error("The rehearsal's GetParametersByPath does not model ParameterFilters");
  const path = String(i.Path ?? "");
  if (!path.startsWith("/"))
    throw new ServiceError("ValidationException", `The parameter path ${path} is not valid: it must begin with a forward slash`, 400);
  const max = i.MaxResults ?? MAX_PARAMETERS_PER_PAGE;
  if (!Number.isInteger(max) || max < 1 || max > MAX_PARAMETERS_PER_PAGE) {
    throw new ServiceError(
      "ValidationException",
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`,
      400,
    );
  }
  const prefix = path.endsWith("/") ? path : `${path}/`;
  const all = b.ssm
    .byPath(region, prefix)
    .filter((p) => i.Recursive === true || !p.name.slice(prefix.length).includes("/"))
    .sort((x, y) => (x.name < y.name ? -1 : 1));
  let start = 0;
  if (i.NextToken !== undefined) {
    const after = Buffer.from(String(i.NextToken), "base64").toString("utf8");
    if (!after.startsWith("after:")) throw new ServiceError("ValidationException", "The specified token is not valid", 400);
    start = all.findIndex((p) => p.name > after.slice("after:".length));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + max);
  const more = start + max < all.length;
  return {
    Parameters: page.map((p) => ({
      Name: p.name,
      Type: "String",
      Value: p.value,
      Version: 1,
      ARN: `arn:aws:ssm:${region}:${b.deployment.accountId}:parameter${p.name}`,
      DataType: "text",
    })),
    ...(more ? { NextToken: Buffer.from(`after:${page[page.length - 1].name}`).toString("base64") } : {}),
  };
}
