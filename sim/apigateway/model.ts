/**
 * API Gateway (REST, Lambda proxy), simulated per region: the deployed routes and custom domains,
 * a proxy event per request, the integration timeout, Lambda failures mapped the way API Gateway
 * maps them (throttled → 500, function error → 502, timeout → 504), and the 4XXError/5XXError
 * metrics the api-5xx alarm (notification only) watches. A request to a region that cannot be reached hangs until the
 * caller gives up (NetworkError), and a response from a region that died meanwhile is lost.
 */
import type { ApiDefinition, ApiRoute, Deployment } from "../deployment/types";
import type { MetricStore } from "../cloudwatch/metrics";
import type { LambdaRuntime } from "../lambda/runtime";
import { currentCaller, type Reachability } from "../network";

export interface HttpRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Which region answered (the simulation knows; a client would not). */
  region: string;
}

/** The connection failed or timed out: no HTTP response at all. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: "ETIMEDOUT" | "ECONNRESET" | "ENOTFOUND",
  ) {
    super(message);
    this.name = "NetworkError";
  }
}

export interface GatewayDeps {
  deployment: Deployment;
  runtime: LambdaRuntime;
  reachability: Reachability;
  metrics: MetricStore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

function matchRoute(api: ApiDefinition, method: string, path: string): { route: ApiRoute; params: Record<string, string> } | undefined {
  const parts = path.split("?")[0].split("/").filter(Boolean);
  for (const route of api.routes) {
    if (route.method !== method) continue;
    const template = route.path.split("/").filter(Boolean);
    if (template.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (template.every((t, i) => (t.startsWith("{") ? ((params[t.slice(1, -1)] = decodeURIComponent(parts[i])), true) : t === parts[i])))
      return { route, params };
  }
  return undefined;
}

const json = (status: number, body: unknown, region: string): HttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
  region,
});

export class ApiGateway {
  private requestCounter = 0;

  constructor(private readonly deps: GatewayDeps) {}

  api(region: string): ApiDefinition {
    const api = this.deps.deployment.apis.find((a) => a.region === region);
    if (!api) throw new Error(`no API in ${region}`);
    return api;
  }

  /**
   * One request to `region`'s API. `giveUpMs` is how long the caller waits for a connection or an
   * answer before it gives up (a timeout of its own).
   */
  async request(region: string, req: HttpRequest, giveUpMs: number): Promise<HttpResponse> {
    const caller = currentCaller().region;
    const { reachability, sleep } = this.deps;
    if (!reachability.canReach(caller, region)) {
      await sleep(giveUpMs);
      throw new NetworkError(`connect ETIMEDOUT ${req.host}:443 (${region} is unreachable)`, "ETIMEDOUT");
    }
    await sleep(reachability.latencyMs(caller, region));
    const api = this.api(region);
    if (!api.domains.includes(req.host)) return json(403, { message: "Forbidden" }, region);
    const matched = matchRoute(api, req.method, req.path);
    let response: HttpResponse;
    if (!matched) {
      response = json(403, { message: "Missing Authentication Token" }, region);
    } else {
      response = await this.integrate(region, api, matched.route, matched.params, req, giveUpMs);
    }
    if (!reachability.canReach(caller, region)) {
      throw new NetworkError(`socket hang up: ${region} stopped answering during the request`, "ECONNRESET");
    }
    await sleep(reachability.latencyMs(caller, region));
    const metric = response.status >= 500 ? "5XXError" : response.status >= 400 ? "4XXError" : undefined;
    if (metric) this.deps.metrics.put(region, "AWS/ApiGateway", metric, { ApiName: api.apiName, Stage: api.stageName }, 1, this.deps.now());
    return response;
  }

  private async integrate(
    region: string,
    api: ApiDefinition,
    route: ApiRoute,
    params: Record<string, string>,
    req: HttpRequest,
    giveUpMs: number,
  ): Promise<HttpResponse> {
    const requestId = `apigw-${++this.requestCounter}`;
    const [path, query] = req.path.split("?");
    const event = {
      resource: route.path,
      path,
      httpMethod: req.method,
      headers: req.headers,
      multiValueHeaders: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : null,
      multiValueQueryStringParameters: null,
      pathParameters: Object.keys(params).length > 0 ? params : null,
      stageVariables: null,
      body: req.body ?? null,
      isBase64Encoded: false,
      requestContext: {
        accountId: this.deps.deployment.accountId,
        apiId: api.apiName,
        stage: api.stageName,
        requestId,
        httpMethod: req.method,
        path: `/${api.stageName}${path}`,
        resourcePath: route.path,
        domainName: req.host,
        requestTimeEpoch: this.deps.now(),
        identity: { sourceIp: "198.51.100.7", userAgent: req.headers["user-agent"] ?? "rehearsal-client" },
      },
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeoutMs = Math.min(route.timeoutMs, giveUpMs);
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    try {
      const result = await Promise.race([this.deps.runtime.invoke(route.functionArn, event), timedOut]);
      if (result === "timeout") return json(504, { message: "Endpoint request timed out" }, region);
      const r = result as { statusCode?: unknown; headers?: Record<string, string>; body?: unknown };
      if (typeof r?.statusCode !== "number") return json(502, { message: "Internal server error" }, region);
      return {
        status: r.statusCode,
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
        body: String(r.body ?? ""),
        region,
      };
    } catch (error) {
      // A throttled function never runs: API Gateway answers 500; a function error is a 502.
      return json((error as Error).name === "TooManyRequestsException" ? 500 : 502, { message: "Internal server error" }, region);
    } finally {
      clearTimeout(timer);
    }
  }
}
