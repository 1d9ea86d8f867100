import type { RunEvent } from '../sync/run-tenant.ts';

// Live progress of the runs this process starts, per tenant, for GET /runs/live. Each tenant's listeners get its
// latest state at most every `throttleMs` (the last one always arrives; a run's end at once). In memory: a run in
// another process is not seen here.

type Listener = (event: RunEvent) => void;

interface TenantLive {
  current: RunEvent | null;
  listeners: Set<Listener>;
  timer: NodeJS.Timeout | null;
  sentAt: number;
}

export class LiveRuns {
  readonly #tenants = new Map<string, TenantLive>();

  constructor(private readonly throttleMs = 250) {}

  #tenant(tenantId: string): TenantLive {
    let live = this.#tenants.get(tenantId);
    if (!live) {
      live = { current: null, listeners: new Set(), timer: null, sentAt: 0 };
      this.#tenants.set(tenantId, live);
    }
    return live;
  }

  /** The run going on in this tenant, as last reported; null when none is. */
  current(tenantId: string): RunEvent | null {
    return this.#tenants.get(tenantId)?.current ?? null;
  }

  /** A run's progress callback, feeding this tenant's listeners. */
  reporter(tenantId: string): (event: RunEvent) => void {
    return (event) => this.publish(tenantId, event);
  }

  publish(tenantId: string, event: RunEvent): void {
    const live = this.#tenant(tenantId);
    live.current = event;
    if (event.phase === 'done') {
      this.#send(live);
      live.current = null;
      this.#forgetIfIdle(tenantId, live);
      return;
    }
    if (live.timer) return;
    const wait = live.sentAt + this.throttleMs - Date.now();
    if (wait <= 0) this.#send(live);
    else {
      live.timer = setTimeout(() => this.#send(live), wait);
      live.timer.unref();
    }
  }

  /** Calls `listener` with every (throttled) change of the tenant's runs; returns how to stop. */
  subscribe(tenantId: string, listener: Listener): () => void {
    const live = this.#tenant(tenantId);
    live.listeners.add(listener);
    return () => {
      live.listeners.delete(listener);
      this.#forgetIfIdle(tenantId, live);
    };
  }

  #send(live: TenantLive): void {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    live.sentAt = Date.now();
    const event = live.current;
    if (event) for (const listener of live.listeners) listener(event);
  }

  #forgetIfIdle(tenantId: string, live: TenantLive): void {
    if (!live.current && live.listeners.size === 0 && !live.timer) this.#tenants.delete(tenantId);
  }
}
