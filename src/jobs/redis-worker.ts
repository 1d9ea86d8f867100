import { hostname } from 'node:os';
import { DelayedError, Worker } from 'bullmq';
import type { Logger } from '../../connectors/connector.ts';
import { RunInProgressError } from '../store/store.ts';
import type { JobRunner, TenantJob } from './queue.ts';
import { QUEUE_NAME, type RedisTarget, redisConnection } from './redis-queue.ts';

// A `worker` process's consumer of the Redis queue. A job that meets the tenant's run lock goes back to wait and
// tries again later, without spending an attempt. A worker that dies (SIGKILL) stops renewing its job's lock: after
// `LOCK_MS` the stalled-job check of any other worker puts the job back, and a live worker runs it again.

/** How long a job's lock lasts without renewal (renewed every half of it while the job runs). */
export const LOCK_MS = 30_000;
/** How often each worker looks for jobs whose lock lapsed. */
export const STALLED_CHECK_MS = 15_000;

export interface RedisWorkerOptions extends RedisTarget {
  run: JobRunner;
  logger: Logger;
  /** Jobs this process runs at once (of different tenants: the run lock keeps one tenant's apart). */
  concurrency?: number;
  /** How long a job waits when the tenant's run lock is taken. */
  busyRetryMs?: number;
}

export interface RunningWorker {
  /** Stops taking jobs and waits for the active ones to end. */
  close(): Promise<void>;
}

export function startRedisWorker(options: RedisWorkerOptions): RunningWorker {
  const { logger } = options;
  const connection = redisConnection(options.url, { failFast: false });
  const worker = new Worker<TenantJob>(
    QUEUE_NAME,
    async (job, token) => {
      const { tenantId, trigger } = job.data;
      try {
        await options.run({ tenantId, trigger });
      } catch (error) {
        if (!(error instanceof RunInProgressError)) throw error;
        logger.info(
          { tenantId, trigger, jobId: job.id },
          'a run holds the tenant; the job waits and tries again',
        );
        await job.moveToDelayed(Date.now() + (options.busyRetryMs ?? 5_000), token);
        throw new DelayedError();
      }
    },
    {
      connection,
      prefix: options.prefix,
      // Recorded on each job it takes (`processedBy`), so an operator sees which process holds a job.
      name: `${hostname()}:${process.pid}`,
      concurrency: options.concurrency ?? 1,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      // A job whose worker died twice is run a third time; only then is it failed.
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, error) =>
    logger.warn(
      {
        tenantId: job?.data.tenantId,
        trigger: job?.data.trigger,
        attempts: job?.attemptsMade,
        error: String(error),
      },
      'queued job failed',
    ),
  );
  worker.on('stalled', (jobId) =>
    logger.warn({ jobId }, 'a job whose worker stopped goes back to the queue'),
  );
  // Connection errors while Redis is away: ioredis reconnects and the worker carries on from what Redis holds.
  worker.on('error', (error) => logger.warn({ error: String(error) }, 'worker connection error'));
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
