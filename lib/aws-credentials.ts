/**
 * Credentials for the cross-region DR operations role, which runbook steps use to act in the other
 * region. (In a module of their own, so handlers that never assume the role do not bundle STS.)
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { awsClient, RUNBOOK_CALL_TUNING, type CredentialProvider, type TemporaryCredentials } from "./aws-clients";

export type { CredentialProvider, TemporaryCredentials };

/**
 * Credentials of the DR operations role, assumed through the LOCAL region's STS endpoint (the
 * peer region, or us-east-1's global endpoint, may be the thing that is down). Cached until five
 * minutes before they expire; a failed assume is not cached.
 */
export function drOperationsCredentials(options: {
  roleArn: string;
  stsRegion: string;
  sessionName: string;
  now?: () => number;
}): CredentialProvider {
  const sts = awsClient(STSClient, options.stsRegion, RUNBOOK_CALL_TUNING);
  const now = options.now ?? Date.now;
  let cached: TemporaryCredentials | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - now() > 5 * 60_000) return cached;
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: options.roleArn, RoleSessionName: options.sessionName.slice(0, 64), DurationSeconds: 900 }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${options.roleArn} returned no credentials`);
    cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    return cached;
  };
}
