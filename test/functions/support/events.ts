/** The events handler tests invoke the functions with: API Gateway proxy events and DynamoDB stream records. */
import type { APIGatewayProxyEvent, DynamoDBRecord } from "aws-lambda";

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
