/**
 * The rehearsal's virtual clock: `@sinonjs/fake-timers` installed on the process before any
 * handler module loads, so Date, setTimeout/setInterval (and AbortSignal.timeout, which Node runs
 * on its own internal timer) all follow simulated time. Minutes of scenario run in milliseconds.
 *
 * setImmediate, process.nextTick and microtasks stay real: fake-timers yields to them between
 * timers (tickAsync), so every promise chain a timer starts completes before the next timer fires.
 */
import * as FakeTimers from "@sinonjs/fake-timers";

export type Cancel = () => void;

/** What the rehearsal uses of an installed fake clock. */
interface InstalledClock {
  now: number;
  tickAsync(ms: number): Promise<number>;
  uninstall(): unknown;
  /** fake-timers' own min-heap of pending timers (internal; read to step one due time at a time). */
  timerHeap?: { peek(): { callAt: number } | undefined };
}

/** The real setTimeout, captured before fake-timers replaces it (it fakes node:timers/promises too). */
const realSetTimeout = globalThis.setTimeout;
const realDelay = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/**
 * libuv requests in flight: real work (file-system calls, closing a file or handle, a DNS lookup,
 * a write to a pipe) whose completion virtual time must wait for. Their names end in `Req` or
 * `ReqWrap` (FSReqCallback, FSReqPromise, FileHandleCloseReq, CloseReq, GetAddrInfoReqWrap...) or
 * are a stream's write or shutdown. Long-lived handles (a pipe, a timer) are not requests and do
 * not hold time back. Under load a handler waited on a `CloseReq` (fs.promises closing the file it
 * had read) while the world moved a whole Lambda timeout of virtual time in a few real
 * milliseconds, and a correct invocation "timed out" (write-report, payment-events).
 */
const isRealRequest = (resource: string) =>
  resource.startsWith("FSReq") || /Req(Wrap)?$/.test(resource) || resource === "WriteWrap" || resource === "ShutdownWrap";
/** How long the clock waits for real file I/O before moving anyway (a stuck disk must not hang a run). */
const REAL_IO_PATIENCE_MS = 30_000;

/**
 * Waits (in real time) while file reads are in flight. Virtual time otherwise runs ahead of them:
 * the SDK reading a credentials file, or the IAM evaluator loading a service's data, took longer
 * than the virtual timeout around it on a loaded machine, and a call "timed out" in a test that is
 * correct (drctl preflight, a handler's 60 s Lambda timeout).
 */
async function realFileIoSettled(): Promise<void> {
  if (!process.getActiveResourcesInfo().some(isRealRequest)) return;
  const giveUpAt = performance.now() + REAL_IO_PATIENCE_MS;
  while (process.getActiveResourcesInfo().some(isRealRequest) && performance.now() < giveUpAt) await realDelay(1);
}

export class VirtualClock {
  /** Scenario time zero (`T+00:00.0`); moves when a scenario says its story starts. */
  origin: number;
  private readonly savedTimeout: typeof AbortSignal.timeout;

  private constructor(
    private readonly fake: InstalledClock,
    readonly startedAt: number,
  ) {
    this.origin = startedAt;
    this.savedTimeout = AbortSignal.timeout;
    // Node's AbortSignal.timeout uses an internal timer the fakes cannot see; give it a virtual one.
    AbortSignal.timeout = (ms: number) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
      return controller.signal;
    };
  }

  static install(startAt: number): VirtualClock {
    const fake = FakeTimers.withGlobal(globalThis).install({
      now: startAt,
      toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"],
      // A scenario schedules tens of thousands of timers (SDK latency, checkers, tickers, traffic).
      loopLimit: 10_000_000,
    }) as unknown as InstalledClock;
    return new VirtualClock(fake, startAt);
  }

  uninstall(): void {
    AbortSignal.timeout = this.savedTimeout;
    this.fake.uninstall();
  }

  now(): number {
    return this.fake.now;
  }

  /** Milliseconds since the scenario's origin (negative during warm-up). */
  sinceOrigin(at = this.now()): number {
    return at - this.origin;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  /** Runs `fn` after `ms` of virtual time. */
  after(ms: number, fn: () => void | Promise<void>): Cancel {
    const id = setTimeout(() => void fn(), Math.max(0, ms));
    return () => clearTimeout(id);
  }

  /** Runs `fn` every `periodMs`, first after `firstAfterMs` (default: one period). */
  every(periodMs: number, fn: () => void | Promise<void>, firstAfterMs = periodMs): Cancel {
    let stopped = false;
    let id: ReturnType<typeof setTimeout>;
    let next = this.now() + firstAfterMs;
    const tick = () => {
      if (stopped) return;
      void fn();
      next += periodMs;
      id = setTimeout(tick, Math.max(0, next - this.now()));
    };
    id = setTimeout(tick, Math.max(0, firstAfterMs));
    return () => {
      stopped = true;
      clearTimeout(id);
    };
  }

  /**
   * Advances virtual time by `ms`, running every timer due on the way (and the work they start).
   * It moves one due time at a time and, before each, lets real file I/O finish (realFileIoSettled).
   */
  async advance(ms: number): Promise<void> {
    const target = this.now() + Math.max(0, ms);
    for (;;) {
      await realFileIoSettled();
      const due = this.fake.timerHeap?.peek()?.callAt;
      const stepTo = due !== undefined && due < target ? due : target;
      await this.fake.tickAsync(Math.max(0, stepTo - this.now()));
      if (stepTo === target) return;
    }
  }

  /** Advances until `done()` holds or `limitMs` passes, checking every `stepMs`. Returns whether it held. */
  async advanceUntil(done: () => boolean, limitMs: number, stepMs = 1000): Promise<boolean> {
    const deadline = this.now() + limitMs;
    while (!done()) {
      if (this.now() >= deadline) return false;
      await this.advance(Math.min(stepMs, deadline - this.now()));
    }
    return true;
  }
}

/** `T+01:05.3` / `T-00:30.0`: time relative to the scenario's origin. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const tenths = Math.round(Math.abs(ms) / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = (tenths % 600) / 10;
  return `T${sign}${String(minutes).padStart(2, "0")}:${seconds.toFixed(1).padStart(4, "0")}`;
}
