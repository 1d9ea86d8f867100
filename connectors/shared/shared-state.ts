import { MemoryState } from './memory-state.ts';
import { RedisState } from './redis-state.ts';

// State that every worker serving the same accounts must share: the providers' per-account rate windows and
// request bounds, single-flight token refreshes, and values such as the latest tokens. One process keeps it in
// memory (memory-state.ts); several workers keep it in Redis (redis-state.ts). `openSharedState` is the one place
// that chooses, from REDIS_URL.

/** A rolling window: at most `max` requests in any `intervalMs`. */
export interface RateWindow {
  max: number;
  intervalMs: number;
}

/** A request let through a rolling window: call `done()` when its answer came back. */
export interface Admission {
  done(): void;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /**
   * Waits for room in `key`'s rolling window. A request counts from its admission until the window (and a 1%
   * margin) has passed since `done()`: the provider counts it on arrival, somewhere in between, so a request the
   * provider would count against a full window is never let go, however late earlier ones arrived.
   */
  admit(key: string, window: RateWindow): Promise<Admission>;
  /** Runs `task` while at most `limit` tasks hold `key` at once. */
  bounded<T>(key: string, limit: number, task: () => Promise<T>): Promise<T>;
  /**
   * One `call` per key at a time. In one process callers arriving while it runs share its result; across workers
   * they wait for it to finish and then run `call` themselves, so `call` first reads what the last one stored
   * (e.g. the refreshed tokens) and only does the work when nobody has.
   */
  once<V>(key: string, call: () => Promise<V>): Promise<V>;
  /** A value every worker reads (sealed at rest in Redis); null when absent or expired. */
  read<V>(key: string): Promise<V | null>;
  write<V>(key: string, value: V, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** How long a request holds its place in a window after its answer: the window and a 1% margin. */
export const spanOf = (window: RateWindow) => Math.ceil(window.intervalMs * 1.01);

/** Seals values at rest (the store's SecretBox): tokens in Redis are never plain text. */
export interface Sealer {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

export interface SharedStateSettings {
  /** Unset: in memory, for one process. Set: in Redis, shared by every worker on it. */
  redisUrl?: string | undefined;
  sealer?: Sealer;
  /** Prefix of every Redis key (tests use one of their own). */
  prefix?: string;
}

/** The switch point: memory without REDIS_URL, Redis with it. */
export function openSharedState(settings: SharedStateSettings = {}): SharedState {
  return settings.redisUrl ? new RedisState(settings.redisUrl, settings) : new MemoryState();
}
