import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../../connectors/connector.ts';
import type { DailySchedules, JobQueue, TenantJob } from './queue.ts';

// The queue shared by `serve` and the `worker` processes, on Redis (BullMQ 5). A job carries the tenant id and its
// trigger only; the events stay in Postgres. Requests for a tenant and trigger are de-duplicated by BullMQ's
// `keepLastIfActive`: at most one job waits while one is active. Daily runs are one job scheduler per tenant.

export const QUEUE_NAME = 'tenant-jobs';

/** A producer that waits longer than this for Redis gives up; the sweep (redis-sweep.ts) asks again later. */
const ENQUEUE_TIMEOUT_MS = 2_000;

export interface RedisTarget {
  url: string;
  /** Prefix of every key, so deployments (and test runs) sharing one Redis stay apart. */
  prefix: string;
}

/**
 * A connection as BullMQ wants it (no per-command retry limit). A producer fails fast while Redis is away
 * (`enableOfflineQueue` off) instead of piling requests up; a worker waits and reconnects.
 */
export function redisConnection(url: string, { failFast }: { failFast: boolean }): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: !failFast,
    // Reconnect for ever, at most every 5 s.
    retryStrategy: (times) => Math.min(times * 250, 5_000),
  });
}

export const dailySchedulerId = (tenantId: string) => `daily-${tenantId}`;

/** The cron pattern of a daily `HH:MM`. */
export const dailyPattern = (time: string) => {
  const [hh, mm] = time.split(':').map(Number);
  return `${mm} ${hh} * * *`;
};

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class RedisJobQueue implements JobQueue, DailySchedules {
  readonly queue: Queue<TenantJob>;
  readonly #connection: Redis;

  constructor(target: RedisTarget, logger: Logger) {
    this.#connection = redisConnection(target.url, { failFast: true });
    this.queue = new Queue<TenantJob>(QUEUE_NAME, {
      connection: this.#connection,
      prefix: target.prefix,
      defaultJobOptions: {
        // A failure other than the run lock (the database away …) is tried again twice, a minute apart and more.
        attempts: 3,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: { age: 24 * 3600, count: 1_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
      },
    });
    // Without a listener an unreachable Redis would throw from the emitter; the callers report their own failures.
    this.queue.on('error', (error) => logger.debug({ error: String(error) }, 'redis queue connection error'));
  }

  async enqueue(job: TenantJob, { delayMs = 0 } = {}): Promise<void> {
    const data: TenantJob = { tenantId: job.tenantId, trigger: job.trigger };
    await within(
      this.queue.add(job.trigger, data, {
        delay: delayMs,
        deduplication: { id: `${job.tenantId}:${job.trigger}`, keepLastIfActive: true },
      }),
      ENQUEUE_TIMEOUT_MS,
      `queueing a ${job.trigger} job of tenant ${job.tenantId}`,
    );
  }

  async waiting(): Promise<string[]> {
    // Daily runs' next jobs (made by their job schedulers) are not waiting in this sense: they are the schedule.
    const jobs = (await this.queue.getJobs(['wait', 'delayed', 'prioritized'])).filter(
      (job) => !job.repeatJobKey,
    );
    // A request made while the tenant's job is active is kept by BullMQ under `dn:<deduplication id>` until then.
    const next = this.queue.toKey('dn:');
    const kept: string[] = [];
    let cursor = '0';
    do {
      const [at, keys] = await this.#connection.scan(cursor, 'MATCH', `${next}*`, 'COUNT', 1_000);
      cursor = at;
      kept.push(...keys.map((key) => key.slice(next.length, key.lastIndexOf(':'))));
    } while (cursor !== '0');
    return [...new Set([...jobs.map((job) => job.data.tenantId), ...kept])];
  }

  async scheduleDaily(
    tenantId: string,
    settings: { enabled: boolean; schedule: { time: string; timeZone: string } },
  ): Promise<void> {
    const id = dailySchedulerId(tenantId);
    if (!settings.enabled) {
      await within(
        this.queue.removeJobScheduler(id),
        ENQUEUE_TIMEOUT_MS,
        `removing the daily run of ${tenantId}`,
      );
      return;
    }
    await within(
      this.queue.upsertJobScheduler(
        id,
        { pattern: dailyPattern(settings.schedule.time), tz: settings.schedule.timeZone },
        { name: 'schedule', data: { tenantId, trigger: 'schedule' } },
      ),
      ENQUEUE_TIMEOUT_MS,
      `scheduling the daily run of ${tenantId}`,
    );
  }

  /** When the tenant's daily run is next due; null when it has none. */
  async nextDailyRun(tenantId: string): Promise<Date | null> {
    const scheduler = await this.queue.getJobScheduler(dailySchedulerId(tenantId));
    return scheduler?.next ? new Date(scheduler.next) : null;
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.#connection.disconnect();
  }
}
