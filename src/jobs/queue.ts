// The work queue between what asks for runs (webhooks, the daily schedule) and what performs them. Jobs name a
// tenant (later also what changed); per tenant at most one job waits and one is active, and the store's run lock
// keeps a tenant's runs apart whoever starts them. The in-process queue is the default; a Redis-backed one can
// stand behind the same interface.

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
