import {
  containsCardNumber,
  createPaymentRequestSchema,
  newPendingPayment,
  paymentIdFor,
  PAYMENT_ID_PATTERN,
  publicView,
  requestHash,
} from "../../functions/domain/payments";
import { historyOf, transactionLogKey } from "../../functions/domain/transaction-log";
import { parseWith } from "../../lib/validation";

describe("payment ids", () => {
  it("are pay_ plus 26 Crockford base32 characters", () => {
    for (const key of ["a-key-0001", "00000000-0000-0000-0000-000000000000", "k".repeat(128)]) {
      expect(paymentIdFor(key)).toMatch(PAYMENT_ID_PATTERN);
    }
  });

  it("are the same for the same key and differ between keys", () => {
    const ids = new Set(Array.from({ length: 2000 }, (_, i) => paymentIdFor(`key-${i}-suffix`)));

    expect(paymentIdFor("same-key-123")).toBe(paymentIdFor("same-key-123"));
    expect(ids.size).toBe(2000);
  });

  it("use the whole base32 alphabet (no bias from the bit packing)", () => {
    const seen = new Set(Array.from({ length: 500 }, (_, i) => paymentIdFor(`spread-${i}`).slice(4)).join(""));

    expect(seen.size).toBe(32);
  });
});

describe("card-number detection", () => {
  it.each(["4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444", "ref 378282246310005 x"])("flags %s", (text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each(["4111111111111112", "order-1001", "1234567890", "tok_visa_4242", "2030-01-01 12:00"])("accepts %s", (text) => {
    expect(containsCardNumber(text)).toBe(false);
  });
});

describe("request hashing", () => {
  const request = { amount: 5, currency: "EUR", merchantReference: "m", sourceReference: "s" };

  it("ignores key order and changes with any value", () => {
    expect(requestHash({ sourceReference: "s", merchantReference: "m", currency: "EUR", amount: 5 })).toBe(requestHash(request));
    expect(requestHash({ ...request, amount: 6 })).not.toBe(requestHash(request));
    expect(requestHash({ ...request, description: "" })).not.toBe(requestHash(request));
  });
});

describe("the request schema", () => {
  it("accepts the documented example", () => {
    const parsed = parseWith(createPaymentRequestSchema, {
      amount: 1050,
      currency: "EUR",
      merchantReference: "order-1001",
      sourceReference: "tok_visa_4242",
      description: "Two coffees",
    });

    expect(parsed.ok).toBe(true);
  });

  it("says 'is required' for a missing field", () => {
    const parsed = parseWith(createPaymentRequestSchema, { currency: "EUR", merchantReference: "m", sourceReference: "s" });

    expect(parsed).toEqual({ ok: false, problems: [{ field: "amount", message: "is required" }] });
  });
});

describe("the transaction log", () => {
  const pending = newPendingPayment({
    paymentId: paymentIdFor("log-key-0001"),
    request: { amount: 5, currency: "EUR", merchantReference: "m", sourceReference: "s" },
    region: "us-east-1",
    at: "2030-01-01T00:00:00.000Z",
  });

  it("keys entries by payment, zero-padded version and status", () => {
    expect(transactionLogKey(pending.paymentId, 2, "SETTLED")).toBe(`transactions/${pending.paymentId}/0002-SETTLED.json`);
  });

  it("derives every entry from the stored item only, so replays write identical bytes", () => {
    const settled = {
      ...pending,
      status: "SETTLED" as const,
      version: 2,
      settledAt: "2030-01-01T00:00:09.000Z",
      updatedAt: "2030-01-01T00:00:09.000Z",
    };

    expect(historyOf(settled)).toEqual([
      expect.objectContaining({ version: 1, status: "PENDING", at: "2030-01-01T00:00:00.000Z" }),
      expect.objectContaining({ version: 2, status: "SETTLED", at: "2030-01-01T00:00:09.000Z" }),
    ]);
    expect(JSON.stringify(historyOf(settled))).toBe(JSON.stringify(historyOf(structuredClone(settled))));
  });

  it("shows merchants no internal fields", () => {
    expect(Object.keys(publicView(pending)).sort()).toEqual(
      ["amount", "createdAt", "currency", "merchantReference", "paymentId", "sourceReference", "status", "updatedAt"].sort(),
    );
  });
});
