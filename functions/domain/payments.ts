/**
 * The payment: what a client may send, what the payments table stores, what a merchant sees,
 * and how a payment id is derived. Pure (no SDK), shared by the API, stream and queue handlers.
 */
import { createHash } from "node:crypto";
import * as z from "../../lib/zod";

export const PAYMENT_STATUSES = ["PENDING", "SETTLED", "FAILED"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** 10,000,000.00 in a two-decimal currency; larger amounts are not card payments. */
export const MAX_AMOUNT_MINOR_UNITS = 1_000_000_000;
export const MAX_REFERENCE_LENGTH = 64;
export const MAX_DESCRIPTION_LENGTH = 140;

/** `pay_` + 26 Crockford base32 characters (the ULID alphabet, so ids look like the documented format). */
export const PAYMENT_ID_PATTERN = /^pay_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Client-chosen, reused on every retry of the same payment. UUIDs fit; so do most order-id schemes.
 * Deliberately no spaces or quotes: the key ends up in a DynamoDB key (hashed) and in URLs of support tools.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
export const IDEMPOTENCY_KEY_RULE = "8-128 characters from A-Z a-z 0-9 . _ : - (a UUID is a good choice)";

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
// 13-19 digits, optionally grouped by single spaces or dashes, as card numbers are written.
const DIGIT_RUN = /\d(?:[ -]?\d){12,18}/g;

/** True when `text` contains a digit run that passes the Luhn check: a card number (PAN) most likely. */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(DIGIT_RUN)) {
    const digits = match[0].replace(/[ -]/g, "");
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return true;
  }
  return false;
}

const requiredOr = (message: string) => (issue: { input: unknown }) => (issue.input === undefined ? "is required" : message);

const NO_CARD_DATA = "looks like a card number; send a token or your own reference, never card data";

function caller(maxLength: number, min = 1) {
  return z.string({ error: requiredOr("must be a string") }).check(
    z.minLength(min, "must not be empty"),
    z.maxLength(maxLength, `must be at most ${maxLength} characters`),
    z.regex(PRINTABLE_ASCII, "must be printable ASCII (no control characters)"),
    z.refine((value) => !containsCardNumber(value), NO_CARD_DATA),
  );
}

/** Both caller references: one schema serves both fields (zod schemas are immutable; each costs a cold start time to build). */
const reference = caller(MAX_REFERENCE_LENGTH);

export const createPaymentRequestSchema = z.strictObject({
  amount: z
    .number({ error: requiredOr("must be a number: the amount in minor units, e.g. 1050 for 10.50") })
    .check(
      z.int("must be a whole number of minor units, e.g. 1050 for 10.50"),
      z.positive("must be greater than 0"),
      z.lte(MAX_AMOUNT_MINOR_UNITS, `must be at most ${MAX_AMOUNT_MINOR_UNITS} minor units`),
    ),
  currency: z
    .string({ error: requiredOr("must be a string") })
    .check(z.regex(/^[A-Z]{3}$/, "must be an ISO 4217 code: three upper-case letters such as EUR")),
  merchantReference: reference,
  sourceReference: reference,
  description: z.optional(caller(MAX_DESCRIPTION_LENGTH, 0)),
});
export type CreatePaymentRequest = z.infer<typeof createPaymentRequestSchema>;

const isoTime = z.string().check(z.iso.datetime());

/** A payments-table item. Unknown attributes are dropped on read (never shown to anyone). */
export const paymentSchema = z.object({
  paymentId: z.string().check(z.regex(PAYMENT_ID_PATTERN)),
  status: z.enum(PAYMENT_STATUSES),
  amount: z.number().check(z.int(), z.positive()),
  currency: z.string(),
  merchantReference: z.string(),
  sourceReference: z.string(),
  description: z.optional(z.string()),
  /** The region that accepted the payment; only that region's processor settles it. */
  originRegion: z.string().check(z.minLength(1)),
  /** {@link requestHash} of the accepted request: tells a retry from a conflicting reuse of the key. */
  requestHash: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  settledAt: z.optional(isoTime),
  /** 1 when created, +1 on every state change; transaction-log keys carry it. */
  version: z.number().check(z.int(), z.positive()),
});
export type Payment = z.infer<typeof paymentSchema>;

/** What a merchant sees: no origin region, version or hashes (they are ours, not theirs). */
export interface PublicPayment {
  paymentId: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  merchantReference: string;
  sourceReference: string;
  description?: string;
  createdAt: string;
  updatedAt: string;
  settledAt?: string;
}

export function publicView(payment: Payment): PublicPayment {
  const { paymentId, status, amount, currency, merchantReference, sourceReference, description, createdAt, updatedAt, settledAt } = payment;
  return {
    paymentId,
    status,
    amount,
    currency,
    merchantReference,
    sourceReference,
    ...(description === undefined ? {} : { description }),
    createdAt,
    updatedAt,
    ...(settledAt === undefined ? {} : { settledAt }),
  };
}

const CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The payment id is derived from the Idempotency-Key, not drawn at random: every retry of a
 * request (after a timeout, after a partial failure, after the idempotency record expired, or
 * against the other region during a failover) addresses the same item, so a retry can finish
 * the work of an earlier attempt and can never create a second payment.
 */
export function paymentIdFor(idempotencyKey: string): string {
  const digest = createHash("sha256").update(`payments-dr/payment-id/v1\n${idempotencyKey}`).digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of digest) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 4 + 8 bits are ever pending
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += CROCKFORD_BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 26) break;
  }
  return `pay_${out}`;
}

/** Key-order-independent JSON, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(request: CreatePaymentRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("base64url");
}

export function newPendingPayment(args: { paymentId: string; request: CreatePaymentRequest; region: string; at: string }): Payment {
  const { paymentId, request, region, at } = args;
  return {
    paymentId,
    status: "PENDING",
    amount: request.amount,
    currency: request.currency,
    merchantReference: request.merchantReference,
    sourceReference: request.sourceReference,
    ...(request.description === undefined ? {} : { description: request.description }),
    originRegion: region,
    requestHash: requestHash(request),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** The message `payment-events` puts on the processing queue. */
export const processingMessageSchema = z.strictObject({
  paymentId: z.string().check(z.regex(PAYMENT_ID_PATTERN, "must be a payment id (pay_ + 26 characters)")),
});
export type ProcessingMessage = z.infer<typeof processingMessageSchema>;

/**
 * The message `payment-events` puts on the transaction-log queue: the payment item as the stream
 * delivered it (its new image), in the state the log must record. `record-transactions` writes
 * the entries from it alone, with no read of the table.
 */
export const transactionLogMessageSchema = z.strictObject({ payment: paymentSchema });
export type TransactionLogMessage = z.infer<typeof transactionLogMessageSchema>;
