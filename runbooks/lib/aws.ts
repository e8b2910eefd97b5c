/**
 * Credentials for the cross-region DR operations role, and the short timeouts of peer calls.
 * (The DynamoDB document client factory is in ./dynamodb.ts, so handlers that never touch
 * DynamoDB do not bundle it.)
 *
 * Handlers create their clients once, at module scope, with the region spelled out — the local
 * region for everything the runbook decides on, the peer region only for the steps that must act
 * there (and only through the DR operations role).
 */
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";

/** The credential shape every SDK v3 client accepts (declared here: @aws-sdk/types is not a direct dependency). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<TemporaryCredentials>;

/** Short timeouts for calls into the peer region: a dead region must not stall the runbook. */
export const PEER_CALL_TIMEOUTS = { connectionTimeout: 2000, requestTimeout: 3000 } as const;

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
  const sts = new STSClient({ region: options.stsRegion, maxAttempts: 2, requestHandler: PEER_CALL_TIMEOUTS });
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

export { describeError } from "./errors";
