// The work queue between what asks for runs (webhooks, the daily schedule) and what performs them. Jobs name a
// tenant (later also what changed); per tenant at most one job waits and one is active, and the store's run lock
// keeps a tenant's runs apart whoever starts them. The in-process queue is the default; with REDIS_URL the Redis
// one (redis-queue.ts) stands behind the same interface.

export interface TenantJob {
  tenantId: string;
  /** What asked for it, as runs record it: `webhook`, `schedule` … */
  trigger: string;
}

export interface JobQueue {
  /**
   * Asks for a run of the tenant no sooner than `delayMs` from now. While a job of the tenant waits, the request
   * joins it (the earlier time wins); while one is active, exactly one more follows it.
   */
  enqueue(job: TenantJob, options?: { delayMs?: number }): Promise<void>;
  /** Tenants with a job waiting. */
  waiting(): Promise<string[]>;
  /** Stops taking jobs; waits for active ones to end. */
  close(): Promise<void>;
}

/** Performs one job; throws RunInProgressError when the tenant's run lock is taken (the job then waits again). */
export type JobRunner = (job: TenantJob) => Promise<unknown>;

/**
 * Daily runs kept outside this process (the Redis queue's job schedulers). The in-process scheduler needs none: it
 * re-reads the settings at every wake-up.
 */
export interface DailySchedules {
  /** Brings the tenant's daily run in line with its settings: due at its time in its zone, or gone when off. */
  scheduleDaily(
    tenantId: string,
    settings: { enabled: boolean; schedule: { time: string; timeZone: string } },
  ): Promise<void>;
}
