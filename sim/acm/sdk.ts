/**
 * ACM through the SDK: ListCertificates and DescribeCertificate (what `drctl preflight` asks),
 * answered from the account's certificates in the client's region (account.ts). Shapes as the API
 * reference gives them:
 * https://docs.aws.amazon.com/acm/latest/APIReference/API_ListCertificates.html (CertificateStatuses
 * filter; by default every status; MaxItems and NextToken paging),
 * https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html (an ARN of another
 * region or account is ResourceNotFoundException).
 * Includes filters (key types, extended key usage) are not simulated and are refused.
 */
import * as acm from "@aws-sdk/client-acm";
import type { CertificateRecord } from "../account";
import { ServiceError } from "../small-services";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

type Input = Record<string, any>;

/** ListCertificates' default (and largest) page. */
const MAX_ITEMS = 1000;

function summary(c: CertificateRecord) {
  return {
    CertificateArn: c.arn,
    DomainName: c.domainName,
    SubjectAlternativeNameSummaries: [c.domainName],
    Status: c.status,
    Type: "AMAZON_ISSUED",
    KeyAlgorithm: "RSA_2048",
    InUse: c.inUseBy.length > 0,
    RenewalEligibility: c.inUseBy.length > 0 ? "ELIGIBLE" : "INELIGIBLE",
    ...(c.issuedAt !== undefined ? { IssuedAt: new Date(c.issuedAt) } : {}),
    ...(c.notAfter !== undefined ? { NotAfter: new Date(c.notAfter) } : {}),
  };
}

const VALIDATION_STATUS: Record<string, string> = { ISSUED: "SUCCESS", PENDING_VALIDATION: "PENDING_VALIDATION" };

function describe(c: CertificateRecord) {
  return {
    Certificate: {
      ...summary(c),
      SubjectAlternativeNames: [c.domainName],
      InUseBy: [...c.inUseBy],
      DomainValidationOptions: [
        {
          DomainName: c.domainName,
          ValidationDomain: c.domainName,
          ValidationMethod: "DNS",
          ValidationStatus: VALIDATION_STATUS[c.status] ?? "FAILED",
          ResourceRecord: { Name: c.validationRecord.name, Type: "CNAME", Value: c.validationRecord.value },
        },
      ],
    },
  };
}

export function installAcmFake(b: () => SdkBackend): void {
  installFake(
    {
      service: "acm",
      module: acm as unknown as Record<string, unknown>,
      client: acm.ACMClient,
      commands: [
        [
          acm.ListCertificatesCommand,
          (i: Input, info) => {
            if (i.Includes) throw new Error("The rehearsal's ListCertificates takes CertificateStatuses, MaxItems and NextToken only");
            const statuses = (i.CertificateStatuses ?? []) as string[];
            const all = b().account.certificates.filter(
              (c) => c.region === info.region && (statuses.length === 0 || statuses.includes(c.status)),
            );
            const max = i.MaxItems ?? MAX_ITEMS;
            const start = i.NextToken === undefined ? 0 : Number(Buffer.from(String(i.NextToken), "base64").toString("utf8"));
            if (!Number.isInteger(start) || start < 0) throw new ServiceError("InvalidArgsException", "Invalid NextToken", 400);
            const page = all.slice(start, start + max);
            return {
              CertificateSummaryList: page.map(summary),
              ...(start + max < all.length ? { NextToken: Buffer.from(String(start + max)).toString("base64") } : {}),
            };
          },
        ],
        [
          acm.DescribeCertificateCommand,
          (i: Input, info) => {
            const c = b().account.certificates.find((x) => x.arn === i.CertificateArn && x.region === info.region);
            if (!c) throw new ServiceError("ResourceNotFoundException", `Could not find certificate ${i.CertificateArn}.`, 400);
            return describe(c);
          },
        ],
      ],
    },
    b,
  );
}
