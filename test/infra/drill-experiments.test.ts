/**
 * The AWS FIS experiments of the quarterly drill as the program deploys them (Pulumi mocks): one
 * template per experiment in each region, aimed at that region's resources, stopped by its alarms,
 * logged to an encrypted, shipped log group, run by a least-privilege role FIS alone may assume.
 *
 * What this cannot prove: that FIS accepts the templates or that the role's permissions suffice in
 * AWS (the simulated FIS in sim/fis/ authorizes each call the actions make against this very role,
 * test/sim/fis.test.ts). Mocks prove what the program asks for.
 */
import { DRILL_EXPERIMENTS, fisRoleStatements } from "../../infra/core/drill-experiments";
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { one, ofType, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const ACCT = MOCK_ACCOUNT_ID;
const REGION_LIST = [REGIONS.primary, REGIONS.secondary];
const TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate";
const template = (experiment: string, region: string) =>
  one(ev, TEMPLATE, (t) => t.region === region && t.inputs.tags?.Name === `drill-${experiment}-${region}-dev`);
const alarmArn = (key: string, region: string) => `arn:aws:cloudwatch:${region}:${ACCT}:alarm:${key}-${region}-dev`;
const param = (t: { inputs: any }, key: string) => t.inputs.actions[0].parameters.find((p: any) => p.key === key)?.value;
const role = (region: string) => one(ev, "aws:iam/role:Role", (r) => r.inputs.name === `fis-drill-${region}-dev`);
const rolePolicy = (region: string) =>
  statements(one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `fis-drill-${region}-dev`).inputs.policy);
const subnetIds = (region: string) =>
  ofType(ev, "aws:ec2/subnet:Subnet", region)
    .map((s) => s.id)
    .sort();

