/**
 * The on-call engineer of the scenarios, acting through the same AWS APIs `drctl` uses: start an
 * execution in a region (StartExecution), find an approval's task token in that region's control
 * table (approval#<execution>) and answer it (SendTaskSuccess / SendTaskFailure). The calls go
 * through the SDK, from the internet, into the simulated world.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { drMachine } from "../deployment/deployment";
import type { Deployment } from "../deployment/types";
import { INTERNET, runAs } from "../network";
import type { Timeline } from "../timeline";

/**
 * How on-call retries a `drctl` start that failed (the region's API unreachable, a throttle): again
 * after a minute, at most this many tries in all, each failure in the timeline. After the last one
 * the scenario fails with the error: a story in which on-call can never start the run it needs.
 */
export const OPERATOR_START_ATTEMPTS = 5;
export const OPERATOR_RETRY_MS = 60_000;
/**
 * How long a scenario waits for {@link Operator.start} (ScenarioContext.act): every try and every
 * wait between them, each try allowed a minute (drctl's SDK gives up on an unreachable endpoint
 * after three 10 s connection timeouts and its backoff). With less, a start that on-call's retries
 * would have made was cut off by the scenario, and the rehearsal itself broke (sweep seed 25).
 */
export const OPERATOR_START_BUDGET_MS = OPERATOR_START_ATTEMPTS * (OPERATOR_RETRY_MS + 60_000);

export class Operator {
  /** `drctl` starts scheduled or not yet answered (retrying after a failure included): the runs they start are still to come. */
  startsPending = 0;

  constructor(
    private readonly deployment: Deployment,
    private readonly timeline: Timeline,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void> = async () => {},
  ) {}

  private controlTable(): string {
    const t = this.deployment.tables.find((x) => x.hashKey === "pk");
    if (!t) throw new Error("no control table");
    return t.name;
  }

  /** StartExecution of `region`'s DR machine, as `drctl failback|failover|drill` does. Returns the execution name. */
  async start(region: string, name: string, input: Record<string, unknown>, why: string): Promise<string> {
    const machine = drMachine(this.deployment, region);
    this.timeline.add("operator", "operator", `${why}: StartExecution ${name} in ${region} ${JSON.stringify(input)}`);
    this.startsPending += 1;
    try {
      return await this.startWithRetries(machine.arn, region, name, input);
    } finally {
      this.startsPending -= 1;
    }
  }

  private async startWithRetries(machineArn: string, region: string, name: string, input: Record<string, unknown>): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        // The same name and input each time: for a Standard workflow StartExecution with the name and
        // input of a running execution succeeds and returns that execution, so a start whose answer was
        // lost is found, not doubled (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
        await runAs({ region: INTERNET }, () =>
          new SFNClient({ region }).send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input: JSON.stringify(input) })),
        );
        return name;
      } catch (error) {
        const failed = `drctl could not start ${name} in ${region} (${(error as Error).name}: ${(error as Error).message})`;
        if (attempt >= OPERATOR_START_ATTEMPTS) {
          this.timeline.add("operator", "operator", `${failed}; on-call gives up after ${attempt} tries`);
          throw error;
        }
        this.timeline.add("operator", "operator", `${failed}; on-call tries again in ${OPERATOR_RETRY_MS / 1000} s`);
        await this.sleep(OPERATOR_RETRY_MS);
      }
    }
  }

  /** The stored approval request of an execution (what `drctl approve` looks up), if any. */
  async approvalRequest(region: string, execution: string): Promise<{ taskToken: string; summary: string } | undefined> {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
    const out = await runAs({ region: INTERNET }, () =>
      doc.send(new GetCommand({ TableName: this.controlTable(), Key: { pk: `approval#${execution}` }, ConsistentRead: true })),
    );
    const item = out.Item as { taskToken?: string; summary?: string } | undefined;
    return item?.taskToken ? { taskToken: item.taskToken, summary: item.summary ?? "" } : undefined;
  }

  async approve(region: string, execution: string, approvedBy: string, comment: string): Promise<void> {
    const request = await this.approvalRequest(region, execution);
    if (!request) throw new Error(`no approval request stored for ${execution} in ${region}`);
    this.timeline.add("operator", "operator", `${approvedBy} approves ${execution}: ${comment}`);
    await runAs({ region: INTERNET }, () =>
      new SFNClient({ region }).send(
        new SendTaskSuccessCommand({ taskToken: request.taskToken, output: JSON.stringify({ approved: true, approvedBy, comment }) }),
      ),
    );
  }

  async reject(region: string, execution: string, by: string, reason: string): Promise<void> {
    const request = await this.approvalRequest(region, execution);
    if (!request) throw new Error(`no approval request stored for ${execution} in ${region}`);
    this.timeline.add("operator", "operator", `${by} rejects ${execution}: ${reason}`);
    await runAs({ region: INTERNET }, () =>
      new SFNClient({ region }).send(
        new SendTaskFailureCommand({ taskToken: request.taskToken, error: "ApprovalRejectedError", cause: `rejected by ${by}: ${reason}` }),
      ),
    );
  }

  /** A drctl-style execution name: `<mode>-<UTC timestamp>`. */
  executionName(mode: string): string {
    return `${mode}-${new Date(this.now())
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "")}`;
  }
}
