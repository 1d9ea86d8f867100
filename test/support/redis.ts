import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

// Tests of state shared through Redis. On CI (CI=true) the Redis server must be there; locally its tests are
// skipped, with the reason printed, when it is not. Each test uses keys of its own prefix.

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<string | null> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
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

/** Why the Redis tests are skipped; null when they run. Throws on CI when Redis cannot be reached. */
export async function redisSkip(): Promise<string | null> {
  const problem = await redisReachable();
  if (problem && process.env.CI === 'true')
    throw new Error(`CI needs the Redis server at ${redisUrl} for the shared-state tests: ${problem}`);
  if (problem) console.warn(`skipping Redis tests: ${redisUrl} is not reachable (${problem})`);
  return problem;
}

/** A key prefix no other test uses. */
export const testPrefix = () => `test-${randomBytes(6).toString('hex')}:`;
