/**
 * Pulumi mocks that stand in for the engine and the AWS provider when the program is evaluated
 * offline (tests, `npm start`, the rehearsal, the policy pack's tests).
 *
 * Every registered resource is captured with its type, name, resolved inputs and region. The
 * state handed back to the program echoes the inputs and adds the attributes AWS would compute
 * (ARNs, URLs, ids), built from the resource's own region so cross-region wiring mistakes show
 * up as wrong ARNs in tests. IDs and ARNs are placeholders — mocks prove what the program asks
 * for, not that AWS would accept it.
 */
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";

export interface CapturedResource {
  type: string;
  name: string;
  id: string;
  /** The resource's `region` input, or undefined for global services. */
  region: string | undefined;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** The URN the engine gave the resource (its parent chain, type and name). */
  urn?: string;
  /** The URN of the resource's parent (a component, or the stack). */
  parent?: string;
  /**
   * URNs the engine waits for before creating this resource: `dependsOn` (a component expanded to
   * its children) and every resource whose outputs feed its inputs, as `pulumi up` orders them.
   */
  dependencies?: string[];
  /**
   * Resource options the engine receives (the mocks' `newResource` does not see them): `protect`,
   * and the property paths of `ignoreChanges` and `replaceOnChanges`, where set.
   */
  options?: { protect?: boolean; ignoreChanges?: string[]; replaceOnChanges?: string[] };
  /**
   * The resource's aliases, as the engine receives them: an old URN, or a spec whose empty parts
   * mean "as now" (the engine also derives a child's aliases from its parent's; this does not).
   */
  aliases?: CapturedAlias[];
}

export type CapturedAlias = { urn: string } | { name?: string; type?: string; parentUrn?: string; noParent?: boolean };

export interface CapturedCall {
  token: string;
  args: Record<string, any>;
}

function physicalName(inputs: Record<string, any>, name: string): string {
  return inputs.name ?? inputs.bucket ?? inputs.functionName ?? inputs.alarmName ?? inputs.domainName ?? inputs.fqdn ?? name;
}

function hash(text: string, length = 8): string {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0").repeat(4).slice(0, length);
}

