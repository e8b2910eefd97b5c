import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** No settings: the block is all-or-nothing by design. */
export type AccountPublicAccessBlockArgs = Record<string, never>;

/**
 * Security Hub S3.1: no bucket of the account can be made public, whatever its own settings.
 * Account-wide, so it is kept on `pulumi destroy` (a teardown must not reopen the account).
 */
export class AccountPublicAccessBlock extends pulumi.ComponentResource {
  constructor(name: string, _args: AccountPublicAccessBlockArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:storage:AccountPublicAccessBlock", name, {}, opts);
    new aws.s3.AccountPublicAccessBlock(
      `${name}-block`,
      { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this, retainOnDelete: true },
    );
    this.registerOutputs({});
  }
}
