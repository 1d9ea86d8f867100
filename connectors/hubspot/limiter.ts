import { ConcurrencyGate } from '../shared/concurrency.ts';
import type { RateWindow, SharedState } from '../shared/shared-state.ts';
import type { LimiterSettings } from './options.ts';

// One limiter per connected portal, shared by every session of that portal. @hubspot/api-client 13 keeps its
// limiter and retry decorators in a process-wide singleton (the last Client constructed wins), so its own
// limiter cannot be per portal: clients are built without decorators and every call is scheduled here.
//
// HubSpot's limits are the portal's, whichever worker sends: its rolling ten-secondly window and, for search
// requests (which do not count towards that window), five a second. Both live in the shared state; the bound on
// requests in flight is this process's own.

export class PortalLimiter {
  readonly #inFlight: ConcurrencyGate;
  #window: RateWindow;

  constructor(
    readonly accountId: string,
    readonly settings: LimiterSettings,
    private readonly shared: SharedState,
  ) {
    this.#window = { max: settings.maxRequests, intervalMs: settings.intervalMs };
    this.#inFlight = new ConcurrencyGate(settings.maxConcurrent);
  }

  /** The rolling window the portal is held to (as it last reported it, when adopted). */
  get window(): RateWindow {
    return this.#window;
  }

  async schedule<T>(search: boolean, call: () => Promise<T>): Promise<T> {
    if (search) {
      const slot = await this.shared.admit(`hubspot:${this.accountId}:search`, {
        max: this.settings.searchPerSecond,
        intervalMs: 1_000,
      });
      return this.#inFlight.run(call).finally(() => slot.done());
    }
    return this.#inFlight.run(async () => {
      const slot = await this.shared.admit(`hubspot:${this.accountId}:requests`, this.#window);
      try {
        return await call();
      } finally {
        slot.done();
      }
    });
  }

  /** Reads X-HubSpot-RateLimit-Max and -Interval-Milliseconds, and holds the portal to its real window. */
  observe(headers: Record<string, string> | undefined): void {
    if (!headers || !this.settings.adoptPortalLimits) return;
    const max = Number(header(headers, 'x-hubspot-ratelimit-max'));
    const intervalMs = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    if (!(max > 0 && intervalMs > 0)) return;
    if (max !== this.#window.max || intervalMs !== this.#window.intervalMs)
      this.#window = { max, intervalMs };
  }
}

export function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
