import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { STATE_MACHINE_WILDCARD_ACTIONS } from "../../core/aws-facts";
import { policyDocument, serviceTrustPolicy, type Statement } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";
import { movedInto } from "./moved";

export interface LoggedStateMachineArgs {
  region: string;
  /** The state machine's (and its role's) physical name. */
  name: string;
  type: "STANDARD" | "EXPRESS";
  accountId: pulumi.Input<string>;
  definition: pulumi.Input<string>;
  /** The only functions its role may invoke. */
  functionArns: pulumi.Input<string>[];
  /** What else its role may do: the service integrations its Tasks use besides Lambda. */
  statements?: Statement[];
  /** ALL for the runbook (every step is evidence); ERROR for a ticker that runs every minute. */
  logLevel: "ALL" | "ERROR";
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  logDestinationArn: pulumi.Input<string>;
}

/**
 * One Step Functions state machine with what every machine here has: a log group shipped to the
 * log account (logged without execution data: no payment or payload in logs), X-Ray tracing, and
 * a role that may invoke exactly its own functions. Its children keep the names and, through
 * aliases, the URNs they had as children of DrOrchestration.
 */
export class LoggedStateMachine extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: LoggedStateMachineArgs, opts: pulumi.ComponentResourceOptions) {
    super("payments-dr:orchestration:LoggedStateMachine", name, {}, opts);
    const moved = movedInto(this, opts.parent);
    const machineArn = pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:stateMachine:${args.name}`;
    const logs = new ShippedLogGroup(
      `${name}-logs`,
      {
        region: args.region,
        // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
        logGroupName: `/aws/vendedlogs/states/${args.name}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      moved,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      { name: args.name, assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("states.amazonaws.com", args.accountId, machineArn)) },
      moved,
    );
    const statements: Statement[] = [
      {
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: args.functionArns.flatMap((arn) => [arn, pulumi.interpolate`${arn}:*`]),
      },
      { Effect: "Allow", Action: STATE_MACHINE_WILDCARD_ACTIONS, Resource: "*" },
      ...(args.statements ?? []),
    ];
    new aws.iam.RolePolicy(
      `${name}-role-policy`,
      { role: role.name, name: "invoke-own-functions", policy: pulumi.jsonStringify(policyDocument(statements)) },
      moved,
    );
    const machine = new aws.sfn.StateMachine(
      name,
      {
        region: args.region,
        name: args.name,
        type: args.type,
        roleArn: role.arn,
        definition: args.definition,
        loggingConfiguration: { level: args.logLevel, includeExecutionData: false, logDestination: pulumi.interpolate`${logs.arn}:*` },
        tracingConfiguration: { enabled: true },
      },
      moved,
    );
    this.arn = machine.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
