import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/store/secrets.ts';
import { redisSkip, redisUrl, testPrefix } from '../../test/support/redis.ts';
import { MemoryState, RollingGate } from './memory-state.ts';
import { RedisState } from './redis-state.ts';
import { type Admission, openSharedState, type RateWindow, type SharedState } from './shared-state.ts';

// One contract for both implementations of the shared state. "Workers" are several instances: in memory one
// process has one state (so the same instance), in Redis each worker has its own connection.

const skip = await redisSkip();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: SharedState[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((state) => state.close()));
});

const implementations: { name: string; skip: string | null; workers(n: number): SharedState[] }[] = [
  {
    name: 'memory',
    skip: null,
    workers: (n) => {
      const state = new MemoryState();
      opened.push(state);
      return Array.from({ length: n }, () => state);
    },
  },
  {
    name: 'redis',
    skip,
    workers: (n) => {
      const prefix = testPrefix();
      const states = Array.from({ length: n }, () => new RedisState(redisUrl, { prefix }));
      opened.push(...states);
      return states;
    },
  },
];

interface Gate {
  admit(key: string, window: RateWindow): Promise<Admission>;
}

/** Workers sending as fast as their gate lets them (8 requests at once each) for `forMs`; admission times. */
async function hammer(gates: Gate[], key: string, window: RateWindow, forMs: number): Promise<number[]> {
  const admitted: number[] = [];
  const until = Date.now() + forMs;
  const lane = async (gate: Gate) => {
    while (Date.now() < until) {
      const slot = await gate.admit(key, window);
      admitted.push(Date.now());
      await pause(Math.random() * 20); // the provider answering
      slot.done();
    }
  };
  await Promise.all(gates.flatMap((gate) => Array.from({ length: 8 }, () => lane(gate))));
  return admitted.sort((a, b) => a - b);
}

/** The most admissions in any rolling window of `intervalMs`. */
function mostInAnyWindow(times: readonly number[], intervalMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[last] as number) - (times[first] as number) >= intervalMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Starts just past the middle of a fixed window, so a fixed-window limiter's boundary falls inside the run. */
async function midWindow(intervalMs: number): Promise<void> {
  const into = Date.now() % intervalMs;
  await pause((intervalMs * 1.5 - into) % intervalMs);
}

// HubSpot's 110 requests per rolling 10 s, at a tenth of the time scale so the test takes seconds.
const TEN_SECONDLY: RateWindow = { max: 110, intervalMs: 1_000 };
const SEARCH: RateWindow = { max: 5, intervalMs: 1_000 };

