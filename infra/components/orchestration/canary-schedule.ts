import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, sendToEncryptedQueue, serviceTrustPolicy } from "../../core/policy-documents";
import { movedInto } from "./moved";

export interface CanaryScheduleArgs {
  region: string;
  accountId: pulumi.Input<string>;
  /** The schedule's physical name (its execution role has the same name). */
  scheduleName: string;
  /** The region's schedule group's physical name. */
  groupName: string;
  /** The EXPRESS ticker it starts every minute. */
  tickerArn: pulumi.Input<string>;
  /** Where a start that failed every retry goes, and the key that queue is encrypted with. */
  asyncFailuresArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** The DrOrchestration's name: the group, role and policy were its children, named after it. */
  formerOwnerName: string;
}

/** EventBridge Scheduler starting the canary ticker every minute, from the region's own schedule group. */
export class CanarySchedule extends pulumi.ComponentResource {
  constructor(name: string, args: CanaryScheduleArgs, opts: pulumi.ComponentResourceOptions) {
    super("payments-dr:orchestration:CanarySchedule", name, {}, opts);
    const moved = movedInto(this, opts.parent);
    // Three children were DrOrchestration's, named after it: keep their URNs.
    const formerly = (suffix: string) => movedInto(this, opts.parent, `${args.formerOwnerName}-${suffix}`);
    const { region } = args;
    // The region's own schedule group, so the role below trusts Scheduler for exactly our
    // schedules. Scheduler sends the schedule GROUP's ARN as aws:SourceArn when it assumes the
    // execution role ("The value of aws:SourceArn must be your EventBridge Scheduler schedule group
    // ARN ... Do not scope the aws:SourceArn statement to a specific schedule or a schedule name
    // prefix"): a trust scoped to one schedule's ARN is never satisfied and the canary never runs.
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
    const group = new aws.scheduler.ScheduleGroup(`${name}-group`, { region, name: args.groupName }, formerly("schedule-group"));
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.scheduleName,
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("scheduler.amazonaws.com", args.accountId, group.arn)),
      },
      formerly("scheduler-role"),
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: "start-canary-ticker",
        policy: pulumi.jsonStringify(
          policyDocument([
            { Effect: "Allow", Action: ["states:StartExecution"], Resource: args.tickerArn },
            ...sendToEncryptedQueue(args.asyncFailuresArn, args.kmsKeyArn, region),
          ]),
        ),
      },
      formerly("scheduler-policy"),
    );
    new aws.scheduler.Schedule(
      name,
      {
        region,
        name: args.scheduleName,
        groupName: group.name,
        description: `Starts the canary ticker of ${region} every minute`,
        scheduleExpression: "rate(1 minute)",
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: args.tickerArn,
          roleArn: role.arn,
          input: JSON.stringify({ source: "canary-schedule" }),
          // A missed minute is not retried late: the next minute's ticker is already on its way.
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
          deadLetterConfig: { arn: args.asyncFailuresArn },
        },
      },
      { ...moved, dependsOn: [policy] },
    );
    this.registerOutputs({});
  }
}
