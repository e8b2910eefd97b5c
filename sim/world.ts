/**
 * The simulated two-region world, assembled from the deployment: services per region, the
 * network between them, Route 53, the alarm → EventBridge → runbook chain, event sources and the
 * schedules. It is also the backend the SDK fakes call (sdk/backend.ts): every AWS call is judged
 * from the caller's region, delayed by network latency, and — when the endpoint cannot be
 * reached — fails the way the calling SDK client would (its attempts time out).
 */
import { controlKeys } from "../lib/control-schema";
import { PAYMENT_FUNCTIONS } from "../lib/handlers/payment-functions";
import { Account } from "./account";
import { AlarmService } from "./cloudwatch/alarms";
import { DynamoDbService } from "./dynamodb/model";
import { MetricStore } from "./cloudwatch/metrics";
import { Replicator } from "./dynamodb/replication";
import { LambdaControl, S3Service, SnsService, SsmService } from "./small-services";
import { SqsService } from "./sqs/model";
import { StepFunctionsService } from "./stepfunctions/model";
import { ApiGateway } from "./apigateway/model";
import type { VirtualClock } from "./clock";
import type { Deployment } from "./deployment/types";
import { EventBus } from "./eventbridge/model";
import { type CallRecord, FaultInjector, resourceOf } from "./faults";
import { denialMessage } from "./iam/authorizer";
import { Iam, ServiceDeliveries } from "./iam/enforcement";
import { EventSources } from "./lambda/event-sources";
import { LambdaRuntime } from "./lambda/runtime";
import { currentCaller, Reachability, seededRandom } from "./network";
import { Route53 } from "./route53/model";
import { SchedulerDelivery } from "./scheduler/delivery";
import type { ClientInfo, SdkBackend } from "./sdk/backend";
import { Timeline } from "./timeline";
import { type Route, VpcRouting } from "./vpc-routing";

/** A client without a connection timeout waits for the OS; the rehearsal caps one attempt here. */
export const UNCONFIGURED_ATTEMPT_MS = 10_000;
/** How long before the story's start the stack was deployed (its seed items' time). */
export const DEPLOYED_BEFORE_MS = 86_400_000;
/** DynamoDB global tables "typically" replicate within a second. */
export const DEFAULT_REPLICATION_LAG_MS = 800;

/** The world's own clocks (start()). */
export interface WorldClocks {
  /** CloudWatch evaluates the deployed alarms (and their actions: SNS, EventBridge → runbooks). */
  alarms: boolean;
  /** Route 53's checkers probe the endpoints; failover answers follow health. */
  route53: boolean;
  /** EventBridge Scheduler starts the canary tickers. */
  schedules: boolean;
}

/** Defects planted on purpose, to see the rehearsal's checks catch what they cause (not AWS faults: those are in faults.ts). */
export interface WorldDefects {
  /**
   * The fence never reaches the primary's data path: every read of the authority made by a payment
   * function in the primary, or by the secondary's canary, answers the primary ACTIVE whatever the
   * item says (a write guard, and a fence metric, reading a stale cache). The runbooks still see
   * the truth and fail over; once the primary recovers, DNS and its write guard take payments there
   * beside the new writer — a split brain the checks must catch.
   */
  primaryIgnoresFence: boolean;
}

