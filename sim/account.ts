/**
 * The AWS account the simulated stack lives in: what belongs to the account (or to the world
 * outside it) rather than to the stack, and what `drctl preflight` checks before a deploy. A test
 * sets it like an account's owner would (a fresh account with a low Lambda quota, AWS Backup's
 * DynamoDB features off, a zone not delegated yet):
 *
 * - Lambda's "Concurrent executions" quota per region (default 1,000, the quota Lambda lists; new
 *   accounts often start far lower: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
 * - AWS Backup's region settings: the opt-in and the full-management ("advanced features")
 *   preference per resource type (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html);
 * - Route 53 reusable delegation sets and hosted zones (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetReusableDelegationSet.html,
 *   https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html);
 * - the public DNS's delegation of a zone: the name servers the parent zone (or the registrar)
 *   names for it — what a recursive resolver answers for `NS <zone>`;
 * - ACM certificates per region (https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html).
 *
 * By default it is the account the deployment was deployed into: quota 1,000, Backup's DynamoDB
 * features on, the zone delegated to its name servers, and an ISSUED certificate for every custom
 * domain of every regional API. {@link beforeDeploy} gives the same account before `pulumi up`.
 */
import { createHash } from "node:crypto";
import type { Deployment } from "./deployment/types";

/** Lambda's default "Concurrent executions" quota per region. */
export const DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1000;

export interface BackupRegionSettings {
  /** ResourceTypeOptInPreference: AWS Backup protects this resource type in the region. */
  optIn: Record<string, boolean>;
  /** ResourceTypeManagementPreference: AWS Backup fully manages it (for DynamoDB: the advanced features). */
  management: Record<string, boolean>;
}

export type CertificateStatus = "PENDING_VALIDATION" | "ISSUED" | "INACTIVE" | "EXPIRED" | "VALIDATION_TIMED_OUT" | "REVOKED" | "FAILED";

export interface CertificateRecord {
  arn: string;
  region: string;
  domainName: string;
  status: CertificateStatus;
  /** The DNS validation record ACM asks for (one per name and account, the same in every region). */
  validationRecord: { name: string; value: string };
  issuedAt?: number;
  notAfter?: number;
  /** ARNs of what uses it (API Gateway custom domains). */
  inUseBy: string[];
}

const YEAR_MS = 395 * 86_400_000;

/** ACM's DNS validation record for a name in an account: the same in every region. */
function validationRecord(accountId: string, domainName: string): { name: string; value: string } {
  const token = createHash("sha256").update(`${accountId}|${domainName}`).digest("hex");
  return { name: `_${token.slice(0, 32)}.${domainName}.`, value: `_${token.slice(32, 64)}.acm-validations.aws.` };
}

export class Account {
  readonly accountId: string;
  /** Lambda's "Concurrent executions" quota, per region. */
  readonly lambdaConcurrencyQuota = new Map<string, number>();
  /** AWS Backup's region settings, per region. */
  readonly backup = new Map<string, BackupRegionSettings>();
  /** Reusable delegation sets, by id (without `/delegationset/`): their four name servers. */
  readonly delegationSets = new Map<string, string[]>();
  /** Public hosted zones of the account, by id (without `/hostedzone/`). */
  readonly hostedZones = new Map<string, { name: string; nameServers: string[] }>();
  /** The public DNS's NS answer per zone name (what the parent zone or registrar delegates to); absent: NXDOMAIN. */
  readonly delegations = new Map<string, string[]>();
  readonly certificates: CertificateRecord[] = [];

  constructor(deployment: Deployment, now = 0) {
    this.accountId = deployment.accountId;
    for (const region of deployment.regions) {
      this.lambdaConcurrencyQuota.set(region, DEFAULT_LAMBDA_CONCURRENCY_QUOTA);
      this.backup.set(region, { optIn: { DynamoDB: true }, management: { DynamoDB: true } });
    }
    if (deployment.zone.nameServers.length > 0) {
      this.hostedZones.set(deployment.zone.id.replace(/^\/hostedzone\//, ""), {
        name: deployment.zone.name,
        nameServers: [...deployment.zone.nameServers],
      });
      this.delegations.set(deployment.zone.name, [...deployment.zone.nameServers]);
    }
    for (const api of deployment.apis) {
      for (const domainName of api.domains) {
        this.addCertificate(api.region, domainName, "ISSUED", now - 86_400_000, [
          `arn:aws:apigateway:${api.region}::/domainnames/${domainName}`,
        ]);
      }
    }
  }

  /** Requests (or, for a test, places) a certificate for `domainName` in `region`. */
  addCertificate(
    region: string,
    domainName: string,
    status: CertificateStatus,
    issuedAt?: number,
    inUseBy: string[] = [],
  ): CertificateRecord {
    const id = createHash("sha256").update(`${this.accountId}|${region}|${domainName}|${this.certificates.length}`).digest("hex");
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
    const record: CertificateRecord = {
      arn: `arn:aws:acm:${region}:${this.accountId}:certificate/${uuid}`,
      region,
      domainName,
      status,
      validationRecord: validationRecord(this.accountId, domainName),
      ...(status === "ISSUED" && issuedAt !== undefined ? { issuedAt, notAfter: issuedAt + YEAR_MS } : {}),
      inUseBy,
    };
    this.certificates.push(record);
    return record;
  }

  /** Lambda's "Concurrent executions" quota in `region` (a region the account has). */
  concurrencyQuota(region: string): number {
    return this.lambdaConcurrencyQuota.get(region) ?? DEFAULT_LAMBDA_CONCURRENCY_QUOTA;
  }

  backupSettings(region: string): BackupRegionSettings {
    return this.backup.get(region) ?? { optIn: {}, management: {} };
  }

  /** What a recursive resolver answers for `NS <zone>`: the delegation's name servers, or undefined (NXDOMAIN). */
  publicNameServers(zoneName: string): string[] | undefined {
    return this.delegations.get(zoneName.replace(/\.$/, "").toLowerCase());
  }
}

/**
 * The deployment's account before the stack was deployed: the same account, regions and zone
 * name, but nothing the stack creates — no zone (its name servers are unknown), functions, tables, parameters, state machines,
 * schedules, alarms, health checks, records, APIs (so no certificates), queues or buckets.
 */
export function beforeDeploy(d: Deployment): Deployment {
  return {
    ...d,
    zone: { ...d.zone, nameServers: [] },
    functions: [],
    stateMachines: [],
    schedules: [],
    alarms: [],
    eventRules: [],
    healthChecks: [],
    records: [],
    tables: [],
    seedItems: [],
    queues: [],
    topics: [],
    buckets: [],
    parameters: [],
    eventSourceMappings: [],
    asyncInvokeConfigs: [],
    apis: [],
    roleArns: [],
  };
}
