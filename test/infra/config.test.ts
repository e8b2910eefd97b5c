import { accountInStackPartition, partitionOfRegion } from "../../infra/core/aws-facts";
import { ConfigError, CONFIG_KEYS, parseConfig } from "../../infra/core/config";

/** The least a stack sets: its zone's name, and how the zone is delegated (here: a delegation set). */
const zone = { hostedZoneName: "payments.example.com", delegationSetId: "N0123456789ABCDEFGHIJ" };

function problems(raw: Record<string, unknown>, stack = "dev"): string[] {
  try {
    parseConfig(raw, stack);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("needs only hostedZoneName and how the zone is delegated, and fills every default", () => {
    const config = parseConfig(zone, "prod");
    expect(config).toMatchObject({
      hostedZoneName: "payments.example.com",
      environment: "prod",
      primaryRegion: "us-east-1",
      secondaryRegion: "us-east-2",
      rpoSeconds: 60,
      rtoSeconds: 300,
      healthCheckIntervalSeconds: 10,
      healthCheckFailureThreshold: 3,
      dnsTtlSeconds: 60,
      alertEmails: [],
      logRetentionDays: 365,
      autoFailover: true,
      dataConsistency: "strong",
      witnessRegion: "us-west-2",
    });
  });

  it("takes an explicit environment over the stack name", () => {
    expect(parseConfig({ ...zone, environment: "stage2" }, "whatever").environment).toBe("stage2");
  });

  it.each([
    [{}, "payments-dr:hostedZoneName = (not set): is required"],
    [{ hostedZoneName: "Payments.Example.com" }, 'payments-dr:hostedZoneName = "Payments.Example.com": must be a lower-case DNS name'],
    [{ hostedZoneName: "payments.example.com." }, "no trailing dot"],
    [{ ...zone, primaryRegion: "useast1" }, 'payments-dr:primaryRegion = "useast1": must be an AWS region code'],
    [{ ...zone, secondaryRegion: "us-east-1" }, 'payments-dr:secondaryRegion = "us-east-1": must differ from primaryRegion ("us-east-1")'],
    [{ ...zone, healthCheckIntervalSeconds: 15 }, "payments-dr:healthCheckIntervalSeconds = 15: must be 10 or 30"],
    [{ ...zone, healthCheckFailureThreshold: 11 }, "payments-dr:healthCheckFailureThreshold = 11"],
    [{ ...zone, logRetentionDays: 90 }, "payments-dr:logRetentionDays = 90: must be one of 365, 400"],
    [{ ...zone, logRetentionDays: 366 }, "payments-dr:logRetentionDays = 366"],
    [{ ...zone, dnsTtlSeconds: 300 }, "payments-dr:dnsTtlSeconds = 300"],
    [{ ...zone, alertEmails: ["oncall"] }, 'payments-dr:alertEmails.0 = "oncall": must be an e-mail address'],
    [{ ...zone, rpoSeconds: "sixty" }, 'payments-dr:rpoSeconds = "sixty"'],
    [{ ...zone, autoFailover: "yes" }, 'payments-dr:autoFailover = "yes"'],
    [
      { hostedZoneName: "payments.example.com", hostedZoneId: "abc" },
      'payments-dr:hostedZoneId = "abc": must be a Route 53 hosted zone id',
    ],
    [{ ...zone, delegationSetId: "abc" }, 'payments-dr:delegationSetId = "abc": must be a Route 53 reusable delegation set id'],
    [{ ...zone, primaryZone: "x" }, "unknown key(s) payments-dr:primaryZone"],
    // Every ARN the program writes is arn:aws:...: regions of other partitions are refused by name.
    [
      { ...zone, primaryRegion: "us-gov-west-1", secondaryRegion: "us-gov-east-1" },
      'payments-dr:primaryRegion = "us-gov-west-1": is in the aws-us-gov partition; payments-dr writes every ARN for the aws partition (arn:aws:...) and deploys only to its regions, such as us-east-1',
    ],
    [{ ...zone, secondaryRegion: "cn-northwest-1" }, 'payments-dr:secondaryRegion = "cn-northwest-1": is in the aws-cn partition'],
    [{ ...zone, secondaryRegion: "us-iso-east-1" }, 'payments-dr:secondaryRegion = "us-iso-east-1": is in the aws-iso partition'],
  ])("rejects %j naming the key, the value and what is allowed", (raw, expected) => {
    expect(problems(raw).join("\n")).toContain(expected);
  });

  it("rejects an environment defaulted from an unusable stack name, saying where it came from", () => {
    expect(problems(zone, "Prod_EU")).toEqual([
      'payments-dr:environment = "Prod_EU" (defaulted from the stack name): must be 1-12 characters: a lower-case letter, then letters or digits',
    ]);
  });

  it("reports every problem at once", () => {
    expect(problems({ hostedZoneName: "x", delegationSetId: "N1", logRetentionDays: 1, secondaryRegion: "us-east-1" })).toHaveLength(3);
  });

  it("knows every key it validates", () => {
    expect(CONFIG_KEYS).toEqual(expect.arrayContaining(["hostedZoneName", "rpoSeconds", "autoFailover", "logRetentionDays"]));
  });
});

