import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connector, Logger, ProviderName } from '../../connectors/connector.ts';
import { InProcessQueue } from '../jobs/in-process-queue.ts';
import { RedisJobQueue } from '../jobs/redis-queue.ts';
import { RedisSweep } from '../jobs/redis-sweep.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import { createApp } from '../server/app.ts';
import { LiveRuns } from '../server/live-runs.ts';
import { Metrics } from '../server/metrics.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { STALE_AFTER_MS, Store } from '../store/store.ts';
import type { TargetedResync, TargetedResyncRequest } from '../sync/changes.ts';
import { type RunTenantOptions, runTenant } from '../sync/run-tenant.ts';
import { targetedResync } from '../sync/targeted-resync.ts';
import type { Config } from './config.ts';
import { startSalesforceFeeds } from './salesforce-feeds.ts';
import { tenantJobRunner } from './tenant-jobs.ts';

// The app's parts wired together once: store, connectors, runs, and (for `serve`) the HTTP server and the
// daily scheduler. The CLI commands and `npm start` all go through here.

export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  /** `pglite`: the embedded database, which only this process can open (DATA_DIR is locked). */
  databaseKind: OpenDatabase['kind'];
  connectors: Partial<Record<ProviderName, Connector>>;
  connectorFor(provider: ProviderName): Connector;
  runTenant(tenantId: string, options?: RunTenantOptions): ReturnType<typeof runTenant>;
  /** Brings the records change feeds name up to date (src/sync/targeted-resync.ts), counted as runs are. */
  resync: TargetedResync;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  connectors: Partial<Record<ProviderName, Connector>>,
): Promise<Runtime> {
  let database: OpenDatabase;
  try {
    database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
  } catch (error) {
    const where = config.DATABASE_URL
      ? 'the Postgres server in DATABASE_URL'
      : `the embedded store in ${config.DATA_DIR}`;
    throw new Error(`cannot open ${where}: ${(error as Error).message}`, { cause: error });
  }
  const store = new Store(database, new SecretBox(config.appSecret));
  const connectorFor = (provider: ProviderName): Connector => {
    const connector = connectors[provider];
    if (!connector) {
      throw new Error(
        config.sandbox
          ? `${provider} is simulated inside the running sandbox (npm start): run its tenants from the admin page`
          : `${provider} is not configured: set its client id and secret (README "Configuration")`,
      );
    }
    return connector;
  };
  const metrics = new Metrics();
  const countedRun = async (tenantId: string, options: RunTenantOptions = {}) => {
    const result = await runTenant(store, connectorFor, tenantId, { logger, ...options });
    metrics.add('community_sync_runs_total', 'Tenant runs, by outcome', {
      status: result.status,
      dry_run: String(options.dryRun ?? false),
    });
    metrics.add(
      'community_sync_records_written_total',
      'Records written (tags, copies, relations)',
      {},
      result.report.written,
    );
    for (const [accountId, stats] of Object.entries(result.report.calls)) {
      for (const [kind, count] of Object.entries(stats.byKind)) {
        if (count > 0) {
          metrics.add(
            'community_sync_api_calls_total',
            'Provider API requests, by provider and kind',
            { provider: result.providers.get(accountId) ?? 'unknown', kind },
            count,
          );
        }
      }
    }
    return result;
  };
  const resync = async (request: TargetedResyncRequest) => {
    const result = await targetedResync(store, connectorFor, { logger, ...request });
    metrics.add('community_sync_resyncs_total', 'Targeted resyncs, by mode (targeted, full, unchanged)', {
      mode: result.mode,
    });
    // A resync that ran in full is counted here too: its calls and writes are the resync's.
    metrics.add(
      'community_sync_records_written_total',
      'Records written (tags, copies, relations)',
      {},
      result.written,
    );
    if (result.calls > 0)
      metrics.add(
        'community_sync_resync_api_calls_total',
        'Provider API requests of targeted resyncs, by mode (OAuth excluded)',
        { mode: result.mode },
        result.calls,
      );
    return result;
  };
  return {
    config,
    logger,
    store,
    databaseKind: database.kind,
    connectors,
    connectorFor,
    metrics,
    runTenant: countedRun,
    resync,
    close: async () => {
      await database.close();
      // Both connectors share one state: closing it twice is harmless.
      await Promise.all(Object.values(connectors).map((connector) => connector.close?.()));
    },
  };
}

