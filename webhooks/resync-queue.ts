// Webhooks only enqueue: a burst of changes in a tenant's accounts becomes one resync, `delayMs` after the first
// event, and an event that arrives while the tenant's run is going brings one more run after it.

export class ResyncQueue {
  readonly #pending = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();

  constructor(
    private readonly run: (tenantId: string) => Promise<unknown>,
    private readonly delayMs = 60_000,
    private readonly onError: (tenantId: string, error: unknown) => void = () => {},
  ) {}

  enqueue(tenantId: string): void {
    if (this.#running.has(tenantId)) {
      this.#again.add(tenantId);
      return;
    }
    if (this.#pending.has(tenantId)) return;
    const timer = setTimeout(() => void this.#start(tenantId), this.delayMs);
    timer.unref();
    this.#pending.set(tenantId, timer);
  }

  /** Tenants waiting for their resync. */
  pending(): string[] {
    return [...this.#pending.keys()];
  }

  stop(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }

  async #start(tenantId: string): Promise<void> {
    this.#pending.delete(tenantId);
    this.#running.add(tenantId);
    try {
      await this.run(tenantId);
    } catch (error) {
      this.onError(tenantId, error);
    } finally {
      this.#running.delete(tenantId);
      if (this.#again.delete(tenantId)) this.enqueue(tenantId);
    }
  }
}
