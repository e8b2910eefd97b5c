/** Event and context builders for handler tests. */
import type { APIGatewayProxyEvent, Context, DynamoDBRecord } from "aws-lambda";

export function apiEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    multiValueHeaders: {},
    httpMethod: "GET",
    isBase64Encoded: false,
    path: "/",
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
    resource: "/",
    ...overrides,
  };
}

export function postPayment(body: unknown, idempotencyKey?: string, extraHeaders: Record<string, string> = {}): APIGatewayProxyEvent {
  const headers: Record<string, string> = { "content-type": "application/json", ...extraHeaders };
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  return apiEvent({
    httpMethod: "POST",
    path: "/payments",
    resource: "/payments",
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

let invocation = 0;

/** A Lambda context whose remaining time counts down on the (possibly faked) clock. */
export function lambdaContext(timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = `req-${++invocation}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "create-payment-us-east-1-test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:create-payment-us-east-1-test",
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/create-payment-us-east-1-test",
    logStreamName: "stream",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function streamRecord(options: {
  eventName?: "INSERT" | "MODIFY" | "REMOVE";
  sequenceNumber: string;
  image?: Record<string, unknown> | undefined;
}): DynamoDBRecord {
  const image =
    options.image &&
    Object.fromEntries(Object.entries(options.image).map(([k, v]) => [k, typeof v === "number" ? { N: String(v) } : { S: String(v) }]));
  return {
    eventID: `event-${options.sequenceNumber}`,
    eventName: options.eventName ?? "INSERT",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      SequenceNumber: options.sequenceNumber,
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ...(image ? { NewImage: image as never, Keys: { paymentId: image.paymentId as never } } : {}),
    },
  };
}
