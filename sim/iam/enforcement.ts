/**
 * Where the simulated world asks IAM (authorizer.ts): who is calling, and every request a call
 * or a service-to-service delivery makes.
 *
 * - SDK calls (world.call): the caller is the role session of the credentials the client signs
 *   with — credentials issued by sts:AssumeRole map to the assumed role; otherwise a Lambda
 *   invocation signs as its function's execution role; anyone on the internet is the operator.
 * - Deliveries AWS services make for the stack: Step Functions invoking a Task's function (the
 *   state machine's role), EventBridge invoking a rule's target (the function's resource policy,
 *   with aws:SourceArn = the rule), EventBridge Scheduler assuming its role (the trust policy, with
 *   aws:SourceArn = the schedule GROUP, as Scheduler sends it), starting its target with that role
 *   and sending what it could not deliver to the schedule's dead-letter queue, CloudWatch
 *   publishing an alarm's notification to an encrypted topic (the topic policy, then the key
 *   policy for cloudwatch.amazonaws.com).
 */
import type { Deployment, VpcEndpointDefinition } from "../deployment/types";
import { Authorizer, type AuthDecision, denialMessage, type Principal, principalArn } from "./authorizer";
import { deniedError, iamRequests, kmsContext } from "./requests";

export interface Session {
  roleArn: string;
  sessionName: string;
  expiresAt: number;
}

export class AccessDenied extends Error {
  constructor(
    readonly decision: AuthDecision,
    name: string,
  ) {
    super(denialMessage(decision));
    this.name = name;
  }
}

/**
 * Sessions STS issued, by access key. Module scope, like AWS's STS: a warm handler that cached
 * credentials in one simulated world (tests keep handlers warm across worlds) still holds them in
 * the next, and they stay valid until they expire.
 */
const sessions = new Map<string, Session>();
let issued = 0;
/** The prefix of access keys the simulated STS issues. */
const ISSUED_KEY_PREFIX = "ASIASIM";

export class Iam {
  readonly authorizer: Authorizer;
  /** Denied requests, in order, with who was denied what (the rehearsal reports them; every test can assert none). */
  readonly denials: AuthDecision[] = [];

  constructor(
    private readonly deployment: Deployment,
    private readonly now: () => number,
  ) {
    this.authorizer = new Authorizer(deployment.iam, deployment.accountId);
  }

  /**
   * The principal a client's call is made as. Credentials STS issued name their session; expired
   * ones are refused as AWS refuses them (ExpiredToken).
   */
  principal(info: { accessKeyId?: string }, callerFunction: string | undefined): Principal {
    if (info.accessKeyId?.startsWith(ISSUED_KEY_PREFIX)) {
      const session = sessions.get(info.accessKeyId);
      if (!session || session.expiresAt <= this.now())
        throw Object.assign(new Error("The security token included in the request is expired"), {
          name: "ExpiredTokenException",
          httpStatusCode: 400,
        });
      return { kind: "role", roleArn: session.roleArn, sessionName: session.sessionName };
    }
    if (callerFunction) {
      const spec = this.deployment.functions.find((f) => f.name === callerFunction);
      if (spec) return { kind: "role", roleArn: spec.roleArn, sessionName: spec.name };
    }
    return { kind: "operator" };
  }

  principalArn(principal: Principal): string {
    return principalArn(principal, this.deployment.accountId);
  }

  /** Credentials sts:AssumeRole issues: an access key the world maps back to the session. */
  issueSession(roleArn: string, sessionName: string, durationSeconds: number): { accessKeyId: string; expiration: Date } {
    const accessKeyId = `${ISSUED_KEY_PREFIX}${String(++issued).padStart(9, "0")}`;
    const expiresAt = this.now() + durationSeconds * 1000;
    sessions.set(accessKeyId, { roleArn, sessionName, expiresAt });
    return { accessKeyId, expiration: new Date(expiresAt) };
  }

