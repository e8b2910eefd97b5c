/**
 * The DR control table: the one module that knows its items.
 *
 * The control table is a DynamoDB global table (replica in each region). It holds:
 * - `authority`                  who writes: every region's state (ACTIVE | STANDBY | FENCED | DRAINED)
 *                                and the epoch, in ONE item changed only by conditional writes
 *                                (control-schema.ts, `authoritySchema`)
 * - `heartbeat#<region>`         written by that region's canary; its age as seen in the *other* region
 *                                bounds how far replication is behind (the RPO exposure, eventual mode)
 * - `probe#<observer>#<target>`  the observer's last successful / last attempted probe of the target
 * - `lease`                      one runbook execution at a time (conditional write, short and renewed)
 * - `auto#<region>`              the last automatic execution in a region (anti-flap interval)
 * - `sentinel#<id>`              written after fencing during failback; its arrival proves replication
 * - `approval#<execution>`       the task token an execution waits on when it needs a human
 * - `quorum#<region>`            strong mode: written by CheckReplication to prove the region can write
 *
 * Payment handlers read the authority through `RegionStateCache` (region-state-cache.ts) over a
 * {@link ControlReader} (control-reader.ts: reads only); runbooks use {@link ControlTable}. Nothing else reads or writes
 * these items (DESIGN.md).
 *
 * Consistency: every call goes to the *local* replica. In strong mode (MRSC, the default) a
 * conditional write is checked against the latest version in any region and a strongly consistent
 * read returns it, so the authority is linearizable across regions and a region cut off from both
 * its peer and the witness can neither read it strongly nor change it. In eventual mode (MREC)
 * conditions hold within a region only and the regions reconcile last-writer-wins; the runbooks
 * keep their v1 defences there (docs/architecture.md).
 */
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ControlReader, type ReadOptions } from "./control-reader";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type Authority,
  type Handover,
  approvalSchema,
  automaticRunSchema,
  controlKeys,
  EpochConflictError,
  leaseSchema,
  parseControlItem,
  sentinelSchema,
  LeaseHeldError,
  LeaseLostError,
  nextAuthority,
  regionView,
  type Approval,
  type AutomaticRun,
  type Heartbeat,
  type Lease,
  type RegionRecord,
  type RegionState,
  type RunbookMode,
  type Sentinel,
} from "./control-schema";

export * from "./control-schema";
export { ControlReader, type ReadOptions } from "./control-reader";

export interface TransitionRequest {
  /** The regions whose state changes (the others keep theirs). */
  states: Partial<Record<string, RegionState>>;
  reason: string;
  executionId: string;
  /**
   * The epoch this run read before deciding. The transition applies only if the authority is
   * still at that epoch, or if the last transition was this run's own (its earlier step, or this
   * step retried after its write landed); otherwise EpochConflictError. `null` = create the
   * authority (it must not exist).
   */
  expectedEpoch: number | null;
  /** Eventual mode: the planned move this transition starts (control-schema.ts, `handoverSchema`). */
  handover?: Handover;
}

/** Who asks for the DR lease, for which mode and region, and for how long. */
type LeaseRequest = { holder: string; mode: RunbookMode; region: string; ttlSeconds: number };

