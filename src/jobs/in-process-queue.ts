import type { Logger } from '../../connectors/connector.ts';
import { RunInProgressError } from '../store/store.ts';
import type { JobQueue, JobRunner, TenantJob } from './queue.ts';

// The queue in this process: a timer per waiting tenant. A job that finds the tenant's run lock taken (a run
// started from the admin page, the CLI or another process) waits again and retries, so nothing is dropped.

export interface InProcessQueueOptions {
  run: JobRunner;
  logger: Logger;
  /** How long a job waits before trying again when the tenant's run lock is taken. */
  busyRetryMs?: number;
  now?: () => number;
}

interface Waiting {
  job: TenantJob;
  at: number;
  timer: NodeJS.Timeout;
}

export class InProcessQueue implements JobQueue {
  readonly #waiting = new Map<string, Waiting>();
  readonly #active = new Map<string, Promise<void>>();
  /** Jobs asked for while the tenant's job was active: one follows it. */
  readonly #after = new Map<string, TenantJob>();
  #closed = false;

  constructor(private readonly options: InProcessQueueOptions) {}

  async enqueue(job: TenantJob, { delayMs = 0 } = {}): Promise<void> {
    if (this.#closed) return;
    if (this.#active.has(job.tenantId)) {
      this.#after.set(job.tenantId, this.#after.get(job.tenantId) ?? job);
      return;
    }
    this.#schedule(job, delayMs);
  }

  async waiting(): Promise<string[]> {
    return [...new Set([...this.#waiting.keys(), ...this.#after.keys()])];
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiting of this.#waiting.values()) clearTimeout(waiting.timer);
    this.#waiting.clear();
    this.#after.clear();
    await Promise.all(this.#active.values());
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  #schedule(job: TenantJob, delayMs: number): void {
    const at = this.#now() + delayMs;
    const current = this.#waiting.get(job.tenantId);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => this.#start(job.tenantId), Math.max(0, delayMs));
    timer.unref();
    this.#waiting.set(job.tenantId, { job: current?.job ?? job, at, timer });
  }

  #start(tenantId: string): void {
    const waiting = this.#waiting.get(tenantId);
    if (!waiting || this.#closed) return;
    this.#waiting.delete(tenantId);
    const { job } = waiting;
    const active = this.#perform(job).then((busy) => {
      this.#active.delete(tenantId);
      const next = this.#after.get(tenantId);
      this.#after.delete(tenantId);
      if (this.#closed) return;
      // Another run of the tenant was going: this job tries again later instead of being lost.
      if (busy) this.#schedule(next ?? job, this.options.busyRetryMs ?? 5_000);
      else if (next) this.#schedule(next, 0);
    });
    this.#active.set(tenantId, active);
  }

  /** Runs the job; true when the tenant's run lock was taken. */
  async #perform(job: TenantJob): Promise<boolean> {
    try {
      await this.options.run(job);
    } catch (error) {
      if (error instanceof RunInProgressError) return true;
      this.options.logger.warn(
        { tenantId: job.tenantId, trigger: job.trigger, error: String(error) },
        'queued run failed',
      );
    }
    return false;
  }
}
