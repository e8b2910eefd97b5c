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

export class Operator {
  constructor(
    private readonly deployment: Deployment,
    private readonly timeline: Timeline,
    private readonly now: () => number,
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
    await runAs({ region: INTERNET }, () =>
      new SFNClient({ region }).send(new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) })),
    );
    return name;
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
