import { getPriority, setPriority } from 'node:os';
import { FeedLeader } from '../jobs/feed-leader.ts';
import { redisConnection } from '../jobs/redis-queue.ts';
import { startRedisWorker } from '../jobs/redis-worker.ts';
import { STALE_AFTER_MS } from '../store/store.ts';
import { ConfigError } from './config.ts';
import type { Runtime } from './runtime.ts';
import { startSalesforceFeeds } from './salesforce-feeds.ts';
import { tenantJobRunner } from './tenant-jobs.ts';

// `community-sync worker`: runs the jobs `serve` queues in Redis (daily runs, webhook resyncs), as many processes
// as the load needs. One of them, whichever holds the feed lease, also runs the Salesforce feeds.

export interface Working {
  close(): Promise<void>;
}

export const WORKER_NEEDS =
  'the worker needs REDIS_URL (the queue) and DATABASE_URL (the Postgres server serve uses): see README "Running in production"';

/**
 * A worker's scheduling priority (nice): below `serve`, whose webhook answers and pages wait on the CPU, where the two
 * share a host; on a host of its own it changes nothing. Set before the worker's plan threads start, which inherit it.
 */
export const WORKER_NICENESS = 10;

export async function startWorker(
  runtime: Runtime,
  options: { concurrency?: number } = {},
): Promise<Working> {
  const { config, store, logger } = runtime;
  if (!config.REDIS_URL || runtime.databaseKind === 'pglite') throw new ConfigError(WORKER_NEEDS);
  try {
    // Only ever lowered: an operator who started it nicer keeps that.
    if (getPriority() < WORKER_NICENESS) setPriority(WORKER_NICENESS);
  } catch (error) {
    logger.warn(
      { error: String(error) },
      'could not lower the worker priority; it runs at the priority it was given',
    );
  }
  // Runs whose owner stopped beating (a worker killed mid-run) are failed with that reason, so they run again.
  const abandoned = await store.runs.failAbandoned({ staleAfterMs: STALE_AFTER_MS });
  if (abandoned > 0) logger.warn({ runs: abandoned }, 'runs whose process stopped were marked failed');
  const target = { url: config.REDIS_URL, prefix: config.REDIS_PREFIX };
  const worker = startRedisWorker({
    ...target,
    run: tenantJobRunner(runtime, { resync: runtime.resync }),
    logger,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const leaseRedis = runtime.connectors.salesforce ? redisConnection(target.url, { failFast: true }) : null;
  leaseRedis?.on('error', () => {});
  const leader = leaseRedis
    ? new FeedLeader({
        redis: leaseRedis,
        key: `${target.prefix}:salesforce-feeds`,
        logger,
        lead: () => startSalesforceFeeds(runtime, runtime.resync),
      })
    : null;
  leader?.start();
  logger.info({ prefix: target.prefix, concurrency: options.concurrency ?? 1 }, 'worker waiting for jobs');
  return {
    close: async () => {
      await leader?.stop();
      await worker.close();
      leaseRedis?.disconnect();
    },
  };
}

/** SIGINT / SIGTERM: the worker finishes its jobs, the runtime closes, the process exits. */
export function stopOnSignals(working: Working, runtime: Pick<Runtime, 'close'>): void {
  const stop = () => {
    void working
      .close()
      .then(() => runtime.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
