/**
 * API Gateway (REST, Lambda proxy) request and response helpers shared by the API handlers.
 * Every response is JSON and never cached: payment state and region state change underneath.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { FieldProblem } from "../../lib/validation";

export type ApiEvent = APIGatewayProxyEvent;
export type ApiResult = APIGatewayProxyResult;

/** Larger than any valid payment request by two orders of magnitude; refuses junk before parsing. */
export const MAX_BODY_BYTES = 16 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/** The error body every API handler uses: a sentence for humans, stable fields for machines. */
export interface ErrorBody {
  error: string;
  reason?: string;
  problems?: FieldProblem[];
  [extra: string]: unknown;
}

export function errorResponse(statusCode: number, body: ErrorBody, headers?: Record<string, string>): ApiResult {
  return json(statusCode, body, headers);
}

export type HeaderValue = { present: false } | { present: true; value: string } | { present: true; conflicting: true };

/**
 * A request header by case-insensitive name. API Gateway keeps only the last value in `headers`;
 * `multiValueHeaders` shows whether the client sent the header more than once with different values.
 */
export function readHeader(event: Pick<ApiEvent, "headers" | "multiValueHeaders">, name: string): HeaderValue {
  const wanted = name.toLowerCase();
  const multi = Object.entries(event.multiValueHeaders ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1];
  if (multi && new Set(multi).size > 1) return { present: true, conflicting: true };
  const value = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1] ?? multi?.[0];
  return value === undefined || value === null ? { present: false } : { present: true, value };
}

export type BodyResult = { ok: true; value: unknown } | { ok: false; statusCode: 400 | 413; message: string };

export function readJsonBody(event: Pick<ApiEvent, "body" | "isBase64Encoded">): BodyResult {
  if (event.body === null || event.body === undefined || event.body === "") {
    return { ok: false, statusCode: 400, message: "Request body is required: a JSON object" };
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    return { ok: false, statusCode: 413, message: `Request body is larger than ${MAX_BODY_BYTES} bytes` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // The parser's message quotes the body; the client has the body already and logs must not.
    return { ok: false, statusCode: 400, message: "Request body is not valid JSON" };
  }
}
