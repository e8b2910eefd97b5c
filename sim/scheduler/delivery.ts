/**
 * EventBridge Scheduler delivering one firing of a schedule to its target, as the Scheduler user
 * guide describes it, with the harsher reading wherever it is silent:
 *
 * 1. Scheduler assumes the schedule's execution role, sending aws:SourceArn = the schedule GROUP
 *    ("Do not scope the aws:SourceArn statement to a specific schedule",
 *    https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 *    A role it cannot assume delivers nothing, and since the dead-letter queue is also written with
 *    that role (step 4) the firing is lost: nothing reaches the DLQ (the guide does not say; harsher).
 * 2. With the role, it calls the target's API: a Lambda function is invoked ASYNCHRONOUSLY ("When you
 *    set up EventBridge Scheduler with Lambda, EventBridge Scheduler invokes your Lambda function
 *    asynchronously", https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html),
 *    needing lambda:InvokeFunction; a state machine is started (states:StartExecution)
 *    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html).
 *    Once Lambda has accepted the event, Scheduler's part is done: function errors are retried by
 *    Lambda's asynchronous invocation (the function's own retry settings, lambda/runtime.ts
 *    invokeAsync), never by the schedule, and never reach the schedule's DLQ.
 * 3. A failed delivery is retried per the target's RetryPolicy: "Retry attempts with exponential
 *    backoff continue until either the maximum number of attempts is made or until the duration of
 *    the MaximumEventAgeInSeconds is reached"
 *    (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html). AWS gives no
 *    backoff figures: here 1 s, doubling. A denial is retried like any failure (the guide does not
 *    say it is not), so the dead letter arrives only once the retries are spent.
 * 4. Then the dead-letter queue: "When a schedule fails to invoke its target, EventBridge Scheduler
 *    delivers a JSON payload containing invocation details and any response received from the target
 *    to an Amazon SQS standard queue", "after exhausting the maximum number of retries"
 *    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html). The
 *    guide has the EXECUTION ROLE send it (sqs:SendMessage, section "Set up execution role
 *    permissions"), and its troubleshooting page asks that an encrypted DLQ's KEY POLICY allow
 *    scheduler.amazonaws.com kms:GenerateDataKey and kms:Decrypt
 *    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/troubleshooting.html). Unsure which
 *    principal SQS's KMS request carries, the simulation requires BOTH (iam/enforcement.ts
 *    schedulerSendsToDlq); a denied dead letter is lost, as it would be in AWS.
 *
 * A region that is down runs no schedules (Scheduler is regional); retries stop with it.
 */
import type { VirtualClock } from "../clock";
import type { ScheduleDefinition } from "../deployment/types";
import { type AuthDecision, denialMessage } from "../iam/authorizer";
import type { ServiceDeliveries } from "../iam/enforcement";
import type { LambdaRuntime } from "../lambda/runtime";
import type { Reachability } from "../network";
import type { SqsService } from "../sqs/model";
import type { StepFunctionsService } from "../stepfunctions/model";
import type { Timeline } from "../timeline";

/** What became of one firing that did not reach its target (tests read these; successes are not kept). */
export interface ScheduleFailure {
  at: number;
  schedule: string;
  region: string;
  /** How many deliveries were tried (the first and its retries). */
  attempts: number;
  outcome: "role-not-assumed" | "dead-lettered" | "lost";
  reason: string;
}

export interface SchedulerDeps {
  clock: VirtualClock;
  reachability: Reachability;
  deliveries: ServiceDeliveries;
  runtime: LambdaRuntime;
  sfn: StepFunctionsService;
  sqs: SqsService;
  timeline: Timeline;
}

/** The first retry's backoff; each later one doubles it (AWS documents exponential backoff, no figures). */
export const SCHEDULER_FIRST_BACKOFF_MS = 1000;

export class SchedulerDelivery {
  readonly failures: ScheduleFailure[] = [];
  private readonly reported = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** One firing of `s` (the world's clock calls this every rate period). */
  async fire(s: ScheduleDefinition): Promise<void> {
    const { deps } = this;
    if (!deps.reachability.isUp(s.region)) return;
    const firedAt = deps.clock.now();
    const fail = (outcome: ScheduleFailure["outcome"], attempts: number, reason: string) => {
      this.failures.push({ at: deps.clock.now(), schedule: s.name, region: s.region, attempts, outcome, reason });
      const key = `${s.name}|${outcome}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      const target = s.targetArn.split(":").pop();
      const what =
        outcome === "role-not-assumed"
          ? `IAM: Scheduler cannot start ${target}: ${reason} (nothing delivered, no dead letter: the DLQ is written with that role)`
          : outcome === "dead-lettered"
            ? `IAM: Scheduler cannot start ${target} after ${attempts} attempt(s): ${reason}; the firing went to the dead-letter queue`
            : `IAM: Scheduler cannot start ${target} after ${attempts} attempt(s), and its dead letter was lost: ${reason}`;
      deps.timeline.add(s.region, "scenario", what);
    };

    const assumed = await deps.deliveries.schedulerAssumes(s);
    if (!assumed.allowed) return fail("role-not-assumed", 1, denialMessage(assumed));

    let attempts = 0;
    let denied: AuthDecision | undefined;
    for (;;) {
      attempts += 1;
      const d = await deps.deliveries.schedulerInvokes(s);
      if (d.allowed) {
        this.start(s);
        return;
      }
      denied = d;
      const backoff = SCHEDULER_FIRST_BACKOFF_MS * 2 ** (attempts - 1);
      const retriesLeft = attempts - 1 < s.retryPolicy.maximumRetryAttempts;
      const youngEnough = deps.clock.now() + backoff - firedAt <= s.retryPolicy.maximumEventAgeSeconds * 1000;
      if (!retriesLeft || !youngEnough) break;
      await deps.clock.sleep(backoff);
      if (!deps.reachability.isUp(s.region)) return;
    }

    const reason = denialMessage(denied as AuthDecision);
    if (!s.deadLetterArn) return fail("lost", attempts, `${reason}; the schedule has no dead-letter queue`);
    const dlq = await deps.deliveries.schedulerSendsToDlq(s, s.deadLetterArn);
    if (!dlq.allowed) return fail("lost", attempts, `${reason}; the dead-letter queue refused it too (${denialMessage(dlq)})`);
    // The dead-letter event: the target's input, with Scheduler's attributes naming what failed.
    deps.sqs.send(s.deadLetterArn, s.input, {
      ERROR_CODE: "AccessDeniedException",
      ERROR_MESSAGE: reason,
      EXHAUSTED_RETRY_CONDITION: attempts - 1 >= s.retryPolicy.maximumRetryAttempts ? "MaximumRetryAttempts" : "MaximumEventAgeInSeconds",
      RETRY_ATTEMPTS: String(attempts - 1),
      SCHEDULE_ARN: `${s.groupArn.replace(":schedule-group/", ":schedule/")}/${s.name}`,
      TARGET_ARN: s.targetArn,
    });
    fail("dead-lettered", attempts, reason);
  }

  /** The target accepted the call: a Lambda function queues an asynchronous invocation, a state machine starts. */
  private start(s: ScheduleDefinition): void {
    const input = s.input === undefined ? {} : JSON.parse(s.input);
    if (s.targetArn.split(":")[2] === "lambda") this.deps.runtime.invokeAsync(s.targetArn, input);
    else this.deps.sfn.start(s.region, s.targetArn, undefined, s.input);
  }
}