describe.each(implementations)('shared state in $name', ({ skip, workers }) => {
  it.skipIf(skip)(
    'three workers hammering one portal never get more than its limit into any rolling window',
    async () => {
      await midWindow(TEN_SECONDLY.intervalMs);
      const times = await hammer(workers(3), 'portal-1', TEN_SECONDLY, 2_600);
      expect(mostInAnyWindow(times, TEN_SECONDLY.intervalMs)).toBeLessThanOrEqual(110);
      // The window refilled (twice): the limit was reached across boundaries, not avoided.
      expect(times.length).toBeGreaterThanOrEqual(3 * 110);
    },
    15_000,
  );

  it.skipIf(skip)(
    'searches: at most 5 in any second across workers',
    async () => {
      const times = await hammer(workers(2), 'portal-1:search', SEARCH, 2_200);
      expect(mostInAnyWindow(times, SEARCH.intervalMs)).toBeLessThanOrEqual(5);
      expect(times.length).toBeGreaterThanOrEqual(10);
    },
    15_000,
  );

  it.skipIf(skip)('keys are separate windows', async () => {
    const [state] = workers(1) as [SharedState];
    const window = { max: 1, intervalMs: 60_000 };
    await state.admit('a', window);
    // `b` has its own window, so this does not wait a minute behind `a`.
    await state.admit('b', window);
  });

  it.skipIf(skip)('bounds tasks at once across workers', async () => {
    let active = 0;
    let peak = 0;
    await Promise.all(
      workers(3).flatMap((state) =>
        Array.from({ length: 4 }, () =>
          state.bounded('org-1', 2, async () => {
            active += 1;
            peak = Math.max(peak, active);
            await pause(15);
            active -= 1;
          }),
        ),
      ),
    );
    expect(peak).toBe(2);
  });

  it.skipIf(skip)('a token refresh seen due by two workers at once is done once', async () => {
    let refreshes = 0;
    const refresh = (state: SharedState) =>
      state.once('refresh:portal-1', async () => {
        // What every refresher does first: tokens another worker refreshed meanwhile are used as they are.
        const latest = await state.read<{ accessToken: string }>('tokens:portal-1');
        if (latest) return latest;
        refreshes += 1;
        await pause(50);
        const tokens = { accessToken: `renewed-${refreshes}` };
        await state.write('tokens:portal-1', tokens, 60_000);
        return tokens;
      });
    const results = await Promise.all(workers(2).flatMap((state) => [refresh(state), refresh(state)]));
    expect(refreshes).toBe(1);
    expect(results.map((t) => t.accessToken)).toEqual(Array(4).fill('renewed-1'));
  });

  it.skipIf(skip)('a failed flight is not shared with later callers', async () => {
    const [state] = workers(1) as [SharedState];
    await expect(state.once('k', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await state.once('k', async () => 'again')).toBe('again');
  });

  it.skipIf(skip)('values are read back by every worker until they expire', async () => {
    const [one, two] = workers(2) as [SharedState, SharedState];
    await one.write('usage', { used: 18, max: 15_000 }, 60_000);
    expect(await two.read('usage')).toEqual({ used: 18, max: 15_000 });
    await one.write('short', 1, 1);
    await pause(10);
    expect(await two.read('short')).toBeNull();
  });
});

describe('a fixed-window limiter (what the rolling log avoids)', () => {
  it.skipIf(skip)(
    'admits about twice the limit across a window boundary: the same test catches it',
    async () => {
      const redis = new Redis(redisUrl);
      const prefix = testPrefix();
      // INCR per window: the common Redis recipe.
      const fixed: Gate = {
        async admit(key, window) {
          for (;;) {
            const index = Math.floor(Date.now() / window.intervalMs);
            const name = `${prefix}${key}:${index}`;
            const [[, count]] = (await redis.multi().incr(name).pexpire(name, window.intervalMs).exec()) as [
              [null, number],
            ];
            if (count <= window.max) return { done: () => {} };
            await pause((index + 1) * window.intervalMs - Date.now());
          }
        },
      };
      try {
        await midWindow(TEN_SECONDLY.intervalMs);
        const times = await hammer([fixed, fixed, fixed], 'portal-1', TEN_SECONDLY, 1_200);
        expect(mostInAnyWindow(times, TEN_SECONDLY.intervalMs)).toBeGreaterThan(1.8 * 110);
      } finally {
        redis.disconnect();
      }
    },
    15_000,
  );
});

describe('Redis values at rest', () => {
  it.skipIf(skip)('are sealed with the app secret, and read back by a worker holding it', async () => {
    const prefix = testPrefix();
    const box = new SecretBox('x'.repeat(32));
    const one = new RedisState(redisUrl, { prefix, sealer: box });
    const two = new RedisState(redisUrl, { prefix, sealer: box });
    opened.push(one, two);
    await one.write('tokens:portal-1', { accessToken: 'secret-token' }, 60_000);
    const raw = new Redis(redisUrl);
    try {
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      expect(await raw.get(keys[0] as string)).not.toContain('secret-token');
    } finally {
      raw.disconnect();
    }
    expect(await two.read('tokens:portal-1')).toEqual({ accessToken: 'secret-token' });
  });
});

describe('RollingGate', () => {
  it('lets a whole window go at once, then waits until the window has passed since the oldest answer', () => {
    let now = 0;
    const gate = new RollingGate({ max: 2, intervalMs: 1_000 }, () => now);
    const first = gate.tryTake();
    const second = gate.tryTake();
    if (typeof first === 'number' || typeof second === 'number') throw new Error('expected slots');
    expect(gate.tryTake()).toBe(10); // both still in flight
    now = 300;
    first.done();
    now = 500;
    second.done();
    expect(gate.tryTake()).toBe(810); // 1 000 ms and a 1% margin after the first answer
    now = 1_310;
    expect(typeof gate.tryTake()).toBe('object');
    expect(gate.tryTake()).toBe(200);
  });
});

describe('the switch point', () => {
  it('keeps state in memory without REDIS_URL, and in Redis with it', async () => {
    const alone = openSharedState({});
    const workers = openSharedState({ redisUrl });
    opened.push(alone, workers);
    expect([alone.kind, workers.kind]).toEqual(['memory', 'redis']);
  });
});