describe("experiment templates", () => {
  it.each(REGION_LIST)("deploys one template per drill experiment in %s, and no other", (region) => {
    const names = ofType(ev, TEMPLATE, region).map((t) => t.inputs.tags.DrillExperiment);
    expect(names.sort()).toEqual(DRILL_EXPERIMENTS.map((e) => e.name).sort());
  });

  it.each(REGION_LIST)("pauses replication of the payments table's own replica in %s for 15 minutes", (region) => {
    const t = template("pause-replication", region);
    expect(t.inputs.targets).toEqual([
      {
        name: "Tables",
        resourceType: "aws:dynamodb:global-table",
        resourceArns: [`arn:aws:dynamodb:${region}:${ACCT}:table/payments-global-dev`],
        selectionMode: "ALL",
      },
    ]);
    expect(t.inputs.actions).toEqual([
      {
        name: "pause-replication",
        actionId: "aws:dynamodb:global-table-pause-replication",
        parameters: [{ key: "duration", value: "PT15M" }],
        target: { key: "Tables", value: "Tables" },
      },
    ]);
  });

  it.each(REGION_LIST)("cuts every private subnet of %s off DynamoDB's endpoint for 10 minutes", (region) => {
    const t = template("payment-path-dynamodb", region);
    expect(t.inputs.actions[0].actionId).toBe("aws:network:disrupt-connectivity");
    expect(param(t, "scope")).toBe("dynamodb");
    expect(param(t, "duration")).toBe("PT10M");
    expect(t.inputs.targets[0].resourceType).toBe("aws:ec2:subnet");
    expect(t.inputs.targets[0].selectionMode).toBe("ALL");
    const arns: string[] = t.inputs.targets[0].resourceArns;
    expect(arns.map((a) => a.replace(`arn:aws:ec2:${region}:${ACCT}:subnet/`, "")).sort()).toEqual(subnetIds(region));
    expect(arns).toHaveLength(3);
  });

  it.each(REGION_LIST)("stops each experiment in %s on that region's alarms that mean customers are hurt", (region) => {
    expect(template("pause-replication", region).inputs.stopConditions).toEqual([
      { source: "aws:cloudwatch:alarm", value: alarmArn("payment-failures", region) },
      { source: "aws:cloudwatch:alarm", value: alarmArn("peer-health", region) },
    ]);
    expect(template("payment-path-dynamodb", region).inputs.stopConditions).toEqual([
      { source: "aws:cloudwatch:alarm", value: alarmArn("peer-health", region) },
    ]);
    // The stop alarms exist, in the template's region.
    for (const key of ["payment-failures", "peer-health"])
      expect(one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === `${key}-${region}-dev`).region).toBe(region);
  });

  it.each(REGION_LIST)("fails an experiment in %s whose targets resolve to nothing, in this account only", (region) => {
    for (const e of DRILL_EXPERIMENTS)
      expect(template(e.name, region).inputs.experimentOptions).toEqual({
        accountTargeting: "single-account",
        emptyTargetResolutionMode: "fail",
      });
  });

  it.each(REGION_LIST)("logs every experiment in %s to a KMS-encrypted, 365-day, shipped log group of that region", (region) => {
    const name = `/aws/vendedlogs/fis/drill-experiments-${region}-dev`;
    for (const e of DRILL_EXPERIMENTS)
      expect(template(e.name, region).inputs.logConfiguration).toEqual({
        logSchemaVersion: 2,
        cloudwatchLogsConfiguration: { logGroupArn: `arn:aws:logs:${region}:${ACCT}:log-group:${name}:*` },
      });
    const group = one(ev, "aws:cloudwatch/logGroup:LogGroup", (g) => g.inputs.name === name);
    expect(group.region).toBe(region);
    expect(group.inputs.kmsKeyId).toMatch(new RegExp(`^arn:aws:kms:${region}:${ACCT}:key/`));
    expect(group.inputs.retentionInDays).toBeGreaterThanOrEqual(365);
    const shipping = one(ev, "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", (s) => s.inputs.logGroup === name);
    expect(shipping.inputs.destinationArn).toMatch(new RegExp(`^arn:aws:logs:${region}:`));
  });

  it.each(REGION_LIST)("tags each template in %s with its name, experiment, Environment, Region and DR-Role", (region) => {
    const t = template("pause-replication", region);
    expect(t.inputs.tags).toEqual({
      Name: `drill-pause-replication-${region}-dev`,
      DrillExperiment: "pause-replication",
      Environment: "dev",
      Region: region,
      "DR-Role": region === REGIONS.primary ? "primary" : "secondary",
      Project: "payments-dr",
    });
    expect(t.inputs.roleArn).toBe(`arn:aws:iam::${ACCT}:role/fis-drill-${region}-dev`);
  });
});

