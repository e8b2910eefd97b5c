/**
 * One GET of the peer region's region-pinned `/health`, as Route 53's checkers make it: any HTTP
 * answer within the timeout is an answer (200 is healthy), anything else — refused, reset, timed
 * out — is none. The canary probes with it every few seconds; AssessRegions takes one last look
 * with it before a reconciler restores a writer over a silent one.
 */
export interface ProbeResult {
  healthy: boolean;
  /** The HTTP status, 0 when nothing answered. */
  status: number;
  latencyMs: number;
  error?: string;
}

export async function probePeer(url: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: "GET",
      signal: AbortSignal.timeout(timeoutMs),
      headers: { "user-agent": "payments-dr-canary" },
    });
    await res.body?.cancel().catch(() => undefined);
    return { healthy: res.status === 200, status: res.status, latencyMs: Date.now() - started };
  } catch (error) {
    return {
      healthy: false,
      status: 0,
      latencyMs: Date.now() - started,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