export interface Serving {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP server, the job queue and the daily scheduler (with REDIS_URL: the queue's producer side and its
 * sweep; `worker` processes do the rest). Runs whose process died are failed first: on the embedded database (this
 * process alone) every run left `running`; on a server only runs whose heartbeat stopped.
 */
export async function serve(
  runtime: Runtime,
  options: {
    sandboxTenantId?: () => string | null;
    hubspotWebhookSecret?: string;
    host?: string;
    resync?: TargetedResync;
  } = {},
): Promise<Serving> {
  const { config, store, logger } = runtime;
  const staleAfterMs = runtime.databaseKind === 'pglite' ? 0 : STALE_AFTER_MS;
  const abandoned = await store.runs.failAbandoned({ staleAfterMs });
  if (abandoned > 0)
    logger.warn({ runs: abandoned }, 'runs interrupted by a stop were marked failed; they will run again');
  await store.installStates.purgeExpired();
  // The process's first date formatter loads ICU's time zone data (30 ms): every stored settings read checks a
  // zone with one, so it is made now rather than by the first webhook or page, which would wait for it.
  new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' });
  const liveRuns = new LiveRuns();
  // Change feeds (webhooks, Salesforce polling and streams) hand their record changes to one resync.
  const targeted = options.resync ?? runtime.resync;
  // With REDIS_URL this process only queues: the `worker` processes run the jobs, the daily runs and the feeds.
  const queue = config.REDIS_URL
    ? new RedisJobQueue({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX }, logger)
    : new InProcessQueue({
        run: tenantJobRunner(runtime, {
          resync: targeted,
          progress: (tenantId) => liveRuns.reporter(tenantId),
        }),
        logger,
      });
  const daily = queue instanceof RedisJobQueue && config.SCHEDULER === 'on' ? queue : undefined;
  // Listen first, so that with PORT=0 the OAuth redirect URLs name the port actually taken.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const app = createApp({
    store,
    connectorFor: runtime.connectorFor,
    enabledProviders: Object.keys(runtime.connectors) as ProviderName[],
    runTenant: runtime.runTenant,
    resync: targeted,
    metrics: runtime.metrics,
    liveRuns,
    appSecret: config.appSecret,
    publicUrl: config.PUBLIC_URL ?? `http://localhost:${port}`,
    frameAncestors: config.FRAME_ANCESTORS,
    logger,
    ...(options.sandboxTenantId ? { sandboxTenantId: options.sandboxTenantId } : {}),
    ...(options.hubspotWebhookSecret
      ? { webhooks: { hubspotClientSecret: options.hubspotWebhookSecret, queue } }
      : {}),
    ...(daily ? { schedules: daily } : {}),
  });
  server.on('request', app);
  const scheduler = new Scheduler({
    store,
    logger,
    run: (tenantId) => queue.enqueue({ tenantId, trigger: 'schedule' }),
  });
  if (config.SCHEDULER === 'on' && queue instanceof InProcessQueue) scheduler.start();
  const sweep =
    queue instanceof RedisJobQueue
      ? new RedisSweep({ store, queue, logger, schedules: daily !== undefined })
      : null;
  sweep?.start();
  const feeds = queue instanceof RedisJobQueue ? null : startSalesforceFeeds(runtime, targeted);
  return {
    url: `http://localhost:${port}/`,
    close: async () => {
      scheduler.stop();
      await sweep?.stop();
      await feeds?.stop();
      await queue.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