export class World implements SdkBackend {
  readonly timeline: Timeline;
  readonly reachability: Reachability;
  readonly dynamodb: DynamoDbService;
  readonly replicator: Replicator;
  readonly sqs: SqsService;
  readonly s3: S3Service;
  readonly sns: SnsService;
  readonly ssm: SsmService;
  readonly metrics = new MetricStore();
  readonly alarms: AlarmService;
  readonly lambda: LambdaControl;
  readonly runtime: LambdaRuntime;
  readonly sfn: StepFunctionsService;
  readonly gateway: ApiGateway;
  readonly route53: Route53;
  readonly bus: EventBus;
  readonly sources: EventSources;
  readonly random: () => number;
  readonly defects: WorldDefects = { primaryIgnoresFence: false };
  /** Replication lag per link "from>to", ms (scenarios degrade it). */
  readonly lag = new Map<string, number>();
  /** `table|region`: replication of that table into that region is paused (FIS aws:dynamodb:global-table-pause-replication). */
  readonly pausedReplication = new Set<string>();
  /**
   * Network ACL denies in force (FIS aws:network:disrupt-connectivity, sim/fis/): a call a rule
   * matches never connects — from `caller` (a function in a target subnet) to `service` in `region`.
   */
  readonly networkDenies: ((caller: string | undefined, service: string, region: string) => boolean)[] = [];
  /** What a function attached to a VPC can reach: its VPC's endpoints, nothing else (vpc-routing.ts). */
  readonly vpcRouting: VpcRouting;
  /** Every AWS call made in this world, in order (tests read it; the summary counts it). */
  readonly calls: CallRecord[] = [];
  /** Faults in force (faults.ts). */
  readonly faults: FaultInjector;
  /** How many outages hold each region down (world.outage, world.recover). */
  private readonly outages = new Map<string, number>();
  /** IAM, enforced on every call and delivery (iam/). */
  readonly iam: Iam;
  /** The account the stack lives in (quotas, Backup settings, delegation, certificates): tests set it. */
  readonly account: Account;
  readonly deliveries: ServiceDeliveries;
  private readonly pollDenied = new Set<string>();
  /** EventBridge Scheduler's deliveries (what became of firings that did not reach their target). */
  readonly scheduler: SchedulerDelivery;
  /** Replication lag of a link nobody degraded: ≈ 0.8–1.2 s, as global tables "typically" replicate within a second. */
  private defaultLagMs = () => DEFAULT_REPLICATION_LAG_MS + Math.floor(this.random() * 400);

