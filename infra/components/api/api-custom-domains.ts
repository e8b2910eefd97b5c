import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ApiDomain {
  /** e.g. api.payments.example.com (shared) or api-us-east-1.payments.example.com (pinned). */
  domainName: string;
  /** Short label used in resource names: "shared" | "pinned". */
  label: string;
  /** An issued ACM certificate of this region for the name (ApiCertificates.validatedArns). */
  certificateArn: pulumi.Input<string>;
}

export interface ApiCustomDomainsArgs {
  region: string;
  restApiId: pulumi.Input<string>;
  /** The stage the domains map to, as an output of the stage (mappings wait for it). */
  stageName: pulumi.Input<string>;
  domains: ApiDomain[];
}

export interface DomainTarget {
  domainName: string;
  regionalDomainName: pulumi.Output<string>;
  regionalZoneId: pulumi.Output<string>;
}

/**
 * The custom domains one region's API serves on: REGIONAL, TLS 1.2 or newer, each with its
 * region's certificate and a base path mapping to the stage. `targets[label]` is what a Route 53
 * alias record must point at.
 */
export class ApiCustomDomains extends pulumi.ComponentResource {
  readonly targets: Record<string, DomainTarget>;

  constructor(name: string, args: ApiCustomDomainsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:api:ApiCustomDomains", name, {}, opts);
    const { region } = args;
    const parent = { parent: this };

    this.targets = {};
    for (const domain of args.domains) {
      const domainName = new aws.apigateway.DomainName(
        `${name}-${domain.label}`,
        {
          region,
          domainName: domain.domainName,
          regionalCertificateArn: domain.certificateArn,
          endpointConfiguration: { types: "REGIONAL" },
          securityPolicy: "TLS_1_2",
        },
        parent,
      );
      new aws.apigateway.BasePathMapping(
        `${name}-${domain.label}-mapping`,
        { region, restApi: args.restApiId, stageName: args.stageName, domainName: domainName.domainName },
        parent,
      );
      this.targets[domain.label] = {
        domainName: domain.domainName,
        regionalDomainName: domainName.regionalDomainName,
        regionalZoneId: domainName.regionalZoneId,
      };
    }
    this.registerOutputs({});
  }
}