describe("partition", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-central-2", "aws"],
    ["il-central-1", "aws"],
    ["us-gov-west-1", "aws-us-gov"],
    ["cn-north-1", "aws-cn"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eusc-de-east-1", "aws-eusc"],
  ])("places %s in the %s partition", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });

  it("accepts every region of the aws partition", () => {
    expect(
      parseConfig({ ...zone, primaryRegion: "eu-west-1", secondaryRegion: "eu-central-1", dataConsistency: "eventual" }, "dev"),
    ).toMatchObject({
      primaryRegion: "eu-west-1",
      secondaryRegion: "eu-central-1",
    });
  });

  it("uses the caller's account only when the credentials are in the aws partition", () => {
    expect(accountInStackPartition("arn:aws:iam::123456789012:user/ci", "123456789012")).toBe("123456789012");
    expect(() => accountInStackPartition("arn:aws-us-gov:iam::123456789012:user/ci", "123456789012")).toThrow(
      /arn:aws-us-gov:iam::123456789012:user\/ci in partition "aws-us-gov"; payments-dr writes every ARN for the "aws" partition/,
    );
  });
});

describe("the zone and its delegation (the first deploy must not wait on ACM for a delegation nobody made)", () => {
  it("refuses a zone the stack would create without a delegation set, naming both keys and what to do", () => {
    expect(problems({ hostedZoneName: "payments.example.com" })).toEqual([
      'payments-dr:hostedZoneId and payments-dr:delegationSetId = (neither set): the stack would create the zone "payments.example.com" with name ' +
        "servers nobody can have delegated to yet, and ACM's DNS validation of the API certificates in the same deployment waits for that delegation " +
        "until it fails (75 minutes). Set payments-dr:hostedZoneId to an existing public zone that is already delegated, or create a reusable " +
        "delegation set (aws route53 create-reusable-delegation-set --caller-reference <unique>), delegate the zone to its four name servers, and set " +
        "payments-dr:delegationSetId to its Id (README, Deploy)",
    ]);
  });

  it("refuses both keys at once: an existing zone keeps its own name servers", () => {
    expect(problems({ ...zone, hostedZoneId: "Z0123456789ABCDEFGHIJ" })).toEqual([
      'payments-dr:delegationSetId = "N0123456789ABCDEFGHIJ": applies only to a zone the stack creates; with payments-dr:hostedZoneId = "Z0123456789ABCDEFGHIJ" the existing zone keeps its own name servers. Set one of the two',
    ]);
  });

  it("accepts an existing zone, or a delegation set by its Id as the AWS CLI prints it", () => {
    expect(
      parseConfig({ hostedZoneName: "payments.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }, "dev").delegationSetId,
    ).toBeUndefined();
    expect(
      parseConfig({ hostedZoneName: "payments.example.com", delegationSetId: "/delegationset/N0123456789ABC" }, "dev").delegationSetId,
    ).toBe("N0123456789ABC");
  });
});

describe("the consistency mode and its regions (DynamoDB MRSC: three regions of one region set)", () => {
  it.each([
    ["us-east-1", "us-east-2", "us-west-2"],
    ["us-west-2", "us-east-1", "us-east-2"],
    ["eu-west-1", "eu-central-1", "eu-west-2"],
    ["eu-west-3", "eu-west-2", "eu-central-1"],
    ["ap-northeast-1", "ap-northeast-3", "ap-northeast-2"],
  ])("accepts strong mode with %s, %s and the witness in %s", (primaryRegion, secondaryRegion, witnessRegion) => {
    expect(parseConfig({ ...zone, primaryRegion, secondaryRegion, witnessRegion }, "dev")).toMatchObject({
      dataConsistency: "strong",
      witnessRegion,
    });
  });

  it("accepts eventual mode in regions no MRSC set includes, ignoring the witness", () => {
    expect(
      parseConfig({ ...zone, dataConsistency: "eventual", primaryRegion: "sa-east-1", secondaryRegion: "ca-central-1" }, "dev"),
    ).toMatchObject({ dataConsistency: "eventual", primaryRegion: "sa-east-1", secondaryRegion: "ca-central-1" });
  });

  it("rejects a mode it does not know, naming both", () => {
    expect(problems({ ...zone, dataConsistency: "STRONG" })).toEqual([
      'payments-dr:dataConsistency = "STRONG": must be "strong" (DynamoDB multi-Region strong consistency: replicas in both regions and a witness ' +
        'in witnessRegion) or "eventual" (multi-Region eventual consistency, last writer wins)',
    ]);
  });

  it("rejects the default strong mode for regions outside every MRSC set, listing the sets and the way out", () => {
    expect(problems({ ...zone, primaryRegion: "sa-east-1", secondaryRegion: "us-east-2" })).toEqual([
      'payments-dr:dataConsistency = "strong" (the default): DynamoDB multi-Region strong consistency is offered only in the region sets ' +
        "US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, eu-central-1; AP: ap-northeast-1, ap-northeast-2, ap-northeast-3; " +
        'primaryRegion "sa-east-1" is in none. Choose primaryRegion and secondaryRegion in one set, or set payments-dr:dataConsistency to "eventual"',
    ]);
    expect(problems({ ...zone, primaryRegion: "sa-east-1", secondaryRegion: "ca-central-1", dataConsistency: "strong" })[0]).toMatch(
      /^payments-dr:dataConsistency = "strong": .*; primaryRegion "sa-east-1" and secondaryRegion "ca-central-1" are in none\./,
    );
  });

  it("rejects primary and secondary regions of two different sets: an MRSC table cannot span them", () => {
    expect(problems({ ...zone, primaryRegion: "us-east-1", secondaryRegion: "eu-west-1" })).toEqual([
      expect.stringMatching(
        /^payments-dr:dataConsistency = "strong" \(the default\): primaryRegion "us-east-1" is in the US region set and secondaryRegion "eu-west-1" in the EU set; a multi-Region strongly consistent table cannot span region sets/,
      ),
    ]);
  });

  it.each([
    [{ witnessRegion: "us-east-1" }, 'payments-dr:witnessRegion = "us-east-1"', "us-west-2"],
    [{ witnessRegion: "eu-west-1" }, 'payments-dr:witnessRegion = "eu-west-1"', "us-west-2"],
    [
      { primaryRegion: "eu-west-1", secondaryRegion: "eu-central-1" },
      'payments-dr:witnessRegion = "us-west-2" (the default)',
      "one of eu-west-2, eu-west-3",
    ],
  ])("rejects a witness outside the set or on a replica's region (%j), naming the regions allowed", (raw, key, allowed) => {
    expect(problems({ ...zone, ...raw })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${key.replace(/[()]/g, "\\$&")}: the witness of the strongly consistent tables must be the third region, .* other than primaryRegion and secondaryRegion: ${allowed}$`,
        ),
      ),
    ]);
  });

  it("reports a malformed witness region as a region code problem, in any mode", () => {
    expect(problems({ ...zone, dataConsistency: "eventual", witnessRegion: "west" })).toEqual([
      'payments-dr:witnessRegion = "west": must be an AWS region code such as us-west-2',
    ]);
  });
});