describe("experiment role", () => {
  it.each(REGION_LIST)("is assumable by FIS only, for experiments of this account in %s", (region) => {
    expect(statements(role(region).inputs.assumeRolePolicy)).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "fis.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCT },
          ArnLike: { "aws:SourceArn": `arn:aws:fis:${region}:${ACCT}:experiment/*` },
        },
      },
    ]);
  });

  it.each(REGION_LIST)("may change only the payments replica of %s, and its stream, to pause replication", (region) => {
    const s = rolePolicy(region).find((x) => x.Sid === "PauseReplicationOfThePaymentsReplica");
    const table = `arn:aws:dynamodb:${region}:${ACCT}:table/payments-global-dev`;
    expect(s.Resource).toEqual([table, `${table}/stream/*`]);
    expect(s.Action).toEqual([
      "dynamodb:PutResourcePolicy",
      "dynamodb:DeleteResourcePolicy",
      "dynamodb:GetResourcePolicy",
      "dynamodb:DescribeTable",
    ]);
  });

  it.each(REGION_LIST)("edits or deletes only network ACLs FIS created, and swaps ACLs only of %s's private subnets", (region) => {
    const policy = rolePolicy(region);
    const by = (sid: string) => policy.find((x) => x.Sid === sid);
    expect(by("EditAndDeleteOnlyTheFisNetworkAcl").Condition).toEqual({ StringEquals: { "ec2:ResourceTag/managedByFIS": "true" } });
    expect(by("TagOnlyWhileCreatingIt").Condition).toEqual({
      StringEquals: { "ec2:CreateAction": "CreateNetworkAcl", "aws:RequestTag/managedByFIS": "true" },
    });
    const swap = by("SwapNetworkAclsOfThePrivateSubnets");
    const subnets = subnetIds(region).map((id) => `arn:aws:ec2:${region}:${ACCT}:subnet/${id}`);
    expect(swap.Resource).toEqual([...subnets, `arn:aws:ec2:${region}:${ACCT}:network-acl/*`]);
    const vpc = one(ev, "aws:ec2/vpc:Vpc", (v) => v.region === region);
    expect(swap.Condition).toEqual({ StringEquals: { "ec2:Vpc": `arn:aws:ec2:${region}:${ACCT}:vpc/${vpc.id}` } });
    expect(by("CreateNetworkAclsInThisVpcOnly").Resource).toBe(`arn:aws:ec2:${region}:${ACCT}:vpc/${vpc.id}`);
  });

  it.each(REGION_LIST)("names in %s no action outside what the two FIS actions and log delivery need", (region) => {
    const actions = rolePolicy(region).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    const MREC_ACTIONS = fisRoleStatements({
      region,
      accountId: ACCT,
      paymentsTableName: "t",
      paymentsTableStrong: false,
      vpcId: "v",
      subnetIds: [],
    }).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(new Set(actions.filter((a) => a !== "dynamodb:InjectError"))).toEqual(new Set(MREC_ACTIONS));
    expect(new Set(MREC_ACTIONS)).toEqual(
      new Set([
        "dynamodb:PutResourcePolicy",
        "dynamodb:DeleteResourcePolicy",
        "dynamodb:GetResourcePolicy",
        "dynamodb:DescribeTable",
        "tag:GetResources",
        "ec2:DescribeSubnets",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeVpcs",
        "ec2:DescribeManagedPrefixLists",
        "ec2:GetManagedPrefixListEntries",
        "ec2:CreateNetworkAcl",
        "ec2:CreateTags",
        "ec2:CreateNetworkAclEntry",
        "ec2:DeleteNetworkAcl",
        "ec2:ReplaceNetworkAclAssociation",
        "logs:CreateLogDelivery",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ]),
    );
  });
});

describe("fisRoleStatements", () => {
  const facts = { region: "us-east-2", accountId: ACCT, paymentsTableName: "payments-global-dev", vpcId: "vpc-1", subnetIds: ["subnet-a"] };

  it("adds dynamodb:InjectError only for a strongly consistent table, bound to this action and this replica", () => {
    expect(fisRoleStatements({ ...facts, paymentsTableStrong: false }).some((s) => s.Sid === "PauseReplicationOfAStrongReplica")).toBe(
      false,
    );
    const strong = fisRoleStatements({ ...facts, paymentsTableStrong: true }).find((s) => s.Sid === "PauseReplicationOfAStrongReplica");
    expect(strong).toEqual({
      Sid: "PauseReplicationOfAStrongReplica",
      Effect: "Allow",
      Action: ["dynamodb:InjectError"],
      Resource: "*",
      Condition: {
        "ForAllValues:StringEquals": {
          "dynamodb:FisActionId": ["aws:dynamodb:global-table-pause-replication"],
          "dynamodb:FisTargetArns": [`arn:aws:dynamodb:us-east-2:${ACCT}:table/payments-global-dev`],
        },
      },
    });
  });

  it("puts Resource '*' only on actions AWS offers no resource-level permission for", () => {
    const onStar = fisRoleStatements({ ...facts, paymentsTableStrong: true })
      .filter((s) => s.Resource === "*")
      .flatMap((s) => s.Action as string[]);
    expect(onStar.sort()).toEqual(
      [
        "dynamodb:InjectError",
        "ec2:DescribeManagedPrefixLists",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "logs:CreateLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:PutResourcePolicy",
        "tag:GetResources",
      ].sort(),
    );
  });
});
