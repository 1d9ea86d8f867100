import { afterEach, describe, expect, it } from 'vitest';
import { eventually, recordingLogger } from '../../test/support/recording-logger.ts';
import { testRedis } from '../../test/support/redis.ts';
import { FeedLeader, type Lead } from './feed-leader.ts';
import { redisConnection } from './redis-queue.ts';

// Exactly one worker runs the Salesforce feeds: the holder of a lease in Redis.

const redis = await testRedis();
const opened: { disconnect(): void }[] = [];
afterEach(() => {
  for (const connection of opened.splice(0)) connection.disconnect();
});

/** A leader on a fail-fast connection of its own (as a worker's), and how many times it started the work. */
function contender(key: string, logger = recordingLogger()) {
  const connection = redisConnection(redis.url, { failFast: true });
  connection.on('error', () => {});
  opened.push(connection);
  let leads = 0;
  let running = 0;
  const leader = new FeedLeader({
    redis: connection,
    key,
    logger,
    leaseMs: 300,
    lead: (): Lead => {
      leads++;
      running++;
      return { stop: async () => void running-- };
    },
  });
  return { leader, connection, logger, leads: () => leads, running: () => running };
}

/** Two contenders for one lease, the first holding it when the second starts. */
async function twoContenders() {
  const key = `${redis.prefix()}:feeds`;
  const [a, b] = [contender(key), contender(key)];
  a.leader.start();
  await eventually(() => a.leader.leading, 'the first lease');
  b.leader.start();
  return [a, b] as const;
}

describe.skipIf(redis.skip)('the feed lease', () => {
  it('is taken at start, on a connection still opening, without a warning', async () => {
    const key = `${redis.prefix()}:feeds`;
    const one = contender(key);
    expect(one.connection.status).not.toBe('ready');
    one.leader.start();
    await eventually(() => one.leader.leading, 'the lease taken');
    expect(one.logger.entries.filter((e) => e.level === 'warn')).toEqual([]);
    await one.leader.stop();
  });

  it('is held by one contender at a time, and handed over when its holder stops', async () => {
    const [a, b] = await twoContenders();
    // Several renewals later, still one holder.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect([a.leader.leading, b.leader.leading]).toEqual([true, false]);
    await a.leader.stop();
    expect(a.running()).toBe(0);
    await eventually(() => b.leader.leading, 'the lease handed over');
    expect(b.running()).toBe(1);
    await b.leader.stop();
  });

  it('lapses when its holder stops renewing (a killed worker), and another takes it', async () => {
    const [a, b] = await twoContenders();
    // The holder's connection goes: it can neither renew nor hand the lease back.
    a.connection.disconnect();
    await eventually(() => b.leader.leading, 'the lapsed lease taken');
    expect(b.leads()).toBe(1);
    await Promise.all([a.leader.stop(), b.leader.stop()]);
  });
});
