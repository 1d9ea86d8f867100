import type { Logger } from '../../connectors/connector.ts';
import type { Store } from '../store/store.ts';
import { nextRunAt } from './schedule.ts';

// In-process daily runs: one timer for the soonest due tenant. Settings are re-read at every wake-up, so a
// changed schedule or a newly enabled tenant takes effect without a restart (at most `recheckMs` later).

export interface SchedulerOptions {
  store: Store;
  run(tenantId: string): Promise<unknown>;
  logger: Logger;
  now?: () => Date;
  recheckMs?: number;
}

export class Scheduler {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #due = new Map<string, number>();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.#stopped = false;
    void this.#wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Runs tenants whose time has come, then sleeps until the next one (or the recheck). */
  async #wake(): Promise<void> {
    const { store, logger } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    let soonest = now.getTime() + (this.options.recheckMs ?? 60_000);
    try {
      for (const tenant of await store.tenants()) {
        if (!tenant.settings.enabled) {
          this.#due.delete(tenant.id);
          continue;
        }
        const next = nextRunAt(now, tenant.settings.schedule).getTime();
        const due = this.#due.get(tenant.id);
        if (due !== undefined && due <= now.getTime()) {
          this.#due.set(tenant.id, next);
          this.options.run(tenant.id).catch((error: unknown) => {
            logger.error({ tenantId: tenant.id, error: String(error) }, 'scheduled run failed');
          });
        } else if (due === undefined || due !== next) {
          this.#due.set(tenant.id, next);
        }
        soonest = Math.min(soonest, this.#due.get(tenant.id) as number);
      }
    } catch (error) {
      logger.error({ error: String(error) }, 'scheduler could not read tenants');
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#wake(), Math.max(1_000, soonest - now.getTime()));
    this.#timer.unref();
  }
}
