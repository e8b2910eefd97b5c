import { bucketName, failoverApiDomain, NamingError, parameterPrefix, regionalApiDomain, resourceName } from "../../infra/core/naming";

describe("resourceName", () => {
  it.each([
    ["payments", "us-east-1", "prod", "payments-us-east-1-prod"],
    ["payments-idempotency", "global", "prod", "payments-idempotency-global-prod"],
    ["dr-control", "us-east-2", "dev", "dr-control-us-east-2-dev"],
  ])("names %s in %s for %s as %s", (service, region, env, expected) => {
    expect(resourceName(service, region, env)).toBe(expected);
  });

  it.each([["Payments"], ["pay_ments"], ["-payments"], ["payments-"], ["pay--ments"], [""]])("rejects the service %j", (service) => {
    expect(() => resourceName(service, "us-east-1", "prod")).toThrow(NamingError);
  });

  it("rejects names longer than 64 characters", () => {
    expect(() => resourceName("a".repeat(50), "us-east-1", "production12")).toThrow(/at most 64/);
  });
});

describe("bucketName", () => {
  it("appends the account id, because bucket names are global across accounts", () => {
    expect(bucketName("txlog", "us-east-1", "prod", "123456789012")).toBe("txlog-us-east-1-prod-123456789012");
  });

  it("rejects names over S3's 63 characters", () => {
    expect(() => bucketName("transaction-log-archive-xyzw", "us-east-1", "production12", "123456789012")).toThrow(/63/);
  });
});

describe("DNS and parameter names", () => {
  it.each([
    [regionalApiDomain("us-east-2", "payments.example.com"), "api-us-east-2.payments.example.com"],
    [failoverApiDomain("payments.example.com"), "api.payments.example.com"],
    [parameterPrefix("prod"), "/payments-dr/prod/"],
  ])("builds %s", (actual, expected) => expect(actual).toBe(expected));
});

describe("assertBundleBuilt", () => {
  // Imported lazily: the module pulls in @pulumi/aws.
  const load = () =>
    require("../../infra/components/compute/lambda-function") as typeof import("../../infra/components/compute/lambda-function");

  it("fails a real deployment whose bundle was not built, saying how to build it", () => {
    const { assertBundleBuilt, OFFLINE_EVALUATION_ENV } = load();
    const saved = process.env[OFFLINE_EVALUATION_ENV];
    delete process.env[OFFLINE_EVALUATION_ENV];
    try {
      expect(() => assertBundleBuilt("create-payment", "/nonexistent")).toThrow(/run `npm run build` before `pulumi up`/);
    } finally {
      if (saved !== undefined) process.env[OFFLINE_EVALUATION_ENV] = saved;
    }
  });

  it("does not need bundles under the offline evaluation", () => {
    const { assertBundleBuilt, OFFLINE_EVALUATION_ENV } = load();
    process.env[OFFLINE_EVALUATION_ENV] = "1";
    try {
      expect(() => assertBundleBuilt("create-payment", "/nonexistent")).not.toThrow();
    } finally {
      delete process.env[OFFLINE_EVALUATION_ENV];
    }
  });
});
