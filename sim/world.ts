/**
 * The simulated two-region world, assembled from the deployment: services per region, the
 * network between them, Route 53, the alarm → EventBridge → runbook chain, event sources and the
 * schedules. It is also the backend the SDK fakes call (sdk/backend.ts): every AWS call is judged
 * from the caller's region, delayed by network latency, and — when the endpoint cannot be
 * reached — fails the way the calling SDK client would (its attempts time out).
 */
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
import { EventSources } from "./lambda/event-sources";
import { LambdaRuntime } from "./lambda/runtime";
import { currentCaller, Reachability, seededRandom } from "./network";
import { Route53 } from "./route53/model";
import type { ClientInfo, SdkBackend } from "./sdk/backend";
import { Timeline } from "./timeline";

/** A client without a connection timeout waits for the OS; the rehearsal caps one attempt here. */
export const UNCONFIGURED_ATTEMPT_MS = 10_000;
/** How long before the story's start the stack was deployed (its seed items' time). */
export const DEPLOYED_BEFORE_MS = 86_400_000;
/** DynamoDB global tables "typically" replicate within a second. */
export const DEFAULT_REPLICATION_LAG_MS = 800;

export interface WorldFaults {
  /** The fence never lands: writes marking the primary FENCED/DRAINED are dropped (a defect to catch). */
  dropPrimaryFence: boolean;
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
  readonly faults: WorldFaults = { dropPrimaryFence: false };
  /** Replication lag per link "from>to", ms (scenarios degrade it). */
  readonly lag = new Map<string, number>();
  readonly callCounts = new Map<string, number>();

  constructor(
    readonly deployment: Deployment,
    readonly clock: VirtualClock,
    seed = 7,
  ) {
    const now = () => clock.now();
    this.random = seededRandom(seed);
    this.timeline = new Timeline(now);
    this.reachability = new Reachability(deployment.regions);
    this.dynamodb = new DynamoDbService(deployment.tables, now);
    this.replicator = new Replicator(this.dynamodb, {
      now,
      after: (ms, fn) => clock.after(ms, fn),
      canDeliver: (from, to) => this.reachability.linkUp(from, to),
      lagMs: (from, to) => this.lag.get(`${from}>${to}`) ?? DEFAULT_REPLICATION_LAG_MS + Math.floor(this.random() * 400),
      onDelivered: (from, to, table, latency) =>
        this.metrics.put(from, "AWS/DynamoDB", "ReplicationLatency", { TableName: table, ReceivingRegion: to }, latency, now()),
    });
    this.sqs = new SqsService(deployment.queues, now);
    this.s3 = new S3Service(deployment, now);
    this.sns = new SnsService(deployment, now);
    this.ssm = new SsmService(deployment);
    this.lambda = new LambdaControl(deployment);
    this.alarms = new AlarmService(deployment.alarms, this.metrics);
    this.runtime = new LambdaRuntime({ deployment, now, reachability: this.reachability, control: this.lambda, metrics: this.metrics });
    this.sfn = new StepFunctionsService({ deployment, now, reachability: this.reachability, runtime: this.runtime });
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
    });
    this.sources = new EventSources(deployment.eventSourceMappings, {
      clock,
      runtime: this.runtime,
      reachability: this.reachability,
      dynamodb: this.dynamodb,
      sqs: this.sqs,
    });
    this.alarms.onTransition((t) => this.bus.onTransition(t));
    this.reachability.onChange(() => this.replicator.resume());
    this.dynamodb.writeFilter = (_region, table, item) => !this.dropsFence(table, item);
    // The stack was deployed a day before the story. Its seed items carry the evaluation's wall-clock
    // time (`updatedAt`); in the simulated world they were written at the simulated deployment.
    const deployedAt = clock.now() - DEPLOYED_BEFORE_MS;
    for (const s of deployment.seedItems) {
      const item = typeof s.item.updatedAt === "string" ? { ...s.item, updatedAt: new Date(deployedAt).toISOString() } : s.item;
      this.dynamodb.seed(s.table, item, deployedAt, s.region);
    }
  }

  private dropsFence(table: string, item: Record<string, unknown> | undefined): boolean {
    if (!this.faults.dropPrimaryFence || !item) return false;
    const control = this.deployment.seedItems[0]?.table;
    return (
      table === control && item.pk === `region#${this.deployment.primaryRegion}` && (item.state === "FENCED" || item.state === "DRAINED")
    );
  }

  now(): number {
    return this.clock.now();
  }

  /** Starts the world's own clocks: alarm evaluation, Route 53's checkers, the schedules. */
  start(): void {
    const { clock, deployment } = this;
    const aligned = (period: number) => (period - (clock.now() % period)) % period;
    clock.every(
      10_000,
      () => {
        for (const region of deployment.regions) if (this.reachability.isUp(region)) this.alarms.evaluateDue(region, clock.now());
      },
      aligned(10_000),
    );
    this.route53.start();
    for (const s of deployment.schedules) {
      const period = s.rateSeconds * 1000;
      clock.every(
        period,
        () => {
          if (this.reachability.isUp(s.region)) this.sfn.start(s.region, s.targetArn, undefined, s.input);
        },
        aligned(period),
      );
    }
  }

  countCall(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.callCounts.set(key, (this.callCounts.get(key) ?? 0) + 1);
  }

  async call<T>(service: string, _operation: string, info: ClientInfo, run: () => T): Promise<T> {
    const from = currentCaller().region;
    const to = info.region;
    if (!this.deployment.regions.includes(to))
      throw Object.assign(new Error(`The rehearsal simulates ${this.deployment.regions.join(" and ")}, not ${to}`), {
        name: "UnknownEndpoint",
      });
    const unreachable = async (): Promise<never> => {
      const perAttempt = info.connectionTimeoutMs ?? UNCONFIGURED_ATTEMPT_MS;
      let waited = 0;
      for (let attempt = 1; attempt <= info.maxAttempts; attempt++)
        waited += perAttempt + (attempt < info.maxAttempts ? 100 * 2 ** attempt : 0);
      await this.clock.sleep(waited);
      throw Object.assign(
        new Error(
          `Connection timed out after ${perAttempt} ms: ${service}.${to}.amazonaws.com did not answer (${info.maxAttempts} attempts)`,
        ),
        {
          name: "TimeoutError",
          code: "ETIMEDOUT",
          $metadata: { attempts: info.maxAttempts },
        },
      );
    };
    if (!this.reachability.canReach(from, to)) return unreachable();
    await this.clock.sleep(this.reachability.latencyMs(from, to));
    if (!this.reachability.canReach(from, to)) return unreachable();
    const out = run();
    await this.clock.sleep(this.reachability.latencyMs(from, to));
    // The request was applied, but the answer never came back: the caller sees a timeout.
    if (!this.reachability.canReach(from, to)) return unreachable();
    return out;
  }

  // --- what scenarios do to the world ------------------------------------------------------------

  outage(region: string, why = "every service in the region stops answering"): void {
    this.reachability.setUp(region, false);
    this.timeline.add(region, "scenario", `REGION OUTAGE: ${why}`);
  }

  recover(region: string): void {
    this.reachability.setUp(region, true);
    this.timeline.add(region, "scenario", "region recovered: services answer again, replication resumes");
  }

  setLag(from: string, to: string, ms: number | undefined): void {
    if (ms === undefined) this.lag.delete(`${from}>${to}`);
    else this.lag.set(`${from}>${to}`, ms);
  }
}
