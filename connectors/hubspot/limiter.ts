import Bottleneck from 'bottleneck';
import type { LimiterSettings } from './options.ts';

// One limiter per connected portal, shared by every session of that portal. @hubspot/api-client 13 keeps its
// limiter and retry decorators in a process-wide singleton (the last Client constructed wins), so its own
// limiter cannot be per portal: clients are built without decorators and every call is scheduled here.
//
// Bottleneck bounds the requests in flight (and paces search at 5 / s); a rolling-window gate in front of each
// request keeps the portal under HubSpot's ten-secondly rolling window while letting an idle portal use its
// whole window at once (a reservoir refilled every interval could send twice the limit across a boundary).

/**
 * The requests of one rolling window. A request counts from when it is sent until the window has passed since
 * its answer came back: HubSpot counts it when it arrives, which is somewhere in between, so the gate never
 * lets a request go that HubSpot would count against a full window, however late earlier requests arrived.
 */
export class RollingGate {
  readonly #slots: { doneAt: number | null }[] = [];

  constructor(
    public max: number,
    public intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get #spanMs(): number {
    return this.intervalMs * 1.01;
  }

  /** A slot for a request that may go now (call `done()` when it is answered), or how long to wait first. */
  tryTake(): { done: () => void } | number {
    const now = this.now();
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const doneAt = (this.#slots[i] as { doneAt: number | null }).doneAt;
      if (doneAt !== null && doneAt <= now - this.#spanMs) this.#slots.splice(i, 1);
      else if (doneAt !== null) oldest = Math.min(oldest, doneAt);
    }
    if (this.#slots.length < this.max) {
      const slot: { doneAt: number | null } = { doneAt: null };
      this.#slots.push(slot);
      return {
        done: () => {
          slot.doneAt = this.now();
        },
      };
    }
    // Every slot still in flight: look again shortly.
    return oldest === Number.POSITIVE_INFINITY ? 10 : Math.max(1, Math.ceil(oldest + this.#spanMs - now));
  }

  async take(): Promise<{ done: () => void }> {
    for (;;) {
      const slot = this.tryTake();
      if (typeof slot !== 'number') return slot;
      await new Promise((resolve) => setTimeout(resolve, slot));
    }
  }
}

export class PortalLimiter {
  readonly #inFlight: Bottleneck;
  readonly #search: Bottleneck;
  readonly #gate: RollingGate;

  constructor(readonly settings: LimiterSettings) {
    this.#gate = new RollingGate(settings.maxRequests, settings.intervalMs);
    this.#inFlight = new Bottleneck({ maxConcurrent: settings.maxConcurrent });
    this.#search = new Bottleneck({
      maxConcurrent: 1,
      minTime: Math.ceil((1_000 / settings.searchPerSecond) * 1.02),
    });
  }

  /** The rolling window the portal is held to (as it last reported it, when adopted). */
  get window(): { max: number; intervalMs: number } {
    return { max: this.#gate.max, intervalMs: this.#gate.intervalMs };
  }

  schedule<T>(search: boolean, call: () => Promise<T>): Promise<T> {
    const gated = () =>
      this.#inFlight.schedule(async () => {
        const slot = await this.#gate.take();
        try {
          return await call();
        } finally {
          slot.done();
        }
      });
    return search ? this.#search.schedule(gated) : gated();
  }

  /** Reads X-HubSpot-RateLimit-Max and -Interval-Milliseconds, and holds the portal to its real window. */
  observe(headers: Record<string, string> | undefined): void {
    if (!headers || !this.settings.adoptPortalLimits) return;
    const max = Number(header(headers, 'x-hubspot-ratelimit-max'));
    const intervalMs = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    if (!(max > 0 && intervalMs > 0)) return;
    this.#gate.max = max;
    this.#gate.intervalMs = intervalMs;
  }
}

export function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