export class ControlTable extends ControlReader {
  /**
   * One transition of the authority: read it (strongly), check the run may still change it, write
   * the next version conditional on the epoch just read. Two runs that race both read epoch n; one
   * writes n+1, the other's condition fails (EpochConflictError). Returns the item written.
   */
  async transition(request: TransitionRequest): Promise<Authority> {
    const at = new Date(this.now()).toISOString();
    const current = await this.getAuthority({ consistentRead: true });
    if (request.expectedEpoch === null) {
      if (current) throw new EpochConflictError(null, current);
    } else if (!current) {
      throw new EpochConflictError(request.expectedEpoch);
    } else if (current.epoch !== request.expectedEpoch && current.executionId !== request.executionId) {
      throw new EpochConflictError(request.expectedEpoch, current);
    }
    // A retried step (Lambda retry, a Task's Retry after a timeout that applied) finds its own write:
    // the same run already made exactly this transition, so it is done, not made again at epoch + 1.
    if (
      current &&
      current.executionId === request.executionId &&
      Object.entries(request.states).every(([region, state]) => current.states[region] === state)
    ) {
      return current;
    }
    const next = current
      ? nextAuthority(current, {
          states: request.states,
          reason: request.reason,
          executionId: request.executionId,
          at,
          ...(request.handover ? { handover: request.handover } : {}),
        })
      : {
          pk: controlKeys.authority(),
          epoch: 0,
          states: request.states as Record<string, RegionState>,
          changedAt: Object.fromEntries(Object.keys(request.states).map((r) => [r, at])),
          updatedAt: at,
          reason: request.reason.slice(0, 1000),
          executionId: request.executionId,
        };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: next,
          ...(current
            ? { ConditionExpression: "epoch = :read", ExpressionAttributeValues: { ":read": current.epoch } }
            : { ConditionExpression: "attribute_not_exists(pk)" }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new EpochConflictError(request.expectedEpoch, await this.getAuthority({ consistentRead: true }).catch(() => undefined));
      }
      throw error;
    }
    return next;
  }

  /** One region's state changed (a transition of the authority); returns that region as it now is. */
  async transitionRegion(request: Omit<TransitionRequest, "states"> & { region: string; state: RegionState }): Promise<RegionRecord> {
    const { region, state, ...rest } = request;
    return regionView(await this.transition({ ...rest, states: { [region]: state } }), region) as RegionRecord;
  }

  /** A write only a region that reaches a quorum (its peer or the witness) gets acknowledged, in strong mode. */
  async writeQuorumProbe(region: string): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: controlKeys.quorum(region), region, writtenAt: this.now() } }),
    );
  }

  async writeHeartbeat(region: string, sequence: number): Promise<Heartbeat> {
    const item: Heartbeat = { pk: controlKeys.heartbeat(region), region, writtenAt: this.now(), sequence };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  /**
   * Records one probe result of `target` as seen from `observer`, and (eventual mode) what the DNS
   * witness answered at the same time: `{ answers }` when the name servers answered, `{ unanswered }`
   * when none did (the stored answers are then removed, so an old one is never read as current).
   */
  async recordProbe(
    observer: string,
    target: string,
    healthy: boolean,
    status: number,
    witness?: { answers: string[] } | { unanswered: true },
  ): Promise<void> {
    const now = this.now();
    const set = healthy
      ? [
          "observer = :o",
          "target = :t",
          "lastCheckedAt = :now",
          "lastStatus = :s",
          "lastHealthyAt = :now",
          "lastAnsweredAt = :now",
          "consecutiveFailures = :zero",
        ]
      : [
          "observer = :o",
          "target = :t",
          "lastCheckedAt = :now",
          "lastStatus = :s",
          "consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one",
          "firstFailedAt = if_not_exists(firstFailedAt, :now)",
          ...(status > 0 ? ["lastAnsweredAt = :now"] : []),
        ];
    const remove = healthy ? ["firstFailedAt"] : [];
    if (witness) {
      set.push("witnessCheckedAt = :now");
      if ("answers" in witness) set.push("witnessAnswers = :w");
      else remove.push("witnessAnswers");
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: controlKeys.probe(observer, target) },
        UpdateExpression: `SET ${set.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ExpressionAttributeValues: {
          ":o": observer,
          ":t": target,
          ":now": now,
          ":s": status,
          ":zero": 0,
          ...(healthy ? {} : { ":one": 1 }),
          ...(witness && "answers" in witness ? { ":w": witness.answers } : {}),
        },
      }),
    );
  }

  async getLease(options?: ReadOptions): Promise<Lease | undefined> {
    const key = controlKeys.lease();
    return parseControlItem(leaseSchema, key, await this.get(key, options));
  }

  /**
   * Takes the single DR lease shared by every mode and both regions. Succeeds when there is no
   * lease, it has expired, or the caller already holds it (so a retried step is harmless).
   */
  async acquireLease(request: LeaseRequest): Promise<Lease> {
    const nowSeconds = Math.floor(this.now() / 1000);
    return this.putLease(request, "attribute_not_exists(pk) OR expiresAt < :nowSeconds OR holder = :holder", {
      ":nowSeconds": nowSeconds,
      ":holder": request.holder,
    });
  }

  /**
   * Takes the lease over from `fromHolder` (an abandoned run: its region is down, or it stopped):
   * replaced only if `fromHolder` still holds it, so two takers cannot both win.
   */
  async takeOverLease(fromHolder: string, request: LeaseRequest): Promise<Lease> {
    return this.putLease(request, "holder = :from OR holder = :holder OR attribute_not_exists(pk)", {
      ":from": fromHolder,
      ":holder": request.holder,
    });
  }

  /** Writes the lease for `request` if `condition` holds; LeaseHeldError (with the holder) if not. */
  private async putLease(request: LeaseRequest, condition: string, values: Record<string, unknown> | undefined): Promise<Lease> {
    const now = this.now();
    const lease: Lease = {
      pk: controlKeys.lease(),
      holder: request.holder,
      mode: request.mode,
      region: request.region,
      acquiredAt: now,
      expiresAt: Math.ceil(now / 1000) + request.ttlSeconds,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: lease,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LeaseHeldError(await this.getLease({ consistentRead: true }).catch(() => undefined));
      }
      throw error;
    }
    return lease;
  }

  /**
   * Renews the lease of `request.holder` for `request.ttlSeconds` from now, failing closed: a
   * conditional write on the holder, so a run whose lease another run took meanwhile learns it
   * here, before its step acts, and changes nothing (LeaseLostError). A lease that is gone — it
   * lapsed and the sweeper deleted it, or it was deleted by hand — is taken again, as AcquireLease
   * would: nobody holds it, and whatever anyone did meanwhile moved the authority's epoch, which the
   * run's next transition checks. A lease still named for the holder is renewed even if it lapsed
   * (a run that waited past it, e.g. for an approval): nobody else took it.
   */
  async renewLease(request: LeaseRequest, attempt = 1): Promise<Lease> {
    const now = this.now();
    const expiresAt = Math.ceil(now / 1000) + request.ttlSeconds;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: controlKeys.lease() },
          UpdateExpression: "SET expiresAt = :expiresAt, renewedAt = :now",
          ConditionExpression: "holder = :holder",
          ExpressionAttributeValues: { ":expiresAt": expiresAt, ":now": now, ":holder": request.holder },
          ReturnValues: "ALL_NEW",
        }),
      );
      return parseControlItem(leaseSchema, controlKeys.lease(), out.Attributes) as Lease;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const current = await this.getLease({ consistentRead: true });
    // Ours after all: it arrived between the two calls (eventual mode: replicated from the other region).
    if (current?.holder === request.holder && attempt < 2) return this.renewLease(request, attempt + 1);
    if (current) throw new LeaseLostError(request.holder, current);
    try {
      return await this.putLease(request, "attribute_not_exists(pk)", undefined);
    } catch (error) {
      if (error instanceof LeaseHeldError) throw new LeaseLostError(request.holder, error.current);
      throw error;
    }
  }

  /** Releases the lease if `holder` has it. Returns false (and changes nothing) otherwise. */
  async releaseLease(holder: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: controlKeys.lease() },
          ConditionExpression: "holder = :holder",
          ExpressionAttributeValues: { ":holder": holder },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordAutomaticRun(region: string, executionName: string): Promise<AutomaticRun> {
    const item: AutomaticRun = { pk: controlKeys.automaticRun(region), region, executionName, startedAt: this.now() };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getLastAutomaticRun(region: string, options?: ReadOptions): Promise<AutomaticRun | undefined> {
    const key = controlKeys.automaticRun(region);
    return parseControlItem(automaticRunSchema, key, await this.get(key, options));
  }

  async writeSentinel(id: string, region: string, ttlSeconds = 86400): Promise<Sentinel> {
    const now = this.now();
    const item: Sentinel = {
      pk: controlKeys.sentinel(id),
      id,
      region,
      writtenAt: now,
      expiresAt: Math.ceil(now / 1000) + ttlSeconds,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getSentinel(id: string, options?: ReadOptions): Promise<Sentinel | undefined> {
    const key = controlKeys.sentinel(id);
    return parseControlItem(sentinelSchema, key, await this.get(key, options));
  }

  async storeApproval(executionName: string, taskToken: string, summary: string, ttlSeconds: number): Promise<Approval> {
    const now = this.now();
    const item: Approval = {
      pk: controlKeys.approval(executionName),
      executionName,
      taskToken,
      requestedAt: now,
      summary,
      expiresAt: Math.ceil(now / 1000) + ttlSeconds,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getApproval(executionName: string, options?: ReadOptions): Promise<Approval | undefined> {
    const key = controlKeys.approval(executionName);
    return parseControlItem(approvalSchema, key, await this.get(key, options));
  }

  async deleteApproval(executionName: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: controlKeys.approval(executionName) } }));
  }
}
