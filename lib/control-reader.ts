/**
 * The control table's reads that the payment path needs: the authority, one region's view of it,
 * a canary's heartbeat and probe records. {@link ControlTable} (control-record.ts) adds every write
 * and the runbooks' items (lease, sentinel, approval, ...) on top.
 *
 * Why a module of its own: a class keeps every method, and each method keeps the zod schemas it
 * parses with, so a payment handler that imported ControlTable built the lease, approval, sentinel
 * and automatic-run schemas at every cold start without ever reading one of those items. Importing
 * only this reader, its bundle keeps the schemas of what it reads (bench/bundles.ts measures it;
 * README, "Measurements").
 */
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Authority,
  authoritySchema,
  controlKeys,
  type Heartbeat,
  heartbeatSchema,
  parseControlItem,
  type ProbeRecord,
  probeSchema,
  type RegionRecord,
  regionView,
} from "./control-schema";

export interface ReadOptions {
  /** Strongly consistent read of the local replica (never crosses regions). */
  consistentRead?: boolean;
}

export class ControlReader {
  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    // Read the clock at call time: a virtual clock installed after construction still applies.
    protected readonly now: () => number = () => Date.now(),
  ) {}

  protected async get(key: string, options: ReadOptions = {}) {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: options.consistentRead }),
    );
    return out.Item;
  }

  async getAuthority(options?: ReadOptions): Promise<Authority | undefined> {
    const key = controlKeys.authority();
    return parseControlItem(authoritySchema, key, await this.get(key, options));
  }

  /** `region` as the authority says it is (see regionView). */
  async getRegion(region: string, options?: ReadOptions): Promise<RegionRecord | undefined> {
    return regionView(await this.getAuthority(options), region);
  }

  async getHeartbeat(region: string, options?: ReadOptions): Promise<Heartbeat | undefined> {
    const key = controlKeys.heartbeat(region);
    return parseControlItem(heartbeatSchema, key, await this.get(key, options));
  }

  async getProbe(observer: string, target: string, options?: ReadOptions): Promise<ProbeRecord | undefined> {
    const key = controlKeys.probe(observer, target);
    return parseControlItem(probeSchema, key, await this.get(key, options));
  }
}