  /** Authorizes one SDK call; throws the service's own access-denied error when IAM or KMS says no. */
  async authorizeCall(
    principal: Principal,
    call: { service: string; operation: string; input: Record<string, unknown>; region: string },
    endpoint?: VpcEndpointDefinition,
  ): Promise<void> {
    const requests = iamRequests({
      ...call,
      accountId: this.deployment.accountId,
      keyOf: (arn) => this.deployment.iam.encryption.find((e) => e.resourceArn === arn)?.keyArn,
      queueArn: (url) => this.deployment.queues.find((q) => q.url === url)?.arn ?? queueArnFromUrl(url),
      functionArn: (nameOrArn) =>
        nameOrArn.startsWith("arn:") ? nameOrArn : `arn:aws:lambda:${call.region}:${this.deployment.accountId}:function:${nameOrArn}`,
      hashKeyOf: (name) => this.deployment.tables.find((t) => t.name === name)?.hashKey,
    });
    // The global keys AWS puts in every signed request's context
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
    const global: Record<string, string> = { "aws:RequestedRegion": call.region, "aws:PrincipalAccount": this.deployment.accountId };
    if (principal.kind === "role") Object.assign(global, { "aws:PrincipalArn": principal.roleArn, "aws:PrincipalType": "AssumedRole" });
    // A request through a VPC endpoint carries the endpoint and its VPC (aws:SourceVpce, aws:SourceVpc:
    // "included in the request context only if the requester uses a VPC endpoint",
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html), and
    // the endpoint's policy must allow it. The KMS requests a service makes for the caller (SSE-KMS)
    // go from that service to KMS, not through the caller's endpoint: neither applies to them.
    const through = endpoint
      ? { id: endpoint.id, type: endpoint.type, ...(endpoint.policy ? { policy: endpoint.policy } : {}) }
      : undefined;
    const viaEndpoint: Record<string, string> = endpoint ? { "aws:SourceVpce": endpoint.id, "aws:SourceVpc": endpoint.vpcId } : {};
    for (const request of requests) {
      const direct = endpoint && request.kms !== true;
      const context = {
        ...global,
        ...resourceAccount(request.resource, this.deployment.accountId),
        ...(direct ? viaEndpoint : {}),
        ...request.context,
      };
      const decision = await this.authorizer.authorize({
        principal,
        action: request.action,
        resource: request.resource,
        context,
        ...(direct && through ? { endpoint: through } : {}),
      });
      if (!decision.allowed) {
        this.denials.push(decision);
        throw deniedError(call.service, denialMessage(decision), request.kms === true);
      }
    }
  }

  /** A service principal's request (deliveries between services); returns the decision, recording a denial. */
  async service(service: string, action: string, resource: string, context: Record<string, string> = {}): Promise<AuthDecision> {
    const decision = await this.authorizer.authorize({ principal: { kind: "service", service }, action, resource, context });
    if (!decision.allowed) this.denials.push(decision);
    return decision;
  }

  /** A role's request made by a service on its behalf (a state machine's role invoking a Task's function). */
  async asRole(
    roleArn: string,
    sessionName: string,
    action: string,
    resource: string,
    context: Record<string, string> = {},
  ): Promise<AuthDecision> {
    const decision = await this.authorizer.authorize({ principal: { kind: "role", roleArn, sessionName }, action, resource, context });
    if (!decision.allowed) this.denials.push(decision);
    return decision;
  }
}

/**
 * The deliveries AWS services make for the stack, each as AWS authorizes it. Decisions about a
 * service assuming a role are cached per resource (a role is assumed once and kept warm).
 */
export class ServiceDeliveries {
  private readonly assumed = new Map<string, Promise<AuthDecision>>();

  constructor(
    private readonly iam: Iam,
    private readonly deployment: Deployment,
  ) {}

  private once(key: string, decide: () => Promise<AuthDecision>): Promise<AuthDecision> {
    let d = this.assumed.get(key);
    if (!d) {
      d = decide();
      this.assumed.set(key, d);
    }
    return d;
  }

  /**
   * Lambda assumes a function's execution role to run it, sending aws:SourceAccount and
   * aws:SourceArn (the function) — AWS's own Lambda trust policies condition on aws:SourceAccount.
   * (In AWS, CreateFunction refuses a role Lambda cannot assume; here every invocation fails.)
   */
  lambdaAssumes(fn: { arn: string; roleArn: string }): Promise<AuthDecision> {
    return this.once(`lambda|${fn.arn}`, () =>
      this.iam.service("lambda.amazonaws.com", "sts:AssumeRole", fn.roleArn, {
        "aws:SourceAccount": this.deployment.accountId,
        "aws:SourceArn": fn.arn,
      }),
    );
  }

  /** Step Functions assumes a state machine's role (CreateStateMachine refuses one it cannot; here StartExecution fails). */
  stepFunctionsAssumes(machine: { arn: string; roleArn?: string }): Promise<AuthDecision> {
    return this.once(`states|${machine.arn}`, () =>
      this.iam.service("states.amazonaws.com", "sts:AssumeRole", machine.roleArn ?? "", {
        "aws:SourceAccount": this.deployment.accountId,
        "aws:SourceArn": machine.arn,
      }),
    );
  }

