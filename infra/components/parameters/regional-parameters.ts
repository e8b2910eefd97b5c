import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface RegionalParametersArgs {
  region: string;
  /** e.g. `/payments-dr/prod/` — identical in both regions. */
  prefix: string;
  /** Relative name -> value. Both regions must be given the same names. */
  values: Record<string, pulumi.Input<string>>;
}

/**
 * One region's SSM parameters: where everything of *this* region is (tables, bucket, queues,
 * topic, endpoints, state machine...). Runtime code and `drctl` read them instead of being told
 * ARNs. None of these values is a secret, so they are plain `String` parameters.
 */
export class RegionalParameters extends pulumi.ComponentResource {
  readonly names: string[];

  constructor(name: string, args: RegionalParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:config:RegionalParameters", name, {}, opts);
    if (!args.prefix.startsWith("/") || !args.prefix.endsWith("/")) {
      throw new Error(`parameter prefix "${args.prefix}" must start and end with "/"`);
    }
    this.names = [];
    for (const [key, value] of Object.entries(args.values).sort(([a], [b]) => a.localeCompare(b))) {
      if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(key)) throw new Error(`parameter name "${key}" must be lower-case path segments`);
      const fullName = `${args.prefix}${key}`;
      new aws.ssm.Parameter(
        `${name}-${key.replace(/\//g, "-")}`,
        {
          region: args.region,
          name: fullName,
          type: "String",
          tier: "Standard",
          value,
          description: `payments-dr: ${key} in ${args.region}`,
        },
        { parent: this },
      );
      this.names.push(fullName);
    }
    this.registerOutputs({ names: this.names });
  }
}