  constructor(
    readonly deployment: Deployment,
    readonly clock: VirtualClock,
    seed = 7,
    options: { latency?: "realistic" | "none" } = {},
  ) {
    const now = () => clock.now();
    this.random = seededRandom(seed);
    this.faults = new FaultInjector(seededRandom(seed + 1));
    this.iam = new Iam(deployment, now);
    this.vpcRouting = new VpcRouting(deployment);
    this.account = new Account(deployment, clock.now());
    this.timeline = new Timeline(now);
    // Witness regions hold MRSC tables' logs and serve nothing: the network knows them, nothing runs there.
    const witnesses = [...new Set(deployment.tables.flatMap((t) => (t.witness ? [t.witness] : [])))].filter(
      (r) => !deployment.regions.includes(r),
    );
    this.reachability = new Reachability(deployment.regions, witnesses);
    if (options.latency === "none") {
      // Tests that want no delay: calls answer at once and replication is immediate (still asynchronous).
      this.reachability.zeroLatency = true;
      this.defaultLagMs = () => 0;
    }
    this.dynamodb = new DynamoDbService(deployment.tables, now, this.reachability);
    this.replicator = new Replicator(this.dynamodb, {
      now,
      after: (ms, fn) => clock.after(ms, fn),
      canDeliver: (from, to) => this.reachability.linkUp(from, to),
      lagMs: (table, from, to) => this.lag.get(`${table}|${from}>${to}`) ?? this.lag.get(`${from}>${to}`) ?? this.defaultLagMs(),
      paused: (table, to) => this.pausedReplication.has(`${table}|${to}`),
      onDelivered: (from, to, table, latency) =>
        this.metrics.put(from, "AWS/DynamoDB", "ReplicationLatency", { TableName: table, ReceivingRegion: to }, latency, now()),
    });
    this.sqs = new SqsService(deployment.queues, now);
    this.s3 = new S3Service(deployment, now);
    this.sns = new SnsService(deployment, now);
    this.ssm = new SsmService(deployment);
    this.lambda = new LambdaControl(deployment);
    this.alarms = new AlarmService(deployment.alarms, this.metrics);
    this.deliveries = new ServiceDeliveries(this.iam, deployment);
    this.runtime = new LambdaRuntime({
      deployment,
      now,
      reachability: this.reachability,
      control: this.lambda,
      metrics: this.metrics,
      deliveries: this.deliveries,
      random: seededRandom(seed + 2),
    });
    this.sfn = new StepFunctionsService({
      deployment,
      now,
      reachability: this.reachability,
      runtime: this.runtime,
      deliveries: this.deliveries,
      sns: this.sns,
      faults: this.faults,
      sleep: (ms) => clock.sleep(ms),
    });
    this.gateway = new ApiGateway({
      deployment,
      runtime: this.runtime,
      reachability: this.reachability,
      metrics: this.metrics,
      now,
      sleep: (ms) => clock.sleep(ms),
    });
    this.route53 = new Route53({
      deployment,
      clock,
      gateway: this.gateway,
      alarms: this.alarms,
      metrics: this.metrics,
      reachability: this.reachability,
      timeline: this.timeline,
    });
    this.bus = new EventBus({
      deployment,
      runtime: this.runtime,
      sns: this.sns,
      reachability: this.reachability,
      timeline: this.timeline,
      now,
      deliveries: this.deliveries,
      deadLetters: (queueArn, body) => this.sqs.send(queueArn, body),
    });
    this.scheduler = new SchedulerDelivery({
      clock,
      reachability: this.reachability,
      deliveries: this.deliveries,
      runtime: this.runtime,
      sfn: this.sfn,
      sqs: this.sqs,
      timeline: this.timeline,
    });
    this.sources = new EventSources(deployment.eventSourceMappings, {
      clock,
      runtime: this.runtime,
      reachability: this.reachability,
      dynamodb: this.dynamodb,
      sqs: this.sqs,
      mayPoll: async (m) => {
        const d = await this.deliveries.lambdaPolls(m);
        if (!d.allowed && !this.pollDenied.has(m.sourceArn + m.functionArn)) {
          this.pollDenied.add(m.sourceArn + m.functionArn);
          this.timeline.add(
            m.region,
            "scenario",
            `IAM: Lambda cannot read ${m.sourceArn} for ${m.functionArn.split(":").pop()}: ${denialMessage(d)}`,
          );
        }
        return d.allowed;
      },
    });
    this.alarms.onTransition((t) => this.bus.onTransition(t));
    this.reachability.onChange(() => this.replicator.resume());
    // The stack was deployed a day before the story. Its seed items carry the evaluation's wall-clock
    // time (`updatedAt`); in the simulated world they were written at the simulated deployment.
    const deployedAt = clock.now() - DEPLOYED_BEFORE_MS;
    for (const s of deployment.seedItems) {
      const at = new Date(deployedAt).toISOString();
      const changedAt = s.item.changedAt as Record<string, string> | undefined;
      const item =
        typeof s.item.updatedAt === "string"
          ? {
              ...s.item,
              updatedAt: at,
              ...(changedAt ? { changedAt: Object.fromEntries(Object.keys(changedAt).map((r) => [r, at])) } : {}),
            }
          : s.item;
      this.dynamodb.seed(s.table, item, deployedAt, s.region);
    }
  }

