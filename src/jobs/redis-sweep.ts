import type { Logger } from '../../connectors/connector.ts';
import type { Store } from '../store/store.ts';
import { dailyPattern, dailySchedulerId, type RedisJobQueue } from './redis-queue.ts';
import { Repeating } from './repeating.ts';

// `serve`'s safety net for the Redis queue, every minute: what Postgres says must be queued is queued. Events whose
// job was never queued (Redis was away when the webhook came) get one now, and the daily runs' job schedulers are
// brought in line with the tenants' settings (a settings change made while Redis was away, a tenant gone).

export interface RedisSweepOptions {
  store: Store;
  queue: RedisJobQueue;
  logger: Logger;
  /** Whether daily runs are kept (SCHEDULER on). */
  schedules: boolean;
  intervalMs?: number;
  /** Events younger than this are left to the job their webhook queued. */
  settleMs?: number;
  now?: () => Date;
}

export interface SweepResult {
  /** Tenants given a webhook job for events left pending. */
  requeued: string[];
  /** Tenants whose daily run was scheduled, moved or removed. */
  rescheduled: string[];
}

export class RedisSweep {
  readonly #rounds = new Repeating(
    () =>
      this.sweep().catch((error: unknown) =>
        this.options.logger.warn({ error: String(error) }, 'queue sweep failed; trying again in a minute'),
      ),
    () => this.options.intervalMs ?? 60_000,
  );

  constructor(private readonly options: RedisSweepOptions) {}

  start(): void {
    this.#rounds.start();
  }

  stop(): Promise<void> {
    return this.#rounds.stop();
  }

  async sweep(): Promise<SweepResult> {
    const rescheduled = this.options.schedules ? await this.#alignSchedules() : [];
    const requeued = await this.#requeuePending();
    if (requeued.length + rescheduled.length > 0)
      this.options.logger.info({ requeued, rescheduled }, 'queue sweep caught up with the database');
    return { requeued, rescheduled };
  }

  async #alignSchedules(): Promise<string[]> {
    const { store, queue } = this.options;
    const current = new Map(
      (await queue.queue.getJobSchedulers(0, -1)).map((s) => [s.key, `${s.pattern} ${s.tz ?? ''}`]),
    );
    const changed: string[] = [];
    const tenants = await store.tenants.list();
    for (const tenant of tenants) {
      const { enabled, schedule } = tenant.settings;
      const want = enabled ? `${dailyPattern(schedule.time)} ${schedule.timeZone}` : undefined;
      if (current.get(dailySchedulerId(tenant.id)) === want) continue;
      await queue.scheduleDaily(tenant.id, tenant.settings);
      changed.push(tenant.id);
    }
    const known = new Set(tenants.map((t) => dailySchedulerId(t.id)));
    for (const key of current.keys()) {
      if (!key.startsWith('daily-') || known.has(key)) continue;
      await queue.queue.removeJobScheduler(key);
      changed.push(key.slice('daily-'.length));
    }
    return changed;
  }

  async #requeuePending(): Promise<string[]> {
    const { store, queue } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const before = new Date(now.getTime() - (this.options.settleMs ?? 30_000));
    const portals = await store.changeEvents.accountsWithPending('hubspot', before);
    // Even a tenant with sync off: its privacy deletions are honoured, the rest is marked processed.
    const tenants = await store.accounts.tenantsToResync('hubspot', portals, { evenDisabled: true });
    for (const tenantId of tenants) await queue.enqueue({ tenantId, trigger: 'webhook' });
    return tenants;
  }
}
