import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { testRedis } from '../../test/support/redis.ts';
import { emailEdit } from '../../test/support/worker-fleet.ts';
import { openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { Store } from '../store/store.ts';
import { dailySchedulerId, RedisJobQueue } from './redis-queue.ts';
import { RedisSweep } from './redis-sweep.ts';

// While Redis is away `serve` still stores webhook events (Postgres) and saves settings; the sweep catches the queue
// up once Redis is back.

const redis = await testRedis();
const prefix = redis.prefix();
afterAll(async () => {
  if (!redis.skip) await redis.clear(prefix);
});

async function storeWithTenant(settings: Record<string, unknown>, portal: string) {
  const database = await openDatabase({ dataDir: 'memory://' });
  const store = new Store(database, new SecretBox('sweep-test-secret-that-is-long-enough-012345'));
  const { id } = await store.tenants.create('Sweep Living', settings);
  await store.accounts.save(id, {
    provider: 'hubspot',
    externalId: portal,
    role: 'child',
    name: 'North',
    country: null,
    tokens: { accessToken: 'a', refreshToken: null, expiresAt: null },
    details: {},
  });
  return { database, store, tenantId: id };
}

describe('with Redis away', () => {
  it('queueing fails fast instead of hanging the webhook that asked', async () => {
    const queue = new RedisJobQueue({ url: 'redis://127.0.0.1:1', prefix }, silentLogger);
    const started = Date.now();
    await expect(queue.enqueue({ tenantId: 't', trigger: 'webhook' })).rejects.toThrow(
      /Redis|ECONNREFUSED|writeable/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await queue.close();
  });
});

describe.skipIf(redis.skip)('the queue sweep', () => {
  it('queues a webhook job for events whose job was never queued, once they have settled', async () => {
    const { database, store, tenantId } = await storeWithTenant({ enabled: true }, 'p1');
    const queue = new RedisJobQueue({ url: redis.url, prefix: `${prefix}-events` }, silentLogger);
    try {
      const now = new Date();
      await store.changeEvents.record([emailEdit('p1', '101')], new Date(now.getTime() - 5_000));
      const sweep = new RedisSweep({
        store,
        queue,
        logger: silentLogger,
        schedules: false,
        settleMs: 30_000,
      });
      // Too fresh: the webhook's own job may still be on its way.
      expect((await sweep.sweep()).requeued).toEqual([]);
      const later = new RedisSweep({
        store,
        queue,
        logger: silentLogger,
        schedules: false,
        settleMs: 30_000,
        now: () => new Date(now.getTime() + 60_000),
      });
      expect((await later.sweep()).requeued).toEqual([tenantId]);
      expect(await queue.waiting()).toEqual([tenantId]);
      const [job] = await queue.queue.getJobs(['wait', 'delayed']);
      expect(job?.data).toEqual({ tenantId, trigger: 'webhook' });
    } finally {
      await queue.close();
      await database.close();
    }
  });

  it("brings the daily runs' schedulers in line with the settings: missing, moved, turned off, tenant gone", async () => {
    const { database, store, tenantId } = await storeWithTenant(
      { enabled: true, schedule: { time: '04:15', timeZone: 'Europe/Paris' } },
      'p2',
    );
    const queue = new RedisJobQueue({ url: redis.url, prefix: `${prefix}-daily` }, silentLogger);
    try {
      const sweep = new RedisSweep({ store, queue, logger: silentLogger, schedules: true });
      await queue.scheduleDaily('gone-tenant', {
        enabled: true,
        schedule: { time: '01:00', timeZone: 'UTC' },
      });
      expect((await sweep.sweep()).rescheduled.sort()).toEqual(['gone-tenant', tenantId].sort());
      const scheduler = await queue.queue.getJobScheduler(dailySchedulerId(tenantId));
      expect([scheduler?.pattern, scheduler?.tz]).toEqual(['15 4 * * *', 'Europe/Paris']);
      expect(await queue.queue.getJobScheduler(dailySchedulerId('gone-tenant'))).toBeUndefined();
      // In line: nothing to do.
      expect((await sweep.sweep()).rescheduled).toEqual([]);

      // Saved while Redis was away (no hook reached it): the next sweep moves it, then removes it when off.
      await store.tenants.updateSettings(tenantId, { schedule: { time: '23:00', timeZone: 'UTC' } });
      expect((await sweep.sweep()).rescheduled).toEqual([tenantId]);
      expect((await queue.queue.getJobScheduler(dailySchedulerId(tenantId)))?.pattern).toBe('0 23 * * *');
      await store.tenants.setInstalled(tenantId, false);
      expect((await sweep.sweep()).rescheduled).toEqual([tenantId]);
      expect(await queue.nextDailyRun(tenantId)).toBeNull();
    } finally {
      await queue.close();
      await database.close();
    }
  });
});