/** What AWS would add to a resource's state, per type. */
function computedState(type: string, name: string, inputs: Record<string, any>, world: MockWorld = {}): Record<string, any> {
  const region = inputs.region ?? "us-east-1";
  const acct = MOCK_ACCOUNT_ID;
  const pname = physicalName(inputs, name);
  const [pkg] = type.split(":").slice(1);
  const service = pkg.split("/")[0];
  const generic = { arn: `arn:aws:${service}:${region}:${acct}:${pname}` };

  switch (type) {
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:${region}:${acct}:key/${hash(name, 8)}-0000-4000-8000-${hash(`${name}k`, 12)}`, keyId: hash(name, 8) };
    case "aws:kms/alias:Alias":
      return { arn: `arn:aws:kms:${region}:${acct}:${inputs.name}` };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${pname}`, bucket: pname, bucketRegionalDomainName: `${pname}.s3.${region}.amazonaws.com`, id: pname };
    case "aws:dynamodb/table:Table":
      return {
        arn: `arn:aws:dynamodb:${region}:${acct}:table/${pname}`,
        streamArn: inputs.streamEnabled ? `arn:aws:dynamodb:${region}:${acct}:table/${pname}/stream/2026-01-01T00:00:00.000` : undefined,
        // The provider reads each replica's stream in its region; a table without a stream has none
        // there either. (With hashicorp/terraform-provider-aws#48213 a strongly consistent replica may
        // lack one even so: infra/core/tables.ts, replicaStreamArn, stops the deployment then.)
        replicas: (inputs.replicas ?? []).map((r: any) => ({
          ...r,
          arn: `arn:aws:dynamodb:${r.regionName}:${acct}:table/${pname}`,
          ...(inputs.streamEnabled
            ? { streamArn: `arn:aws:dynamodb:${r.regionName}:${acct}:table/${pname}/stream/2026-01-01T00:00:00.000` }
            : {}),
        })),
      };
    case "aws:sqs/queue:Queue":
      return { arn: `arn:aws:sqs:${region}:${acct}:${pname}`, url: `https://sqs.${region}.amazonaws.com/${acct}/${pname}` };
    case "aws:sns/topic:Topic":
      return { arn: `arn:aws:sns:${region}:${acct}:${pname}` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${acct}:role/${pname}`, uniqueId: `AROA${hash(name, 12).toUpperCase()}` };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${acct}:policy/${pname}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${region}:${acct}:log-group:${pname}` };
    case "aws:cloudwatch/logDestination:LogDestination":
      return { arn: `arn:aws:logs:${region}:${acct}:destination:${pname}` };
    case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
      return { arn: `arn:aws:firehose:${region}:${acct}:deliverystream/${pname}` };
    case "aws:lambda/function:Function":
      return {
        arn: `arn:aws:lambda:${region}:${acct}:function:${pname}`,
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${acct}:function:${pname}/invocations`,
        qualifiedArn: `arn:aws:lambda:${region}:${acct}:function:${pname}:1`,
        version: "1",
      };
    case "aws:sfn/stateMachine:StateMachine":
      return { arn: `arn:aws:states:${region}:${acct}:stateMachine:${pname}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
    case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
      return { arn: `arn:aws:cloudwatch:${region}:${acct}:alarm:${pname}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { arn: `arn:aws:events:${region}:${acct}:rule/${pname}` };
    case "aws:ssm/parameter:Parameter":
      return { arn: `arn:aws:ssm:${region}:${acct}:parameter${inputs.name}` };
    case "aws:ec2/vpc:Vpc":
      return {
        arn: `arn:aws:ec2:${region}:${acct}:vpc/vpc-${hash(name)}`,
        defaultSecurityGroupId: `sg-default-${hash(name)}`,
        mainRouteTableId: `rtb-main-${hash(name)}`,
      };
    case "aws:ec2/subnet:Subnet":
      return { arn: `arn:aws:ec2:${region}:${acct}:subnet/subnet-${hash(name)}` };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return { arn: `arn:aws:ec2:${region}:${acct}:vpc-endpoint/vpce-${hash(name)}`, prefixListId: `pl-${hash(name)}` };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { arn: `arn:aws:ec2:${region}:${acct}:security-group/sg-${hash(name)}` };
    case "aws:backup/vault:Vault":
      return { arn: `arn:aws:backup:${region}:${acct}:backup-vault:${pname}` };
    case "aws:backup/plan:Plan":
      return { arn: `arn:aws:backup:${region}:${acct}:backup-plan:${hash(name)}` };
    case "aws:apigateway/restApi:RestApi":
      return {
        rootResourceId: `root${hash(name, 6)}`,
        executionArn: `arn:aws:execute-api:${region}:${acct}:${hash(name, 10)}`,
        arn: `arn:aws:apigateway:${region}::/restapis/${hash(name, 10)}`,
      };
    case "aws:apigateway/stage:Stage":
      return {
        arn: `arn:aws:apigateway:${region}::/restapis/x/stages/${inputs.stageName}`,
        invokeUrl: `https://${hash(name, 10)}.execute-api.${region}.amazonaws.com/${inputs.stageName}`,
      };
    case "aws:apigateway/domainName:DomainName":
      return {
        arn: `arn:aws:apigateway:${region}::/domainnames/${inputs.domainName}`,
        regionalDomainName: `d-${hash(name, 10)}.execute-api.${region}.amazonaws.com`,
        regionalZoneId: `ZREGIONAL${region.replace(/-/g, "").toUpperCase()}`,
      };
    case "aws:acm/certificate:Certificate":
      // ACM's validation record belongs to the domain name and the account, not to one certificate:
      // "Since the CNAME validation token works for any AWS Region, you can re-create the same
      // certificate in multiple Regions" (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
      return {
        arn: `arn:aws:acm:${region}:${acct}:certificate/${hash(name, 8)}`,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_x${hash(`${acct}/${inputs.domainName}`, 6)}.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_y${hash(`${acct}/${inputs.domainName}`, 6)}.acm-validations.aws.`,
          },
        ],
      };
    case "aws:route53/record:Record":
      // The provider's fqdn: the record's name as Route 53 stores it, without the trailing dot.
      return { ...generic, fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:route53/zone:Zone":
      // A zone created from a reusable delegation set gets that set's name servers (CreateHostedZone).
      return {
        arn: `arn:aws:route53:::hostedzone/Z${hash(name, 12).toUpperCase()}`,
        zoneId: `Z${hash(name, 12).toUpperCase()}`,
        nameServers: (inputs.delegationSetId && world.delegationSets?.[inputs.delegationSetId]) || MOCK_ZONE_NAME_SERVERS,
      };
    case "aws:route53/healthCheck:HealthCheck":
      return { arn: `arn:aws:route53:::healthcheck/${hash(name, 8)}-hc`, id: `${hash(name, 8)}-hc` };
    case "aws:wafv2/webAcl:WebAcl":
      return { arn: `arn:aws:wafv2:${region}:${acct}:regional/webacl/${pname}/${hash(name)}` };
    case "aws:scheduler/scheduleGroup:ScheduleGroup":
      return { arn: `arn:aws:scheduler:${region}:${acct}:schedule-group/${pname}` };
    case "aws:fis/experimentTemplate:ExperimentTemplate": {
      // A template has an id (EXT + 13 characters) and no name; the console shows its Name tag.
      const id = `EXT${hash(name, 13).toUpperCase()}`;
      return { id, arn: `arn:aws:fis:${region}:${acct}:experiment-template/${id}` };
    }
    case "aws:scheduler/schedule:Schedule":
      return { arn: `arn:aws:scheduler:${region}:${acct}:schedule/${inputs.groupName ?? "default"}/${pname}` };
    default:
      // Some resources take an `arn` input that AWS echoes (an EventBridge target's, a topic
      // policy's): never replace it with a made-up one.
      return inputs.arn === undefined ? generic : {};
  }
}

export interface MockWorld {
  /** Hosted zones that already exist in the account, by id (for `hostedZoneId`). */
  existingZones?: Record<string, string>;
  /** Reusable delegation sets of the account, by id, with their name servers (for `delegationSetId`). */
  delegationSets?: Record<string, string[]>;
}

/** The name servers Route 53 gives a zone created without a delegation set (placeholders). */
export const MOCK_ZONE_NAME_SERVERS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"];

/** Answers for the invokes the program makes. */
function callResult(token: string, args: Record<string, any>, world: MockWorld): Record<string, any> {
  switch (token) {
    case "aws:route53/getZone:getZone": {
      const name = world.existingZones?.[args.zoneId];
      if (!name) throw new Error(`no hosted zone ${args.zoneId} in the offline account`);
      return {
        zoneId: args.zoneId,
        name: `${name}.`,
        nameServers: ["ns-11.awsdns-11.org", "ns-12.awsdns-12.co.uk", "ns-13.awsdns-13.com", "ns-14.awsdns-14.net"],
      };
    }
    case "aws:route53/getDelegationSet:getDelegationSet": {
      const nameServers = world.delegationSets?.[args.id];
      if (!nameServers) throw new Error(`no reusable delegation set ${args.id} in the offline account`);
      return { id: args.id, arn: `arn:aws:route53:::delegationset/${args.id}`, callerReference: "offline", nameServers };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`, userId: "OFFLINE" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const region = args.region ?? "us-east-1";
      const names = ["a", "b", "c", "d"].map((s) => `${region}${s}`);
      return { names, zoneIds: names.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`), id: region };
    }
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getRegion:getRegion":
      return { name: args.region ?? "us-east-1", region: args.region ?? "us-east-1" };
    case "aws:ec2/getPrefixList:getPrefixList":
      return { id: `pl-${hash(String(args.name ?? args.prefixListId), 8)}`, name: args.name };
    default:
      throw new Error(`The offline mocks do not answer the invoke ${token}; add it to infra/offline/mocks.ts`);
  }
}

/** Pulumi's wire envelope for secret values (`{ [sig]: secretSig, value }`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Inputs as the program wrote them, with secret envelopes opened (the capture is for inspection). */
export function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    if (value[SIG_KEY] === SECRET_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * File archives and assets as plain data (`{ archive: "file", path }`): their `path` is a Promise,
 * which would be captured (and snapshotted) as `{}` and make every function's code look alike.
 */
async function resolveAssets(value: any): Promise<any> {
  if (value instanceof pulumi.asset.FileArchive) return { archive: "file", path: await value.path };
  if (value instanceof pulumi.asset.FileAsset) return { asset: "file", path: await value.path };
  if (Array.isArray(value)) return Promise.all(value.map(resolveAssets));
  if (value && typeof value === "object") {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveAssets(v)])));
  }
  return value;
}

/**
 * Records, for every registration, the URN, the parent, the dependencies and the resource options
 * the engine receives (the mocks' `newResource` does not see them). Installed on the mock monitor after `setMocks`.
 */
export function captureRegistrations(resources: CapturedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (error: unknown, response: any) => void) =>
    register(req, (error: unknown, response: any) => {
      if (!error && response) {
        const captured = resources.find((r) => r.urn === undefined && r.type === req.getType() && r.name === req.getName());
        if (captured) {
          captured.urn = response.getUrn();
          captured.parent = req.getParent() || undefined;
          captured.dependencies = [...req.getDependenciesList()];
          const options = {
            ...(req.getProtect() ? { protect: true } : {}),
            ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: [...req.getIgnorechangesList()] } : {}),
            ...(req.getReplaceonchangesList().length > 0 ? { replaceOnChanges: [...req.getReplaceonchangesList()] } : {}),
          };
          if (Object.keys(options).length > 0) captured.options = options;
          const aliases = req.getAliasesList().map(capturedAlias);
          if (aliases.length > 0) captured.aliases = aliases;
        }
      }
      callback(error, response);
    });
}

function capturedAlias(alias: any): CapturedAlias {
  if (alias.hasUrn()) return { urn: alias.getUrn() };
  const spec = alias.getSpec();
  return {
    ...(spec.getName() ? { name: spec.getName() } : {}),
    ...(spec.getType() ? { type: spec.getType() } : {}),
    ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
    ...(spec.getNoparent() ? { noParent: true } : {}),
  };
}

export function createMocks(resources: CapturedResource[], calls: CapturedCall[] = [], world: MockWorld = {}): pulumi.runtime.Mocks {
  return {
    async newResource(args: pulumi.runtime.MockResourceArgs) {
      const inputs = unwrapSecrets(await resolveAssets(args.inputs));
      const computed = computedState(args.type, args.name, inputs, world);
      const id = computed.id ?? `${physicalName(inputs, args.name)}-id`;
      const state = { ...args.inputs, ...computed };
      resources.push({ type: args.type, name: args.name, id, region: inputs.region, inputs, state: { ...inputs, ...computed } });
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      calls.push({ token: args.token, args: args.inputs });
      return callResult(args.token, args.inputs, world);
    },
  };
}
