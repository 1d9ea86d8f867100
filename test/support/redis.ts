import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

// Tests of what is shared through Redis (the job queue, limits, token refreshes) run on a Redis server. On CI
// (CI=true) it must be there; locally its tests are skipped, with the reason printed, when it is not. Each test takes
// a key prefix of its own, so tests never share keys.

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** Why the Redis tests are skipped; null when they run. */
  skip: string | null;
  /** A key prefix no other test (file or run) uses. */
  prefix(): string;
  /** Deletes every key under a prefix (and the prefixes a test derives from it by appending). */
  clear(prefix: string): Promise<void>;
}

async function reachable(): Promise<string | null> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

export async function testRedis(): Promise<TestRedis> {
  const problem = await reachable();
  if (problem && process.env.CI === 'true')
    throw new Error(`CI needs the Redis server at ${redisUrl} for the Redis tests: ${problem}`);
  if (problem) console.warn(`skipping Redis tests: ${redisUrl} is not reachable (${problem})`);
  return {
    url: redisUrl,
    skip: problem,
    prefix: () => `test-${randomBytes(5).toString('hex')}`,
    clear: async (prefix) => {
      const client = new Redis(redisUrl);
      try {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
      } finally {
        client.disconnect();
      }
    },
  };
}

/** Why the Redis tests are skipped; null when they run. Throws on CI when Redis cannot be reached. */
export async function redisSkip(): Promise<string | null> {
  return (await testRedis()).skip;
}

/** A key prefix no other test uses (shared-state keys end it with a colon). */
export const testPrefix = () => `test-${randomBytes(6).toString('hex')}:`;
