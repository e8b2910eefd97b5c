/**
 * Messaging, logging, alarms, DNS, network and region-symmetry rules (N1, Q1-Q3, C1-C3, R1,
 * R4-R7, V1, V2, X1, K2, P1) against the synthesized stack and broken copies of it.
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import { cloudWatchRules } from "../../policy/rules/cloudwatch";
import * as cw from "../../policy/rules/cloudwatch";
import { messagingRules } from "../../policy/rules/messaging";
import * as m from "../../policy/rules/messaging";
import { networkRules } from "../../policy/rules/network";
import * as net from "../../policy/rules/network";
import { route53Rules } from "../../policy/rules/route53";
import * as r53 from "../../policy/rules/route53";
import { symmetryRules } from "../../policy/rules/symmetry";
import * as sym from "../../policy/rules/symmetry";
import { byType, editJson, find, fixture, withChange, without } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const queue = (name: string) => byType("aws:sqs/queue:Queue", (r) => r.inputs.name === name);
const keyArn = (rs: readonly CapturedResource[], region: string) =>
  find(
    rs,
    byType("aws:kms/key:Key", (k) => k.region === region),
  ).state.arn;
const logGroup = (name: string) => byType("aws:cloudwatch/logGroup:LogGroup", (r) => r.inputs.name === name);
const lambdaLogs = logGroup("/aws/lambda/create-payment-us-east-1-dev");
const alarm = (name: string) => byType("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => r.inputs.name === name);
const check = (referenceName: string) => byType("aws:route53/healthCheck:HealthCheck", (r) => r.inputs.referenceName === referenceName);
const record = (name: string) => byType("aws:route53/record:Record", (r) => r.name === name);
const endpoint = (service: string) =>
  byType("aws:ec2/vpcEndpoint:VpcEndpoint", (r) => r.inputs.serviceName === `com.amazonaws.us-east-1.${service}`);
const parameter = (name: string, region: string) =>
  byType("aws:ssm/parameter:Parameter", (r) => r.inputs.name === name && r.region === region);

const cases: FailingCase[] = [
  {
    rule: sym.singlePartition,
    when: "a resource is deployed to a GovCloud region",
    change: (rs) => withChange(rs, queue("payments-processing-us-east-1-dev"), (p) => (p.region = "us-gov-west-1")),
    expect: /aws:sqs\/queue:Queue .* is deployed to us-gov-west-1, in the aws-us-gov partition, not aws/,
  },
  {
    rule: sym.singlePartition,
    when: "a policy names an ARN of another partition",
    change: (rs) =>
      withChange(rs, byType("aws:iam/rolePolicy:RolePolicy"), (p) =>
        editJson(p, "policy", (doc) =>
          doc.Statement.push({ Effect: "Allow", Action: "sns:Publish", Resource: "arn:aws-cn:sns:cn-north-1:123456789012:x" }),
        ),
      ),
    expect: /names ARNs of the aws-cn partition, not aws/,
  },
  {
    rule: net.vpcEndpointPolicies,
    when: "the S3 gateway endpoint has no policy (full access: any bucket of any account)",
    change: (rs) => withChange(rs, endpoint("s3"), (p) => delete p.policy),
    expect: /the s3 endpoint \(us-east-1\) has no endpoint policy: it allows full access to s3, in any account/,
  },
  {
    rule: net.vpcEndpointPolicies,
    when: "the S3 endpoint policy drops the resource-account condition",
    change: (rs) =>
      withChange(rs, endpoint("s3"), (p) =>
        editJson(p, "policy", (doc) => delete doc.Statement[0].Condition.StringEquals["aws:ResourceAccount"]),
      ),
    expect: /lets s3:GetObject, s3:ListBucket, s3:PutObject reach resources of other accounts/,
  },
  {
    rule: net.vpcEndpointPolicies,
    when: "an endpoint policy lets any principal through",
    change: (rs) =>
      withChange(rs, endpoint("sqs"), (p) =>
        editJson(p, "policy", (doc) => {
          doc.Statement[0].Principal = "*";
          delete doc.Statement[0].Condition.StringEquals["aws:PrincipalAccount"];
        }),
      ),
    expect: /the sqs endpoint \(us-east-1\) \(ThisAccountOnThisAccountsResources\) lets principals of other accounts through/,
  },
  {
    rule: net.vpcEndpointPolicies,
    when: "an endpoint policy allows a whole service",
    change: (rs) => withChange(rs, endpoint("sns"), (p) => editJson(p, "policy", (doc) => (doc.Statement[0].Action = "sns:*"))),
    expect: /allows sns:\*/,
  },
  {
    rule: m.snsEncryptedPrivate,
    when: "a topic is not encrypted",
    change: (rs) => withChange(rs, byType("aws:sns/topic:Topic"), (p) => delete p.kmsMasterKeyId),
    expect: /not encrypted with a customer-managed key/,
  },
  {
    rule: m.snsEncryptedPrivate,
    when: "a topic uses alias/aws/sns",
    change: (rs) => withChange(rs, byType("aws:sns/topic:Topic"), (p) => (p.kmsMasterKeyId = "alias/aws/sns")),
    expect: /kmsMasterKeyId alias\/aws\/sns/,
  },
  {
    rule: m.snsEncryptedPrivate,
    when: "anyone may publish",
    change: (rs) =>
      withChange(rs, byType("aws:sns/topicPolicy:TopicPolicy"), (p) => editJson(p, "policy", (doc) => (doc.Statement[0].Principal = "*"))),
    expect: /topic policy allows any principal/,
  },
  {
    rule: m.sqsEncryptedPrivate,
    when: "a queue is not encrypted",
    change: (rs) => withChange(rs, queue("payments-processing-us-east-1-dev"), (p) => delete p.kmsMasterKeyId),
    expect: /the queue is not encrypted/,
  },
  {
    rule: m.sqsEncryptedPrivate,
    when: "a queue uses the other region's key",
    change: (rs) => withChange(rs, queue("payments-processing-us-east-1-dev"), (p) => (p.kmsMasterKeyId = keyArn(rs, "us-east-2"))),
    expect: /queue in us-east-1 uses a key of us-east-2/,
  },
  {
    rule: m.sqsEncryptedPrivate,
    when: "a queue policy allows sqs:* to a service",
    change: (rs) =>
      withChange(rs, byType("aws:sqs/queuePolicy:QueuePolicy"), (p) =>
        editJson(p, "policy", (doc) =>
          doc.Statement.push({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:*", Resource: "*" }),
        ),
      ),
    expect: /queue policy allows sqs:\*/,
  },
  {
    rule: m.sqsDeadLetterQueues,
    when: "the dead-letter queue expires messages before the source does",
    change: (rs) => withChange(rs, queue("payments-processing-dlq-us-east-1-dev"), (p) => (p.messageRetentionSeconds = 3600)),
    expect: /keeps messages 3600 s, not longer than payments-processing-us-east-1-dev/,
  },
  {
    rule: m.sqsDeadLetterQueues,
    when: "the dead-letter queue is in the other region",
    change: (rs) =>
      withChange(rs, queue("payments-processing-us-east-1-dev"), (p) =>
        editJson(
          p,
          "redrivePolicy",
          (policy) => (policy.deadLetterTargetArn = find(rs, queue("payments-processing-dlq-us-east-2-dev")).state.arn),
        ),
      ),
    expect: /has its dead-letter queue in us-east-2/,
  },
  {
    rule: m.sqsDeadLetterQueues,
    when: "messages are received 100 times first",
    change: (rs) =>
      withChange(rs, queue("payments-processing-us-east-1-dev"), (p) =>
        editJson(p, "redrivePolicy", (policy) => (policy.maxReceiveCount = 100)),
      ),
    expect: /maxReceiveCount 100/,
  },
  {
    rule: m.sqsDeadLetterAlarms,
    when: "the payment DLQ has no alarm",
    change: (rs) => without(rs, alarm("processing-dlq-depth-us-east-1-dev")),
    expect: /payments-processing-dlq-us-east-1-dev \(us-east-1\) has no alarm/,
  },
  {
    rule: m.sqsDeadLetterAlarms,
    when: "the async-failures alarm notifies nobody",
    change: (rs) => withChange(rs, alarm("async-failures-depth-us-east-2-dev"), (p) => (p.alarmActions = [])),
    expect: /async-failures-us-east-2-dev \(us-east-2\) has no alarm/,
  },

  {
    rule: cw.logRetentionKms,
    when: "a log group keeps logs 90 days",
    change: (rs) => withChange(rs, lambdaLogs, (p) => (p.retentionInDays = 90)),
    expect: /retention is 90 days, below 365/,
  },
  {
    rule: cw.logRetentionKms,
    when: "a log group never expires by omission",
    change: (rs) => withChange(rs, lambdaLogs, (p) => delete p.retentionInDays),
    expect: /retention is not set/,
  },
  {
    rule: cw.logRetentionKms,
    when: "a log group is not encrypted with the region's key",
    change: (rs) => withChange(rs, lambdaLogs, (p) => (p.kmsKeyId = keyArn(rs, "us-east-2"))),
    expect: /in us-east-1 uses a key of us-east-2/,
  },
  {
    rule: cw.logRetentionKms,
    when: "the configured minimum is above what the stack keeps",
    change: (rs) => [...rs],
    config: { minimumRetentionDays: 400 },
    expect: /retention is 365 days, below 400/,
  },
  {
    rule: cw.logShipping,
    when: "a log group is not shipped to the other region",
    change: (rs) =>
      without(
        rs,
        byType(
          "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
          (r) => r.inputs.logGroup === "/aws/lambda/create-payment-us-east-1-dev",
        ),
      ),
    expect: /log group \/aws\/lambda\/create-payment-us-east-1-dev \(us-east-1\) is not shipped/,
  },
  {
    rule: cw.logShipping,
    when: "a destination policy admits every account",
    change: (rs) =>
      withChange(rs, byType("aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy"), (p) =>
        editJson(p, "accessPolicy", (doc) => (doc.Statement[0].Principal = { AWS: "*" })),
      ),
    expect: /admits \{"AWS":"\*"\}/,
  },
  {
    rule: cw.alarmActions,
    when: "an alarm notifies nobody",
    change: (rs) => withChange(rs, alarm("api-5xx-us-east-1-dev"), (p) => (p.alarmActions = [])),
    expect: /no alarm action/,
  },
  {
    rule: cw.alarmActions,
    when: "an alarm's actions are disabled",
    change: (rs) => withChange(rs, alarm("api-5xx-us-east-1-dev"), (p) => (p.actionsEnabled = false)),
    expect: /alarm actions are disabled/,
  },
  {
    rule: cw.alarmActions,
    when: "missing data is left to the default",
    change: (rs) => withChange(rs, alarm("api-5xx-us-east-1-dev"), (p) => delete p.treatMissingData),
    expect: /treatMissingData is not stated/,
  },
  {
    rule: cw.alarmActions,
    when: "an alarm's period is one CloudWatch refuses",
    change: (rs) => withChange(rs, alarm("payment-failures-us-east-1-dev"), (p) => (p.period = 15)),
    expect: /period 15 s: CloudWatch accepts 10, 20, 30 or a multiple of 60/,
  },
  {
    rule: cw.alarmActions,
    when: "an M-of-N alarm needs more datapoints than it evaluates",
    change: (rs) => withChange(rs, alarm("payment-failures-us-east-1-dev"), (p) => (p.datapointsToAlarm = 7)),
    expect: /datapointsToAlarm 7 exceeds evaluationPeriods 6/,
  },
  {
    rule: cw.alarmActions,
    when: "a DynamoDB alarm relies on breaching",
    change: (rs) => withChange(rs, alarm("payments-errors-us-east-1-dev"), (p) => (p.treatMissingData = "breaching")),
    expect: /'breaching' never happens/,
  },

  {
    rule: r53.healthCheckSettings,
    when: "the primary's check is inverted",
    change: (rs) => withChange(rs, check("primary-api-health"), (p) => (p.invertHealthcheck = true)),
    expect: /inverted/,
  },
  {
    rule: r53.healthCheckSettings,
    when: "a check is disabled",
    change: (rs) => withChange(rs, check("primary-fence"), (p) => (p.disabled = true)),
    expect: /always healthy/,
  },
  {
    rule: r53.healthCheckSettings,
    when: "a check probes plain HTTP",
    change: (rs) => withChange(rs, check("primary-api-health"), (p) => (p.type = "HTTP")),
    expect: /type HTTP is not HTTPS/,
  },
  {
    rule: r53.healthCheckSettings,
    when: "a check names two checker regions",
    change: (rs) => withChange(rs, check("primary-api-health"), (p) => (p.regions = ["us-east-1", "us-west-2"])),
    expect: /2 checker regions named/,
  },
  {
    rule: r53.healthCheckSettings,
    when: "a check waits 11 failures",
    change: (rs) => withChange(rs, check("primary-api-health"), (p) => (p.failureThreshold = 11)),
    expect: /failure threshold 11 is outside 1-10/,
  },
  {
    rule: r53.alarmHealthChecks,
    when: "the fence check leaves insufficientDataHealthStatus to the default",
    change: (rs) => withChange(rs, check("primary-fence"), (p) => delete p.insufficientDataHealthStatus),
    expect: /insufficientDataHealthStatus is unset/,
  },
  {
    rule: r53.alarmHealthChecks,
    when: "the fence check turns healthy on silence while its alarm keeps the last state (the fence would lift itself)",
    change: (rs) => withChange(rs, check("primary-fence"), (p) => (p.insufficientDataHealthStatus = "Healthy")),
    expect:
      /primary-fence is Healthy without data, but its alarm primary-fenced-us-east-2-dev treats missing data as 'ignore'.*must be LastKnownStatus/,
  },
  {
    rule: r53.alarmHealthChecks,
    when: "the fence check turns unhealthy on silence while its alarm keeps the last state (a dead canary would remove the primary)",
    change: (rs) => withChange(rs, check("primary-fence"), (p) => (p.insufficientDataHealthStatus = "Unhealthy")),
    expect: /primary-fence is Unhealthy without data.*must be LastKnownStatus/,
  },
  {
    rule: r53.alarmHealthChecks,
    when: "the fence check watches an alarm in the wrong region",
    change: (rs) => withChange(rs, check("primary-fence"), (p) => (p.cloudwatchAlarmRegion = "us-east-1")),
    expect: /which the stack does not define/,
  },
  {
    rule: r53.alarmHealthChecks,
    when: "the fence alarm is high-resolution",
    change: (rs) => withChange(rs, alarm("primary-fenced-us-east-2-dev"), (p) => (p.period = 10)),
    expect: /high-resolution alarm/,
  },
  {
    rule: r53.failoverRecords,
    when: "the secondary record loses its health check",
    change: (rs) => withChange(rs, record("dns-failover-global-dev-api-secondary"), (p) => delete p.healthCheckId),
    expect: /SECONDARY has no health check/,
  },
  {
    rule: r53.failoverRecords,
    when: "both records claim PRIMARY",
    change: (rs) =>
      withChange(rs, record("dns-failover-global-dev-api-secondary"), (p) => (p.failoverRoutingPolicies = [{ type: "PRIMARY" }])),
    expect: /PRIMARY, PRIMARY instead of one PRIMARY/,
  },
  {
    rule: r53.failoverRecords,
    when: "an endpoint check probes the failover name",
    change: (rs) => withChange(rs, check("secondary-api-health"), (p) => (p.fqdn = "api.payments.example.com")),
    expect: /probes the failover name/,
  },
  {
    rule: r53.recordTtl,
    when: "the witness record is cached for five minutes",
    change: (rs) => withChange(rs, record("dns-failover-global-dev-witness-primary"), (p) => (p.ttl = 300)),
    expect: /TTL 300 exceeds 60 s/,
  },
  {
    rule: r53.queryLogging,
    when: "the zone logs no queries",
    change: (rs) => without(rs, byType("aws:route53/queryLog:QueryLog")),
    expect: /zone payments.example.com has no query logging/,
  },
  {
    rule: r53.queryLogging,
    when: "query logs point at a log group outside us-east-1",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:route53/queryLog:QueryLog"),
        (p) => (p.cloudwatchLogGroupArn = p.cloudwatchLogGroupArn.replace("us-east-1", "us-east-2")),
      ),
    expect: /query logs go to us-east-2, not us-east-1/,
  },

  {
    rule: net.vpcEndpoints,
    when: "functions could only reach SQS through the internet",
    change: (rs) => without(rs, endpoint("sqs")),
    expect: /VPC in us-east-1 has no interface endpoint for sqs/,
  },
  {
    rule: net.vpcEndpoints,
    when: "an interface endpoint has no private DNS",
    change: (rs) => withChange(rs, endpoint("kms"), (p) => (p.privateDnsEnabled = false)),
    expect: /the kms endpoint in us-east-1 has no private DNS/,
  },
  {
    rule: net.vpcEndpoints,
    when: "the DynamoDB gateway endpoint is missing",
    change: (rs) => without(rs, endpoint("dynamodb")),
    expect: /no gateway endpoint for dynamodb/,
  },
  {
    rule: net.vpcEndpoints,
    when: "the config requires an endpoint the stack lacks",
    change: (rs) => [...rs],
    config: { requiredInterfaceEndpoints: ["states"] },
    expect: /no interface endpoint for states/,
  },
  {
    rule: net.vpcHygiene,
    when: "flow logs are off",
    change: (rs) =>
      without(
        rs,
        byType("aws:ec2/flowLog:FlowLog", (r) => r.region === "us-east-1"),
      ),
    expect: /no flow log of ALL traffic/,
  },
  {
    rule: net.vpcHygiene,
    when: "the default security group allows traffic",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"),
        (p) => (p.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }]),
      ),
    expect: /default security group .* has rules/,
  },
  {
    rule: net.vpcHygiene,
    when: "a subnet assigns public IPs",
    change: (rs) => withChange(rs, byType("aws:ec2/subnet:Subnet"), (p) => (p.mapPublicIpOnLaunch = true)),
    expect: /assigns public IPs/,
  },

  {
    rule: sym.regionSymmetry,
    when: "a queue exists only in the primary",
    change: (rs) => without(rs, queue("payments-processing-dlq-us-east-2-dev")),
    expect: /messaging-us-east-1-dev-processing-dlq in us-east-1 has no twin in us-east-2/,
  },
  {
    rule: sym.regionSymmetry,
    when: "a function exists only in the secondary",
    change: (rs) =>
      without(
        rs,
        byType("aws:lambda/function:Function", (r) => r.inputs.name === "notify-us-east-1-dev"),
      ),
    expect: /dr-us-east-2-dev-notify in us-east-2 has no twin in us-east-1/,
  },
  {
    rule: sym.regionSymmetry,
    when: "a resource lands in a third region",
    change: (rs) => [...rs, fixture("aws:sqs/queue:Queue", "stray-queue", { region: "eu-west-1", name: "stray" })],
    expect: /is deployed to eu-west-1, neither us-east-1 nor us-east-2/,
  },
  {
    rule: sym.regionSymmetry,
    when: "the regions cannot be told apart",
    change: (rs) => rs.map((r) => ({ ...r, inputs: { ...r.inputs, tags: undefined }, state: { ...r.state, tags: undefined } })),
    expect: /no DR-Role tags/,
  },
  {
    rule: sym.regionLocalReferences,
    when: "a secondary log group is encrypted with the primary's key",
    change: (rs) => withChange(rs, logGroup("/aws/lambda/create-payment-us-east-2-dev"), (p) => (p.kmsKeyId = keyArn(rs, "us-east-1"))),
    expect: /\(us-east-2\) refers to a KMS key of us-east-1 at kmsKeyId/,
  },
  {
    rule: sym.regionLocalReferences,
    when: "a primary function reads the secondary's parameters",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "notify-us-east-1-dev"),
        (p) =>
          editJson(p, "policy", (doc) =>
            doc.Statement.push({
              Effect: "Allow",
              Action: "ssm:GetParameter",
              Resource: "arn:aws:ssm:us-east-2:123456789012:parameter/payments-dr/dev/region",
            }),
          ),
      ),
    expect: /a role policy of us-east-1, grants a SSM parameter of us-east-2/,
  },
  {
    rule: sym.regionLocalReferences,
    when: "a replica names a key of the table's region",
    change: (rs) => withChange(rs, byType("aws:dynamodb/table:Table"), (p) => (p.replicas[0].kmsKeyArn = keyArn(rs, "us-east-1"))),
    expect: /refers to a KMS key of us-east-1 at replicas.0.kmsKeyArn/,
  },
  {
    rule: sym.ssmParameters,
    when: "a parameter exists only in the primary",
    change: (rs) => without(rs, parameter("/payments-dr/dev/role", "us-east-2")),
    expect: /parameter \/payments-dr\/dev\/role is missing in us-east-2/,
  },
  {
    rule: sym.ssmParameters,
    when: "a secret is stored as a plain String",
    change: (rs) => withChange(rs, parameter("/payments-dr/dev/role", "us-east-1"), (p) => (p.name = "/payments-dr/dev/processor-api-key")),
    expect: /looks sensitive but is not a SecureString/,
  },
];

describe("operations rules", () =>
  ruleSuite([...messagingRules, ...cloudWatchRules, ...route53Rules, ...networkRules, ...symmetryRules], cases));
