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

type ValidationOption = aws.types.output.acm.CertificateDomainValidationOption;

/**
 * The ACM certificates of the API's custom domains, in every region that serves them, validated by
 * DNS in the stack's hosted zone. `validatedArns[region][label]` resolves once ACM has issued it.
 *
 * One validation record per domain NAME, not per certificate. ACM gives every certificate for the
 * same name in an account the same CNAME ("Since the CNAME validation token works for any AWS Region,
 * you can re-create the same certificate in multiple Regions"), and renews each certificate only while
 * that record stays in place. Writing it once per region (with allowOverwrite) let two resources own
 * one record: destroying or replacing either region deleted it, and the other region's renewal failed.
 * https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
 * https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html
 */
export class ApiCertificates extends pulumi.ComponentResource {
  readonly validatedArns: Record<string, Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: ApiCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:ApiCertificates", name, {}, opts);
    const parent = { parent: this };

    const certificates = args.certificates.map((request) => ({
      ...request,
      certificate: new aws.acm.Certificate(
        `${name}-${request.region}-${request.label}`,
        { region: request.region, domainName: request.domainName, validationMethod: "DNS" },
        parent,
      ),
    }));
    const optionOf = (c: (typeof certificates)[number]): pulumi.Output<ValidationOption> =>
      c.certificate.domainValidationOptions.apply((options) => {
        const option = options.find((o) => o.domainName === c.domainName);
        if (!option) throw new Error(`ACM returned no DNS validation record for ${c.domainName} (${c.region})`);
        return option;
      });

    this.validatedArns = {};
    for (const domainName of [...new Set(certificates.map((c) => c.domainName))]) {
      const sharing = certificates.filter((c) => c.domainName === domainName);
      const first = optionOf(sharing[0]);
      const record = new aws.route53.Record(
        // The shared name's record is named after its label, a pinned name's after its one region.
        sharing.length > 1 ? `${name}-${sharing[0].label}-validation` : `${name}-${sharing[0].region}-${sharing[0].label}-validation`,
        {
          zoneId: args.zoneId,
          name: first.resourceRecordName,
          type: first.resourceRecordType,
          records: [first.resourceRecordValue],
          ttl: 60,
        },
        parent,
      );
      for (const c of sharing) {
        // Every certificate of the name validates against the one record; if ACM ever handed a
        // region a different record, stop here with the reason rather than wait 75 minutes.
        const fqdn = pulumi.all([optionOf(c), first, record.fqdn]).apply(([mine, written, recordFqdn]) => {
          if (mine.resourceRecordName !== written.resourceRecordName || mine.resourceRecordValue !== written.resourceRecordValue) {
            throw new Error(
              `ACM gave the ${c.region} certificate for ${domainName} the validation record ${mine.resourceRecordName} -> ${mine.resourceRecordValue}, ` +
                `not the ${written.resourceRecordName} -> ${written.resourceRecordValue} this stack writes once for every region`,
            );
          }
          return recordFqdn;
        });
        const validation = new aws.acm.CertificateValidation(
          `${name}-${c.region}-${c.label}-validated`,
          { region: c.region, certificateArn: c.certificate.arn, validationRecordFqdns: [fqdn] },
          parent,
        );
        this.validatedArns[c.region] ??= {};
        this.validatedArns[c.region][c.label] = validation.certificateArn;
      }
    }
    this.registerOutputs({});
  }
}
