import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ApiCertificateRequest {
  region: string;
  /** Short label of the domain in resource names: "shared" | "pinned". */
  label: string;
  domainName: string;
}

export interface ApiCertificatesArgs {
  /** The public hosted zone the DNS validation records go into. */
  zoneId: pulumi.Input<string>;
  certificates: ApiCertificateRequest[];
}

/**
 * The ACM certificates of the API's custom domains, in every region that serves them, validated by
 * DNS in the stack's hosted zone. Global: one DNS zone serves the validation of both regions'
 * certificates. `validatedArns[region][label]` resolves once ACM has issued the certificate.
 */
export class ApiCertificates extends pulumi.ComponentResource {
  readonly validatedArns: Record<string, Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: ApiCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:ApiCertificates", name, {}, opts);
    const parent = { parent: this };

    this.validatedArns = {};
    for (const request of args.certificates) {
      const { region, label } = request;
      const certificate = new aws.acm.Certificate(
        `${name}-${region}-${label}`,
        { region, domainName: request.domainName, validationMethod: "DNS" },
        parent,
      );
      const validationRecord = new aws.route53.Record(
        `${name}-${region}-${label}-validation`,
        {
          zoneId: args.zoneId,
          name: certificate.domainValidationOptions[0].resourceRecordName,
          type: certificate.domainValidationOptions[0].resourceRecordType,
          records: [certificate.domainValidationOptions[0].resourceRecordValue],
          ttl: 60,
          // ACM gives every certificate for the same name in an account the same validation record,
          // so the shared name's certificates in both regions write the same record.
          allowOverwrite: true,
        },
        parent,
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-${region}-${label}-validated`,
        { region, certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
        parent,
      );
      this.validatedArns[region] ??= {};
      this.validatedArns[region][label] = validation.certificateArn;
    }
    this.registerOutputs({});
  }
}