  /** A Task's lambda:InvokeFunction, made with the state machine's role. */
  stateMachineInvokes(machine: { roleArn?: string; name: string }, functionArn: string): Promise<AuthDecision> {
    return this.iam.asRole(machine.roleArn ?? "", machine.name, "lambda:InvokeFunction", functionArn, {
      "aws:RequestedRegion": functionArn.split(":")[3],
    });
  }

  /**
   * A Step Functions service integration other than Lambda (the runbook's `sns:publish`), made with
   * the machine's role: the same IAM (and SSE-KMS) requests as the SDK call, judged for the role.
   */
  stateMachineCalls(
    machine: { roleArn?: string; name: string },
    call: { service: string; operation: string; input: Record<string, unknown>; region: string },
  ): Promise<void> {
    return this.iam.authorizeCall({ kind: "role", roleArn: machine.roleArn ?? "", sessionName: machine.name }, call);
  }

  /** EventBridge invoking a rule's Lambda target: the function's resource policy must allow events.amazonaws.com for this rule. */
  eventsInvoke(ruleArn: string, functionArn: string): Promise<AuthDecision> {
    return this.iam.service("events.amazonaws.com", "lambda:InvokeFunction", functionArn, {
      "aws:SourceArn": ruleArn,
      "aws:SourceAccount": this.deployment.accountId,
    });
  }

  /**
   * EventBridge Scheduler assuming a schedule's execution role: it sends aws:SourceArn = the schedule
   * GROUP's ARN ("Do not scope the aws:SourceArn statement to a specific schedule",
   * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
   * What it then does with the role: scheduler/delivery.ts.
   */
  schedulerAssumes(schedule: { roleArn: string; groupArn: string; name: string }): Promise<AuthDecision> {
    return this.once(`scheduler|${schedule.name}`, () =>
      this.iam.service("scheduler.amazonaws.com", "sts:AssumeRole", schedule.roleArn, {
        "aws:SourceAccount": this.deployment.accountId,
        "aws:SourceArn": schedule.groupArn,
      }),
    );
  }

  /**
   * The target's API call, made with the execution role: a Lambda function is invoked
   * (lambda:InvokeFunction, asynchronously), a state machine started (states:StartExecution)
   * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html).
   */
  schedulerInvokes(schedule: { roleArn: string; targetArn: string; name: string }): Promise<AuthDecision> {
    const action = schedule.targetArn.split(":")[2] === "lambda" ? "lambda:InvokeFunction" : "states:StartExecution";
    return this.iam.asRole(schedule.roleArn, schedule.name, action, schedule.targetArn, {
      "aws:RequestedRegion": schedule.targetArn.split(":")[3],
    });
  }

