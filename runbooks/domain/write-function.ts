/**
 * The best-effort direct stop of a region's write function (reserved concurrency 0) and its
 * undo. The value to restore is kept on the function itself, as a tag, so the failback — a
 * different execution in the other region — can put back exactly what was there.
 *
 * All calls go through the DR operations role (its policy must allow, on both regions' write
 * functions: lambda:GetFunctionConcurrency, PutFunctionConcurrency, DeleteFunctionConcurrency,
 * TagResource, UntagResource, ListTags).
 */
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-lambda";
import { WriteFunctionStoppedError } from "./errors";

export const RESTORE_TAG = "payments-dr:reserved-concurrency-before-fence";
const UNRESERVED = "unreserved";

/** `arn:<partition>:lambda:<region>:<account>:function:<name>` from a name (account and partition from a role ARN) or an ARN. */
export function functionArn(nameOrArn: string, region: string, roleArn: string): string {
  if (nameOrArn.startsWith("arn:")) return nameOrArn;
  const [, partition, , , account] = roleArn.split(":");
  if (!partition || !account) throw new Error(`Cannot read the account from role ARN ${roleArn}`);
  return `arn:${partition}:lambda:${region}:${account}:function:${nameOrArn}`;
}

export async function stopWriteFunction(
  lambda: LambdaClient,
  arn: string,
  abortSignal?: AbortSignal,
): Promise<{ previousReservedConcurrency: number | null }> {
  const current = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: arn }), { abortSignal });
  const previous = current.ReservedConcurrentExecutions ?? null;
  if (previous === 0) return { previousReservedConcurrency: 0 }; // already stopped; keep the tag an earlier stop left
  await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { [RESTORE_TAG]: previous === null ? UNRESERVED : String(previous) } }), {
    abortSignal,
  });
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: arn, ReservedConcurrentExecutions: 0 }), { abortSignal });
  return { previousReservedConcurrency: previous };
}

export async function restoreWriteFunction(
  lambda: LambdaClient,
  arn: string,
): Promise<{ action: "restored" | "not-stopped"; reservedConcurrency: number | null }> {
  const current = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: arn }));
  if (current.ReservedConcurrentExecutions !== 0) {
    return { action: "not-stopped", reservedConcurrency: current.ReservedConcurrentExecutions ?? null };
  }
  const tags = await lambda.send(new ListTagsCommand({ Resource: arn }));
  const saved = tags.Tags?.[RESTORE_TAG];
  if (saved === undefined) {
    throw new WriteFunctionStoppedError(
      `${arn} has reserved concurrency 0 and no ${RESTORE_TAG} tag: set its reserved concurrency (pulumi up restores it) and start the failback again`,
    );
  }
  let restored: number | null;
  if (saved === UNRESERVED) {
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: arn }));
    restored = null;
  } else {
    const value = Number(saved);
    if (!Number.isInteger(value) || value < 1) throw new WriteFunctionStoppedError(`${arn} has an unusable ${RESTORE_TAG} tag: "${saved}"`);
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: arn, ReservedConcurrentExecutions: value }));
    restored = value;
  }
  await lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: [RESTORE_TAG] }));
  return { action: "restored", reservedConcurrency: restored };
}
