import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { testRedis } from '../../test/support/redis.ts';
import { RunInProgressError } from '../store/store.ts';
import type { TenantJob } from './queue.ts';
import { RedisJobQueue } from './redis-queue.ts';
import { type RunningWorker, startRedisWorker } from './redis-worker.ts';
import { nextRunAt } from './schedule.ts';

const redis = await testRedis();
const prefix = redis.prefix();
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const item of closing.reverse()) await item.close();
  if (!redis.skip) await redis.clear(prefix);
});

const until = async (check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe.skipIf(redis.skip)('the Redis job queue', () => {
  it('runs one job per tenant for a burst of requests, and exactly one more for requests made while it runs', async () => {
    const queue = new RedisJobQueue({ url: redis.url, prefix: `${prefix}-dedup` }, silentLogger);
    closing.push(queue);
    const ran: TenantJob[] = [];
    const release = gate();
    const started = gate();
    const workers: RunningWorker[] = [1, 2, 3].map(() =>
      startRedisWorker({
        url: redis.url,
        prefix: `${prefix}-dedup`,
        logger: silentLogger,
        run: async (job) => {
          ran.push(job);
          if (job.tenantId === 'a' && ran.filter((j) => j.tenantId === 'a').length === 1) {
            started.open();
            await release.opened;
          }
        },
      }),
    );
    closing.push(...workers);
    for (let i = 0; i < 5; i++) await queue.enqueue({ tenantId: 'a', trigger: 'webhook' }, { delayMs: 200 });
    await queue.enqueue({ tenantId: 'b', trigger: 'webhook' });
    await started.opened;
    try {
      // While a's job runs (on one of three workers), more requests make one job that waits for it.
      for (let i = 0; i < 5; i++) await queue.enqueue({ tenantId: 'a', trigger: 'webhook' });
      expect(await queue.waiting()).toEqual(['a']);
    } finally {
      release.open();
    }
    await until(() => ran.filter((j) => j.tenantId === 'a').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ran.filter((j) => j.tenantId === 'a')).toHaveLength(2);
    expect(ran.filter((j) => j.tenantId === 'b')).toEqual([{ tenantId: 'b', trigger: 'webhook' }]);
  });

  it('a job that meets the run lock waits and runs again, without spending an attempt', async () => {
    const queue = new RedisJobQueue({ url: redis.url, prefix: `${prefix}-busy` }, silentLogger);
    closing.push(queue);
    let tries = 0;
    let done = false;
    closing.push(
      startRedisWorker({
        url: redis.url,
        prefix: `${prefix}-busy`,
        logger: silentLogger,
        busyRetryMs: 100,
        run: async (job) => {
          tries += 1;
          if (tries <= 4) throw new RunInProgressError(job.tenantId);
          done = true;
        },
      }),
    );
    await queue.enqueue({ tenantId: 'a', trigger: 'schedule' });
    await until(() => done);
    // Four busy answers are more than the three attempts a failing job gets: they were not counted as failures.
    expect(tries).toBe(5);
  });

  it('keeps a daily run per enabled tenant at its time in its zone; a schedule change moves it, turning off removes it', async () => {
    const queue = new RedisJobQueue({ url: redis.url, prefix: `${prefix}-daily` }, silentLogger);
    closing.push(queue);
    const schedule = { time: '03:00', timeZone: 'America/Chicago' };
    await queue.scheduleDaily('t1', { enabled: true, schedule });
    const first = await queue.nextDailyRun('t1');
    expect(first?.toISOString()).toBe(nextRunAt(new Date(), schedule).toISOString());

    const moved = { time: '22:30', timeZone: 'Asia/Tokyo' };
    await queue.scheduleDaily('t1', { enabled: true, schedule: moved });
    const next = await queue.nextDailyRun('t1');
    expect(next?.toISOString()).toBe(nextRunAt(new Date(), moved).toISOString());
    expect(next?.toISOString()).not.toBe(first?.toISOString());
    // One delayed job: the one at the new time (the old one is gone).
    const delayed = await queue.queue.getJobs(['delayed']);
    expect(delayed.map((job) => [job.data, job.timestamp + (job.delay ?? 0)])).toEqual([
      [{ tenantId: 't1', trigger: 'schedule' }, next?.getTime()],
    ]);

    await queue.scheduleDaily('t1', { enabled: false, schedule: moved });
    expect(await queue.nextDailyRun('t1')).toBeNull();
    expect(await queue.queue.getJobs(['delayed', 'wait'])).toEqual([]);
  });
});