  /** The planted defect (WorldDefects.primaryIgnoresFence): what a primary payment function reads of the authority. */
  private blindToFence<T>(caller: string | undefined, region: string, input: Record<string, unknown>, out: T): T {
    const primary = this.deployment.primaryRegion;
    if (!this.defects.primaryIgnoresFence || !caller) return out;
    const fn = this.deployment.functions.find((f) => f.name === caller && f.region === region);
    // The primary's payment functions (its write guard, /health) and the secondary's canary (the
    // PrimaryFenced metric that keeps DNS off a fenced primary) are blind; the runbooks are not.
    const blind = fn && (fn.region === primary ? fn.handler in PAYMENT_FUNCTIONS : fn.handler === "canary");
    const key = input.Key as Record<string, unknown> | undefined;
    const pk = key?.pk as unknown;
    const isAuthority = pk === controlKeys.authority() || (pk as { S?: string } | undefined)?.S === controlKeys.authority();
    const item = (out as { Item?: Record<string, unknown> } | undefined)?.Item;
    if (!blind || !isAuthority || !item) return out;
    const states = item.states as Record<string, unknown> & { M?: Record<string, unknown> };
    const asActive = states.M
      ? { M: { ...states.M, [primary]: { S: "ACTIVE" } } }
      : Object.fromEntries(Object.keys(states).map((r) => [r, r === primary ? "ACTIVE" : states[r] === "ACTIVE" ? "STANDBY" : states[r]]));
    return { ...out, Item: { ...item, states: asActive } };
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Starts the world's own clocks: alarm evaluation, Route 53's checkers, the schedules (the
   * canaries' tickers). A test may start only some of them.
   */
  start(parts: WorldClocks = { alarms: true, route53: true, schedules: true }): void {
    const { clock, deployment } = this;
    const aligned = (period: number) => (period - (clock.now() % period)) % period;
    if (parts.alarms)
      clock.every(
        10_000,
        () => {
          for (const region of deployment.regions) if (this.reachability.isUp(region)) this.alarms.evaluateDue(region, clock.now());
        },
        aligned(10_000),
      );
    if (parts.route53) this.route53.start();
    for (const s of parts.schedules ? deployment.schedules : []) {
      const period = s.rateSeconds * 1000;
      clock.every(
        period,
        async () => {
          // Scheduler assumes the schedule's role, starts the target with it (a Lambda function
          // asynchronously), retries per the RetryPolicy, then dead-letters: scheduler/delivery.ts.
          await this.scheduler.fire(s);
        },
        aligned(period),
      );
    }
  }

  /**
   * One AWS call, judged from where it is made: the endpoint must be reachable (else every
   * attempt of the caller's SDK times out), network latency both ways, and the active faults
   * (faults.ts) — an injected error surfaces after the SDK's retries, an added delay before the
   * request is applied, a lost answer after it was applied (each attempt applied again).
   */
  async call<T>(service: string, operation: string, info: ClientInfo, run: () => T, input: Record<string, unknown> = {}): Promise<T> {
    const caller = currentCaller();
    const from = caller.region;
    const to = info.region;
    if (!this.deployment.regions.includes(to))
      throw Object.assign(new Error(`The simulated world has ${this.deployment.regions.join(" and ")}, not ${to}`), {
        name: "UnknownEndpoint",
      });
    const record: CallRecord = {
      seq: this.calls.length + 1,
      at: this.clock.now(),
      from,
      ...(caller.functionName ? { caller: caller.functionName } : {}),
      region: to,
      service,
      operation,
      resource: resourceOf(input),
      ...(service === "dynamodb" && input.Key ? { key: JSON.stringify(input.Key) } : {}),
      input,
    };
    this.calls.push(record);
    const backoffMs = (attempts: number) => {
      let waited = 0;
      for (let attempt = 1; attempt < attempts; attempt++) waited += 100 * 2 ** attempt;
      return waited;
    };
    const timedOut = async (perAttempt: number, why: string): Promise<never> => {
      await this.clock.sleep(perAttempt * info.maxAttempts + backoffMs(info.maxAttempts));
      record.outcome = "TimeoutError";
      throw Object.assign(new Error(`${why} after ${perAttempt} ms: ${service}.${to}.amazonaws.com (${info.maxAttempts} attempts)`), {
        name: "TimeoutError",
        code: "ETIMEDOUT",
        $metadata: { attempts: info.maxAttempts },
      });
    };
    const unreachable = () => timedOut(info.connectionTimeoutMs ?? UNCONFIGURED_ATTEMPT_MS, "Connection timed out");
    // A function in a VPC leaves it only through an endpoint of its VPC; with none for this service
    // in this region its packets have no route and nothing answers.
    const route: Route = this.vpcRouting.route(caller.functionName, service, to);
    if (route.kind === "unroutable") return unreachable();
    if (!this.reachability.canReach(from, to)) return unreachable();
    if (this.networkDenies.some((denies) => denies(caller.functionName, service, to))) return unreachable();
    const fault = this.faults.decide(record);
    const latency = this.reachability.latencyMs(from, to) + this.quorumLatency(service, operation, to, input);
    if (latency + fault.delayMs > 0) await this.clock.sleep(latency + fault.delayMs);
    if (!this.reachability.canReach(from, to)) return unreachable();
    try {
      const principal = this.iam.principal(info, caller.functionName);
      record.principal = this.iam.principalArn(principal);
      await this.iam.authorizeCall(
        principal,
        { service, operation, input, region: to },
        route.kind === "endpoint" ? route.endpoint : undefined,
      );
    } catch (error) {
      record.outcome = (error as Error).name;
      if (latency > 0) await this.clock.sleep(latency);
      throw error;
    }
    if (fault.error) {
      // The SDK retries what is retryable (throttling, 5xx) before it gives up.
      const retryable = (fault.error as { $fault?: string }).$fault === "server" || fault.error.name === "ThrottlingException";
      if (retryable) await this.clock.sleep(backoffMs(info.maxAttempts) + 2 * latency * (info.maxAttempts - 1));
      record.outcome = fault.error.name;
      throw fault.error;
    }
    if (fault.loseAnswer) {
      // Applied, answer lost; the SDK's retries are applied too (their answers are lost as well).
      for (let attempt = 1; attempt <= info.maxAttempts; attempt++) {
        try {
          run();
        } catch {
          // a retry of an applied write may fail its condition: nobody hears that either
        }
      }
      return timedOut(info.requestTimeoutMs ?? UNCONFIGURED_ATTEMPT_MS, "The answer never came (request applied)");
    }
    let out: T;
    try {
      out = service === "dynamodb" && operation === "GetItem" ? this.blindToFence(caller.functionName, to, input, run()) : run();
    } catch (error) {
      record.outcome = (error as Error).name ?? "Error";
      throw error;
    }
    if (latency > 0) await this.clock.sleep(latency);
    // The request was applied, but the answer never came back: the caller sees a timeout.
    if (!this.reachability.canReach(from, to)) return unreachable();
    record.outcome = "ok";
    return out;
  }

  /** The extra time an MRSC write or strongly consistent read spends reaching its quorum (one way, added before the answer). */
  private quorumLatency(service: string, operation: string, region: string, input: Record<string, unknown>): number {
    if (service !== "dynamodb" || typeof input.TableName !== "string" || !this.dynamodb.isStrong(input.TableName)) return 0;
    const write = operation === "PutItem" || operation === "UpdateItem" || operation === "DeleteItem";
    const strongRead = (operation === "GetItem" || operation === "Scan") && input.ConsistentRead === true;
    return write || strongRead ? this.dynamodb.quorumLatencyMs(region, input.TableName) : 0;
  }

  /** A DNS query (authoritative or cached) in the call log, as service "dns", with its answer as the outcome. */
  recordDnsQuery(type: string, name: string, outcome: string): void {
    const caller = currentCaller();
    this.calls.push({
      seq: this.calls.length + 1,
      at: this.clock.now(),
      from: caller.region,
      ...(caller.functionName ? { caller: caller.functionName } : {}),
      region: "global",
      service: "dns",
      operation: type,
      resource: name,
      input: {},
      outcome,
    });
  }

  // --- what scenarios do to the world ------------------------------------------------------------

  /**
   * A region goes down. Outages overlap: the region is back only when every outage that began has
   * ended (an outage inside a longer one does not bring the region back when it ends).
   */
  outage(region: string, why = "every service in the region stops answering"): void {
    this.outages.set(region, (this.outages.get(region) ?? 0) + 1);
    this.reachability.setUp(region, false);
    this.timeline.add(region, "scenario", `REGION OUTAGE: ${why}`);
  }

  /** One outage of `region` ends; the region answers again once none is left. */
  recover(region: string): void {
    const left = Math.max(0, (this.outages.get(region) ?? 0) - 1);
    this.outages.set(region, left);
    if (left > 0) {
      this.timeline.add(region, "scenario", `an outage ends, but ${left} more still holds the region down`);
      return;
    }
    this.reachability.setUp(region, true);
    this.timeline.add(region, "scenario", "region recovered: services answer again, replication resumes");
  }

  /** Replication lag of a link for every MREC table, or for one (`table`), ms; undefined restores the default. */
  setLag(from: string, to: string, ms: number | undefined, table?: string): void {
    const key = table ? `${table}|${from}>${to}` : `${from}>${to}`;
    if (ms === undefined) this.lag.delete(key);
    else this.lag.set(key, ms);
  }

  /** Pauses (or resumes) replication of `table` into `region`; resuming drains the backlog in order. */
  pauseReplication(table: string, region: string, paused: boolean): void {
    if (paused) this.pausedReplication.add(`${table}|${region}`);
    else this.pausedReplication.delete(`${table}|${region}`);
    this.replicator.resume();
  }
}
