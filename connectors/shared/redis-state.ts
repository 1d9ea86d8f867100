import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Admission, RateWindow, Sealer, SharedState } from './shared-state.ts';
import { spanOf } from './shared-state.ts';
import { SingleFlight } from './single-flight.ts';

// Shared state in Redis, for several workers. Each limit is one small Lua script, so a check and its count are
// one atomic step, timed by the Redis server's clock (workers' clocks may differ):
// - a rolling window is a sorted-set log per key: requests in flight (scored by when their lease ends, should a
//   worker die holding one) and answered ones (scored by when they stop counting); a full window answers how
//   long until its oldest answered request stops counting;
// - a bound on tasks at once is a sorted set of leases, renewed while a task runs;
// - `once` is a lock (SET NX PX) released only by its holder.

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const SCRIPTS = {
  // KEYS: in flight, answered. ARGV: max, lease ms, span ms, id. Returns 0 when admitted, else ms to wait.
  admitRequest: `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if oldest[2] then return math.max(1, tonumber(oldest[2]) - now) end
return 10`,
  // KEYS: in flight, answered. ARGV: span ms, id.
  answered: `${NOW}
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]))
return 1`,
  // KEYS: holders. ARGV: limit, lease ms, id. Returns 1 when taken.
  takeLease: `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0`,
  // KEYS: holders. ARGV: lease ms, id.
  renewLease: `${NOW}
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`,
  // KEYS: lock. ARGV: holder.
  unlock: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
} as const;

type Scripts = { [name in keyof typeof SCRIPTS]: (...args: (string | number)[]) => Promise<number> };

/** A request in flight holds its place this long at most, should its worker die before the answer. */
const REQUEST_LEASE_MS = 120_000;
/** A bounded task's lease, renewed every third of it while the task runs. */
const TASK_LEASE_MS = 30_000;
/** A `once` lock outlives a dead holder by this much at most. */
const LOCK_MS = 30_000;
const POLL_MS = 20;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisState implements SharedState {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #scripts: Scripts;
  readonly #prefix: string;
  readonly #sealer: Sealer | undefined;
  readonly #flights = new SingleFlight<unknown>();
  #closed: Promise<void> | null = null;

  constructor(url: string, settings: { prefix?: string; sealer?: Sealer } = {}) {
    // Connects on first use; while Redis is away, commands wait for the reconnection instead of failing fast.
    this.#redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
    this.#redis.on('error', () => {});
    for (const [name, lua] of Object.entries(SCRIPTS))
      this.#redis.defineCommand(name, { lua, numberOfKeys: /KEYS\[2\]/.test(lua) ? 2 : 1 });
    this.#scripts = this.#redis as unknown as Scripts;
    this.#prefix = settings.prefix ?? 'community-sync:';
    this.#sealer = settings.sealer;
  }

  /** One key's parts share a hash tag, so its scripts stay on one node of a cluster. */
  #key(key: string, part: string): string {
    return `${this.#prefix}{${key}}:${part}`;
  }

  async admit(key: string, window: RateWindow): Promise<Admission> {
    const flight = this.#key(key, 'in-flight');
    const answered = this.#key(key, 'answered');
    const span = spanOf(window);
    const id = randomUUID();
    for (;;) {
      const wait = await this.#scripts.admitRequest(flight, answered, window.max, REQUEST_LEASE_MS, span, id);
      if (wait === 0) break;
      await pause(wait);
    }
    let done = false;
    return {
      done: () => {
        if (done) return;
        done = true;
        // Not awaited: the lease ends the in-flight entry anyway should this fail.
        this.#scripts.answered(flight, answered, span, id).catch(() => {});
      },
    };
  }

  async bounded<T>(key: string, limit: number, task: () => Promise<T>): Promise<T> {
    const holders = this.#key(key, 'holders');
    const id = randomUUID();
    while ((await this.#scripts.takeLease(holders, limit, TASK_LEASE_MS, id)) !== 1) await pause(POLL_MS);
    const renewal = setInterval(
      () => this.#scripts.renewLease(holders, TASK_LEASE_MS, id).catch(() => {}),
      TASK_LEASE_MS / 3,
    );
    try {
      return await task();
    } finally {
      clearInterval(renewal);
      await this.#redis.zrem(holders, id).catch(() => {});
    }
  }

  once<V>(key: string, call: () => Promise<V>): Promise<V> {
    // One flight per process; the lock keeps the other workers' flights apart from it.
    return this.#flights.run(key, async () => {
      const lock = this.#key(key, 'lock');
      const holder = randomUUID();
      while ((await this.#redis.set(lock, holder, 'PX', LOCK_MS, 'NX')) !== 'OK') await pause(POLL_MS);
      try {
        return await call();
      } finally {
        await this.#scripts.unlock(lock, holder).catch(() => {});
      }
    }) as Promise<V>;
  }

  async read<V>(key: string): Promise<V | null> {
    const name = this.#key(key, 'value');
    const stored = await this.#redis.get(name);
    if (stored === null) return null;
    return JSON.parse(this.#sealer ? this.#sealer.open(stored, name) : stored) as V;
  }

  async write<V>(key: string, value: V, ttlMs: number): Promise<void> {
    const name = this.#key(key, 'value');
    const plain = JSON.stringify(value);
    await this.#redis.set(
      name,
      this.#sealer ? this.#sealer.seal(plain, name) : plain,
      'PX',
      Math.ceil(ttlMs),
    );
  }

  close(): Promise<void> {
    if (this.#redis.status === 'wait') this.#closed ??= Promise.resolve(this.#redis.disconnect());
    this.#closed ??= this.#redis.quit().then(
      () => {},
      () => this.#redis.disconnect(),
    );
    return this.#closed;
  }
}
