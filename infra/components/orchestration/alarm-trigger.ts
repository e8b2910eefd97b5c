import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RegionalFunction } from "../compute/lambda-function";
import { movedInto } from "./moved";

export interface AlarmTriggerArgs {
  region: string;
  accountId: pulumi.Input<string>;
  /** The rule's physical name. */
  ruleName: string;
  /** Alarms whose ALARM transitions start the runbook. */
  alarmArns: pulumi.Input<string>[];
  /** The function that names and starts each run (start-execution). */
  starter: RegionalFunction;
  asyncFailuresArn: pulumi.Input<string>;
}

/**
 * The EventBridge rule that turns a DR alarm's move into ALARM into a runbook start, through the
 * function that gives each alarm transition a deterministic execution name.
 */
export class AlarmTrigger extends pulumi.ComponentResource {
  readonly ruleArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmTriggerArgs, opts: pulumi.ComponentResourceOptions) {
    super("payments-dr:orchestration:AlarmTrigger", name, {}, opts);
    const moved = movedInto(this, opts.parent);
    const { region } = args;
    const rule = new aws.cloudwatch.EventRule(
      name,
      {
        region,
        name: args.ruleName,
        description: `DR alarms of ${region} going to ALARM start its runbook`,
        eventPattern: pulumi.jsonStringify({
          source: ["aws.cloudwatch"],
          "detail-type": ["CloudWatch Alarm State Change"],
          resources: args.alarmArns,
          detail: { state: { value: ["ALARM"] } },
        }),
      },
      moved,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        region,
        action: "lambda:InvokeFunction",
        function: args.starter.function.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
        sourceAccount: args.accountId,
      },
      moved,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        region,
        rule: rule.name,
        arn: args.starter.arn,
        // EventBridge retries for 24 h by default, then drops the event; a runbook start that old
        // is worse than none, and a dropped one must be visible: short retry window plus a DLQ.
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 600 },
        deadLetterConfig: { arn: args.asyncFailuresArn },
      },
      moved,
    );
    this.ruleArn = rule.arn;
    this.registerOutputs({ ruleArn: this.ruleArn });
  }
}
