import { ConcurrencyGate } from './concurrency.ts';
import type { Admission, RateWindow, SharedState } from './shared-state.ts';
import { spanOf } from './shared-state.ts';
import { SingleFlight } from './single-flight.ts';

// Shared state for one process: today's behaviour, with nothing to run beside the app.

/** The requests of one rolling window, counted from admission until the window has passed since their answer. */
export class RollingGate {
  readonly #slots: { doneAt: number | null }[] = [];

  constructor(
    public window: RateWindow,
    private readonly now: () => number = Date.now,
  ) {}

  /** A slot for a request that may go now (call `done()` when it is answered), or how long to wait first. */
  tryTake(): Admission | number {
    const now = this.now();
    const span = spanOf(this.window);
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const doneAt = (this.#slots[i] as { doneAt: number | null }).doneAt;
      if (doneAt !== null && doneAt <= now - span) this.#slots.splice(i, 1);
      else if (doneAt !== null) oldest = Math.min(oldest, doneAt);
    }
    if (this.#slots.length < this.window.max) {
      const slot: { doneAt: number | null } = { doneAt: null };
      this.#slots.push(slot);
      return {
        done: () => {
          slot.doneAt ??= this.now();
        },
      };
    }
    // Every slot still in flight: look again shortly.
    return oldest === Number.POSITIVE_INFINITY ? 10 : Math.max(1, Math.ceil(oldest + span - now));
  }

  async take(): Promise<Admission> {
    for (;;) {
      const slot = this.tryTake();
      if (typeof slot !== 'number') return slot;
      await new Promise((resolve) => setTimeout(resolve, slot));
    }
  }
}

export class MemoryState implements SharedState {
  readonly kind = 'memory';
  readonly #windows = new Map<string, RollingGate>();
  readonly #gates = new Map<string, ConcurrencyGate>();
  readonly #flights = new SingleFlight<unknown>();
  readonly #values = new Map<string, { value: unknown; until: number }>();

  admit(key: string, window: RateWindow): Promise<Admission> {
    let gate = this.#windows.get(key);
    if (!gate) {
      gate = new RollingGate(window);
      this.#windows.set(key, gate);
    }
    // A portal that reports another window (a higher tier) is held to it from now on.
    gate.window = window;
    return gate.take();
  }

  bounded<T>(key: string, limit: number, task: () => Promise<T>): Promise<T> {
    let gate = this.#gates.get(key);
    if (!gate || gate.limit !== limit) {
      gate = new ConcurrencyGate(limit);
      this.#gates.set(key, gate);
    }
    return gate.run(task);
  }

  once<V>(key: string, call: () => Promise<V>): Promise<V> {
    return this.#flights.run(key, call) as Promise<V>;
  }

  async read<V>(key: string): Promise<V | null> {
    const entry = this.#values.get(key);
    if (!entry) return null;
    if (entry.until <= Date.now()) {
      this.#values.delete(key);
      return null;
    }
    return entry.value as V;
  }

  async write<V>(key: string, value: V, ttlMs: number): Promise<void> {
    this.#values.set(key, { value, until: Date.now() + ttlMs });
  }

  async close(): Promise<void> {}
}
