/**
 * The reconciler: after every canary probe (the canary ticker), reads the authority strongly, this region's
 * probe record of the peer and whether a DR run is running here, and starts an automatic run when
 * a standing condition needs one (runbooks/domain/reconcile.ts says which, and why alarms alone
 * cannot). The execution name is deterministic per condition, epoch and window: a second start
 * finds it there (ExecutionAlreadyExists) and changes nothing.
 */
import { ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { Logger } from "@aws-lambda-powertools/logger";
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { documentClient } from "../../domain/dynamodb";
import { DnsWitness } from "../../domain/dns-witness";
import { planReconcile, type ReconcileInput } from "../../domain/reconcile";

const env = handlerEnv("reconcile");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const sfn = awsClient(SFNClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = new Logger({ serviceName: "payments-dr-reconcile" });
const strong = env.DATA_CONSISTENCY === "strong";
/** Asked only when a fenced region would restore a writer that is silent here (runbooks/domain/reconcile.ts). */
const dnsWitness = strong ? DnsWitness.fromEnvironment(env.DNS_WITNESS_NAME, env.ZONE_NAME_SERVERS) : undefined;
/** The canary's deadline for the same question. */
const WITNESS_DEADLINE_MS = 5000;

async function askWitness(): Promise<NonNullable<ReconcileInput["witness"]>> {
  if (!dnsWitness) return { unanswered: true };
  try {
    return { answers: await dnsWitness.regionsOrNone(WITNESS_DEADLINE_MS) };
  } catch {
    return { unanswered: true };
  }
}

export type ReconcileResult =
  | { started: true; name: string; condition: string; detail: string }
  | { started: false; reason: string; duplicate?: boolean };

export const handler = async (): Promise<ReconcileResult> => {
  const [authority, probe, peerHeartbeat, running] = await Promise.all([
    table.getAuthority({ consistentRead: true }).catch((error: unknown) => {
      logger.warn("authority unreadable", { error: error as Error });
      return undefined;
    }),
    table.getProbe(env.LOCAL_REGION, env.PEER_REGION, { consistentRead: true }).catch(() => undefined),
    // Strong mode only: on MRSC tables a strong read returns the peer's latest heartbeat wherever it was written.
    strong ? table.getHeartbeat(env.PEER_REGION, { consistentRead: true }).catch(() => undefined) : Promise.resolve(undefined),
    sfn
      .send(new ListExecutionsCommand({ stateMachineArn: env.STATE_MACHINE_ARN, statusFilter: "RUNNING", maxResults: 1 }))
      .then((out) => (out.executions ?? []).length > 0),
  ]);
  const facts: ReconcileInput = {
    region: env.LOCAL_REGION,
    peerRegion: env.PEER_REGION,
    now: Date.now(),
    authority,
    probe,
    running,
    strongConsistency: strong,
    ...(peerHeartbeat ? { peerHeartbeatAt: peerHeartbeat.writtenAt } : {}),
  };
  let plan = planReconcile(facts);
  if (!plan.start && plan.askWitness) plan = planReconcile({ ...facts, witness: await askWitness() });
  if (!plan.start) return { started: false, reason: plan.reason };
  try {
    await sfn.send(
      new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: plan.name, input: JSON.stringify(plan.input) }),
    );
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { started: false, duplicate: true, reason: `${plan.name} already started` };
    throw error;
  }
  logger.warn("reconciler started a run", { name: plan.name, condition: plan.condition, detail: plan.detail });
  return { started: true, name: plan.name, condition: plan.condition, detail: plan.detail };
};
