import { isTransientAwsError, TransientAwsError } from "../../runbooks/domain/errors";
import { stepHandler, createLogger } from "../../runbooks/domain/handler";
import * as z from "../../lib/zod";

const awsError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe("isTransientAwsError", () => {
  it.each([
    ["ThrottlingException (400)", awsError("ThrottlingException", { $fault: "client", $metadata: { httpStatusCode: 400 } })],
    ["ProvisionedThroughputExceededException", awsError("ProvisionedThroughputExceededException", { $fault: "client" })],
    ["TooManyRequestsException (429)", awsError("TooManyRequestsException", { $metadata: { httpStatusCode: 429 } })],
    ["InternalServerError (500)", awsError("InternalServerError", { $fault: "server", $metadata: { httpStatusCode: 500 } })],
    ["ServiceUnavailable (503)", awsError("ServiceUnavailable", { $metadata: { httpStatusCode: 503 } })],
    ["marked retryable by the SDK", awsError("SomethingNew", { $retryable: {} })],
    ["the SDK's TimeoutError", awsError("TimeoutError")],
    ["a reset connection", awsError("Error", { code: "ECONNRESET" })],
  ])("%s is transient", (_label, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    [
      "ConditionalCheckFailedException",
      awsError("ConditionalCheckFailedException", { $fault: "client", $metadata: { httpStatusCode: 400 } }),
    ],
    ["AccessDeniedException", awsError("AccessDeniedException", { $fault: "client", $metadata: { httpStatusCode: 400 } })],
    ["ValidationException", awsError("ValidationException", { $fault: "client", $metadata: { httpStatusCode: 400 } })],
    ["a runbook error (LeaseHeldError)", awsError("LeaseHeldError")],
    ["a plain Error", new Error("boom")],
    ["not an Error", "ThrottlingException"],
  ])("%s is not", (_label, error) => {
    expect(isTransientAwsError(error)).toBe(false);
  });
});

describe("stepHandler", () => {
  const logger = createLogger("test");
  logger.setLogLevel("SILENT");
  const failingWith = (error: unknown) => stepHandler("test-step", z.object({}), logger, async () => Promise.reject(error));

  it("renames a transient AWS error TransientAwsError (what every Task retries), keeping the original in the message", async () => {
    const handler = failingWith(awsError("ThrottlingException", { $metadata: { httpStatusCode: 400 } }));
    await expect(handler({})).rejects.toMatchObject({ name: "TransientAwsError", message: expect.stringContaining("test-step") });
    await expect(handler({})).rejects.toBeInstanceOf(TransientAwsError);
    await expect(handler({})).rejects.toThrow("ThrottlingException: ThrottlingException happened");
  });

  it("lets every other error through with its own name", async () => {
    await expect(failingWith(awsError("AccessDeniedException", { $metadata: { httpStatusCode: 400 } }))({})).rejects.toMatchObject({
      name: "AccessDeniedException",
    });
    await expect(failingWith(awsError("LeaseHeldError"))({})).rejects.toMatchObject({ name: "LeaseHeldError" });
  });
});
