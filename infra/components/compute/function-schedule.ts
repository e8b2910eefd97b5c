import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, sendToEncryptedQueue, serviceTrustPolicy } from "../../core/policy-documents";

export interface FunctionScheduleArgs {
  region: string;
  accountId: pulumi.Input<string>;
  /** Physical name of the schedule group; the execution role trusts Scheduler for this group only. */
  scheduleGroupName: string;
  /** Physical name of the schedule and of its execution role. */
  scheduleName: string;
  description: string;
  /** A Scheduler rate, e.g. "1 minute". */
  rate: string;
  functionArn: pulumi.Input<string>;
  /** What the function receives. */
  input: Record<string, unknown>;
  /** Where Scheduler puts invocations it could not deliver (an encrypted standard queue of the region). */
  deadLetterQueueArn: pulumi.Input<string>;
  /** The queue's key: Scheduler encrypts dead letters through SQS with the execution role. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Delivery retries before the dead-letter queue, and how old an invocation may get. Default
   * behaviour: 2 retries within 60 s (a late run is worth nothing once the next is due).
   */
  retry?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
}

/**
 * EventBridge Scheduler invoking one Lambda function on a rate, in its own schedule group: Lambda's
 * Invoke is a templated target, called with the schedule's execution role, which needs
 * lambda:InvokeFunction on the function, and sqs:SendMessage (plus the queue key through SQS) for
 * the dead-letter queue. Scheduler sends the schedule GROUP's ARN as aws:SourceArn, so the trust
 * names the group.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 */
export class FunctionSchedule extends pulumi.ComponentResource {
  readonly scheduleArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: FunctionScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:compute:FunctionSchedule", name, {}, opts);
    const { region } = args;
    const parent = { parent: this };
    const group = new aws.scheduler.ScheduleGroup(`${name}-group`, { region, name: args.scheduleGroupName }, parent);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.scheduleName,
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("scheduler.amazonaws.com", args.accountId, group.arn)),
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: "invoke-function",
        policy: pulumi.jsonStringify(
          policyDocument([
            { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: args.functionArn },
            ...sendToEncryptedQueue(args.deadLetterQueueArn, args.kmsKeyArn, region),
          ]),
        ),
      },
      parent,
    );
    const schedule = new aws.scheduler.Schedule(
      name,
      {
        region,
        name: args.scheduleName,
        groupName: group.name,
        description: args.description,
        scheduleExpression: `rate(${args.rate})`,
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: args.functionArn,
          roleArn: role.arn,
          input: JSON.stringify(args.input),
          retryPolicy: args.retry ?? { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
          deadLetterConfig: { arn: args.deadLetterQueueArn },
        },
      },
      { parent: this, dependsOn: [policy] },
    );
    this.scheduleArn = schedule.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ scheduleArn: this.scheduleArn });
  }
}