  /**
   * Scheduler sending a dead-letter event to the schedule's SQS queue. The DLQ guide has the
   * execution role send it (sqs:SendMessage, "Set up execution role permissions",
   * https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html); for an
   * encrypted queue SQS then asks KMS, and the troubleshooting guide asks that the key policy "allows
   * EventBridge Scheduler to use it" (Principal scheduler.amazonaws.com, kms:Decrypt and
   * kms:GenerateDataKey, https://docs.aws.amazon.com/scheduler/latest/UserGuide/troubleshooting.html).
   * Which principal KMS sees is not documented: the harsher reading requires both the role (its
   * policy, through SQS) and the service principal (the key policy, with the encryption context SQS
   * always sends and nothing else, as for EventBridge).
   */
  async schedulerSendsToDlq(schedule: { roleArn: string; name: string }, queueArn: string): Promise<AuthDecision> {
    const region = queueArn.split(":")[3];
    const send = await this.iam.asRole(schedule.roleArn, schedule.name, "sqs:SendMessage", queueArn, { "aws:RequestedRegion": region });
    if (!send.allowed) return send;
    const key = this.deployment.iam.encryption.find((e) => e.resourceArn === queueArn)?.keyArn;
    if (!key) return send;
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
      const asRole = await this.iam.asRole(schedule.roleArn, schedule.name, action, key, kmsContext("sqs", queueArn, region));
      if (!asRole.allowed) return asRole;
      const asService = await this.iam.service("scheduler.amazonaws.com", action, key, kmsContext("sqs", queueArn, region));
      if (!asService.allowed) return asService;
    }
    return send;
  }

  /**
   * CloudWatch publishing an alarm action to an SNS topic: the topic policy must allow
   * cloudwatch.amazonaws.com (CloudWatch sends aws:SourceArn = the alarm, aws:SourceAccount); for an
   * encrypted topic, SNS then uses the key for CloudWatch, so the key policy must allow
   * cloudwatch.amazonaws.com kms:GenerateDataKey* and kms:Decrypt
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
   * CloudWatch's KMS requests carry aws:SourceAccount and aws:SourceArn (so key-policy conditions on
   * them hold); EventBridge's do not (see eventBridgeSendsToDlq).
   */
  async cloudWatchPublishes(alarmArn: string, topicArn: string): Promise<AuthDecision> {
    const publish = await this.iam.service("cloudwatch.amazonaws.com", "sns:Publish", topicArn, {
      "aws:SourceArn": alarmArn,
      "aws:SourceAccount": this.deployment.accountId,
    });
    if (!publish.allowed) return publish;
    const key = this.deployment.iam.encryption.find((e) => e.resourceArn === topicArn)?.keyArn;
    if (!key) return publish;
    const region = topicArn.split(":")[3];
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
      const d = await this.iam.service("cloudwatch.amazonaws.com", action, key, {
        ...kmsContext("sns", topicArn, region),
        "aws:SourceArn": alarmArn,
        "aws:SourceAccount": this.deployment.accountId,
      });
      if (!d.allowed) return d;
    }
    return publish;
  }

  /**
   * EventBridge sending an undeliverable event to a target's dead-letter queue: the queue policy
   * must allow events.amazonaws.com sqs:SendMessage (with aws:SourceArn = the rule), and for an
   * encrypted queue the key policy must allow events.amazonaws.com kms:GenerateDataKey and
   * kms:Decrypt. AWS documents that aws:SourceAccount / aws:SourceArn are NOT supported in a key
   * policy for EventBridge: the KMS request does not carry them, so a key-policy statement
   * conditioned on them denies the delivery and the event is lost
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
   */
  async eventBridgeSendsToDlq(ruleArn: string, queueArn: string): Promise<AuthDecision> {
    const send = await this.iam.service("events.amazonaws.com", "sqs:SendMessage", queueArn, {
      "aws:SourceArn": ruleArn,
      "aws:SourceAccount": this.deployment.accountId,
    });
    if (!send.allowed) return send;
    const key = this.deployment.iam.encryption.find((e) => e.resourceArn === queueArn)?.keyArn;
    if (!key) return send;
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
      const d = await this.iam.service("events.amazonaws.com", action, key, kmsContext("sqs", queueArn, queueArn.split(":")[3]));
      if (!d.allowed) return d;
    }
    return send;
  }

  /** Lambda reading an event source with the function's role (CreateEventSourceMapping checks these; so does every poll). */
  async lambdaPolls(mapping: { sourceArn: string; functionArn: string; kind: "sqs" | "dynamodb-stream" }): Promise<AuthDecision> {
    const fn = this.deployment.functions.find((f) => f.arn === mapping.functionArn);
    if (!fn) throw new Error(`event source mapping to unknown function ${mapping.functionArn}`);
    const actions =
      mapping.kind === "sqs"
        ? ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        : ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];
    let last: AuthDecision | undefined;
    for (const action of actions) {
      // ListStreams has no resource type: AWS authorizes it on "*" (Service Authorization Reference).
      const resource = action === "dynamodb:ListStreams" ? "*" : mapping.sourceArn;
      last = await this.once(`poll|${mapping.sourceArn}|${mapping.functionArn}|${action}`, () =>
        this.iam.asRole(fn.roleArn, fn.name, action, resource),
      );
      if (!last.allowed) return last;
    }
    const key = this.deployment.iam.encryption.find((e) => e.resourceArn === mapping.sourceArn)?.keyArn;
    if (key) {
      last = await this.once(`poll-kms|${mapping.sourceArn}|${mapping.functionArn}`, () =>
        this.iam.asRole(fn.roleArn, fn.name, "kms:Decrypt", key, kmsContext("sqs", mapping.sourceArn, mapping.sourceArn.split(":")[3])),
      );
    }
    return last as AuthDecision;
  }
}

/**
 * aws:ResourceAccount, the account that owns the requested resource: "always included in the
 * request context for most service actions" (IAM User Guide, global condition context keys,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount).
 * A request on "*" has no resource and so no owner; an S3 ARN names no account — every bucket the
 * stack calls is its own.
 */
function resourceAccount(resource: string, accountId: string): Record<string, string> {
  if (resource === "*") return {};
  const account = resource.split(":")[4];
  return { "aws:ResourceAccount": account || accountId };
}

function queueArnFromUrl(url: string): string {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/(.+)$/.exec(url);
  if (!m) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`;
}
