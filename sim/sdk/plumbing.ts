/**
 * Shared plumbing of the SDK fakes: reading the calling client's configuration, turning the
 * simulated services' errors into the SDK's own exception classes (so `instanceof` checks in the
 * handlers hold), and refusing every command the rehearsal does not simulate.
 */
import type { AwsStub } from "aws-sdk-client-mock";
import { mockClient } from "aws-sdk-client-mock";
import type { ClientInfo, SdkBackend } from "./backend";

type AnyClient = { config: Record<string, unknown> };
export type GetClient = () => AnyClient;
/** A client or command class (some SDK constructors are protected, hence the loose type). */
export type ClientClass = abstract new (...args: never[]) => unknown;

/** Classes already mocked in this module registry (mocking twice would throw). */
const mocked = new WeakSet<object>();
/**
 * Every fake's stub, in every copy of this module: under jest each region's handlers load in a
 * registry of their own (sim/testing.ts) with their own copy of the fakes, and a world's end must
 * clear them all. Weak, so a copy whose registry is gone is not kept alive by this list.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stub = AwsStub<any, any, any>;
const STUBS = Symbol.for("payments-dr.sim.sdk-fake-stubs");
const stubs: Set<WeakRef<Stub>> =
  ((globalThis as Record<symbol, unknown>)[STUBS] as Set<WeakRef<Stub>> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[STUBS] = new Set<WeakRef<Stub>>());

function liveStubs(): Stub[] {
  const live: Stub[] = [];
  for (const ref of stubs) {
    const stub = ref.deref();
    if (stub) live.push(stub);
    else stubs.delete(ref);
  }
  return live;
}

/**
 * Drops the calls sinon recorded on every fake (arguments, results, the command objects with their
 * middleware stacks). The fakes live for the process and nothing reads that history — each world
 * records its own calls — yet sinon keeps it (sim/session.ts, dispose). A session calls this when it ends.
 */
/** Calls the fakes have recorded since they last forgot (a test's view of what forgetFakeCalls drops). */
export function recordedFakeCalls(): number {
  return liveStubs().reduce((n, stub) => n + stub.send.callCount, 0);
}

export function forgetFakeCalls(): void {
  for (const stub of liveStubs()) stub.send.resetHistory();
}

export async function clientInfo(getClient: GetClient | undefined): Promise<ClientInfo> {
  const config = getClient?.().config ?? {};
  const read = async (v: unknown) => (typeof v === "function" ? await (v as () => Promise<unknown>)() : v);
  const region = String(await read(config.region));
  const maxAttempts = Number((await read(config.maxAttempts)) ?? 3);
  const handler = config.requestHandler as
    | { configProvider?: Promise<{ connectionTimeout?: number; requestTimeout?: number }> }
    | undefined;
  const timeouts = handler?.configProvider ? await handler.configProvider : {};
  // Resolving the credentials is what the SDK does before signing: a client built on the DR
  // operations role therefore really calls STS AssumeRole (through the STS fake), and its calls
  // are signed as the assumed role.
  const credentials =
    typeof config.credentials === "function"
      ? ((await (config.credentials as () => Promise<unknown>)()) as { accessKeyId?: string })
      : undefined;
  return {
    region,
    maxAttempts: Number.isFinite(maxAttempts) && maxAttempts > 0 ? maxAttempts : 3,
    ...(timeouts.connectionTimeout ? { connectionTimeoutMs: timeouts.connectionTimeout } : {}),
    ...(timeouts.requestTimeout ? { requestTimeoutMs: timeouts.requestTimeout } : {}),
    ...(credentials?.accessKeyId ? { accessKeyId: credentials.accessKeyId } : {}),
  };
}

/**
 * The SDK's modeled exception for `name` from the client's own module (e.g.
 * ConditionalCheckFailedException, ExecutionAlreadyExists), or a generic service error.
 */
export function sdkError(
  module: Record<string, unknown>,
  name: string,
  message: string,
  httpStatusCode = 400,
  extra: Record<string, unknown> = {},
): Error {
  const $metadata = { httpStatusCode, attempts: 1 };
  const Modeled = module[name] as (new (o: Record<string, unknown>) => Error) | undefined;
  if (typeof Modeled === "function") return Object.assign(new Modeled({ message, $metadata, ...extra }), extra);
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata, ...extra });
}

/** Converts a simulated service's error (which carries name and status) to the SDK's. */
export function toSdkError(module: Record<string, unknown>, error: unknown): Error {
  const e = error as { name?: string; message?: string; httpStatusCode?: number; $metadata?: unknown };
  if (!(error instanceof Error) || e.$metadata) return error as Error; // already an SDK-shaped error (timeouts)
  if (e.name === "Error" || e.name === "TypeError" || e.name === "UnsupportedExpressionError") return error; // a defect: keep the stack
  return sdkError(module, e.name ?? "ServiceException", e.message ?? "", e.httpStatusCode ?? 400);
}

export interface FakeSpec {
  service: string;
  module: Record<string, unknown>;
  /** The client class (DynamoDBDocumentClient's constructor is protected, so just an object here). */
  client: object;
  /** Command class → handler(input, info) returning the output (without $metadata). */
  commands: [ClientClass, (input: Record<string, any>, info: ClientInfo) => unknown][];
  /** A global service's one endpoint region (Route 53: us-east-1), whatever region the client names. */
  endpointRegion?: string;
}

/** lib-dynamodb command names → the DynamoDB operation (and IAM action) they send. */
const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

export function installFake(spec: FakeSpec, backend: () => SdkBackend): void {
  if (mocked.has(spec.client)) return;
  mocked.add(spec.client);
  const handlers = new Map<unknown, { operation: string; handle: FakeSpec["commands"][number][1] }>();
  for (const [Command, handle] of spec.commands) {
    const commandName = (Command as { name: string }).name.replace(/Command$/, "");
    // The document client's commands are the DynamoDB API's operations under shorter names.
    const operation = spec.service === "dynamodb" ? (DOCUMENT_CLIENT_OPERATIONS[commandName] ?? commandName) : commandName;
    handlers.set(Command, { operation, handle });
  }
  // One fake for the client's send(), dispatching on the command's class. aws-sdk-client-mock's
  // per-command `on(Command)` would have sinon test every registered matcher against every call
  // (a deep comparison each), which was a tenth of a rehearsal's time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mock = mockClient(spec.client as never) as AwsStub<any, any, any>;
  stubs.add(new WeakRef(mock));
  mock.send.callsFake(async function (this: AnyClient, command: { constructor: unknown; input?: Record<string, any> }) {
    const input = command.input ?? {};
    const target = handlers.get(command.constructor);
    if (!target) {
      throw new Error(
        `The rehearsal does not simulate this ${spec.service} command (input fields: ${Object.keys(input).join(", ")}); add it to that service's fake, sim/<service>/sdk.ts`,
      );
    }
    const configured = await clientInfo(() => this);
    const info = spec.endpointRegion ? { ...configured, region: spec.endpointRegion } : configured;
    const b = backend();
    try {
      const out = await b.call(spec.service, target.operation, info, () => target.handle(input, info), input);
      return { ...(out as object), $metadata: { httpStatusCode: 200, attempts: 1 } };
    } catch (error) {
      throw toSdkError(spec.module, error);
    }
  });
}
