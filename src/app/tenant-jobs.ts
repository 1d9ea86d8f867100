import type { JobRunner } from '../jobs/queue.ts';
import { processChangeEvents } from '../sync/change-feed.ts';
import type { TargetedResync } from '../sync/changes.ts';
import type { RunEvent } from '../sync/run-tenant.ts';
import type { Runtime } from './runtime.ts';

// What a queued job does, wherever it runs (`serve`'s in-process queue or a `worker`): a webhook job processes the
// tenant's stored events, any other runs the tenant. Both throw RunInProgressError while the run lock is taken.

export function tenantJobRunner(
  runtime: Pick<Runtime, 'store' | 'logger' | 'runTenant'>,
  options: { resync: TargetedResync; progress?: (tenantId: string) => (event: RunEvent) => void },
): JobRunner {
  const { store, logger } = runtime;
  const progress = (tenantId: string) => (options.progress ? { onProgress: options.progress(tenantId) } : {});
  return async (job) => {
    // Webhook events: privacy deletions are honoured even with the service off; the feed checks that itself.
    if (job.trigger === 'webhook') {
      await processChangeEvents(
        {
          store,
          logger,
          resync: options.resync,
          runTenant: (tenantId, runOptions) =>
            runtime.runTenant(tenantId, { ...runOptions, ...progress(tenantId) }),
        },
        job.tenantId,
      );
      return;
    }
    // Turned off after it was queued (an undo turns the service off): it must not redo what was undone.
    if (!(await store.tenants.get(job.tenantId))?.settings.enabled) {
      logger.info({ tenantId: job.tenantId, trigger: job.trigger }, 'queued run skipped: the service is off');
      return;
    }
    await runtime.runTenant(job.tenantId, { trigger: job.trigger, ...progress(job.tenantId) });
  };
}
