import { ChangeCaptureStreams } from '../jobs/salesforce-change-capture.ts';
import { SalesforcePoller } from '../jobs/salesforce-poller.ts';
import type { TargetedResync } from '../sync/changes.ts';
import type { Runtime } from './runtime.ts';

// Salesforce's change feeds (polling, and Change Data Capture streams where an org opted in), handing what changed
// to the resync. They keep per-org state in memory, so one process runs them: `serve` alone, or with REDIS_URL the
// worker holding the feed lease (src/jobs/feed-leader.ts).

export function startSalesforceFeeds(
  runtime: Pick<Runtime, 'config' | 'store' | 'logger' | 'connectors' | 'connectorFor'>,
  resync: TargetedResync,
): { stop(): Promise<void> } {
  const { config, store, logger } = runtime;
  const feeds = { store, connectorFor: runtime.connectorFor, resync, logger };
  const streams = runtime.connectors.salesforce ? new ChangeCaptureStreams(feeds) : null;
  const poller =
    runtime.connectors.salesforce && config.SALESFORCE_POLL_SECONDS > 0
      ? new SalesforcePoller({
          ...feeds,
          intervalMs: config.SALESFORCE_POLL_SECONDS * 1000,
          streaming: (tenantId, orgKey) => streams?.isStreaming(tenantId, orgKey) ?? false,
        })
      : null;
  streams?.start();
  poller?.start();
  return {
    stop: async () => {
      await poller?.stop();
      await streams?.stop();
    },
  };
}
