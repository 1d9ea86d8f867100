import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { RunInProgressError } from '../store/store.ts';
import { InProcessQueue } from './in-process-queue.ts';
import type { TenantJob } from './queue.ts';

afterEach(() => {
  vi.useRealTimers();
});

const queueRunning = (run: (job: TenantJob) => Promise<unknown>, busyRetryMs = 1_000) =>
  new InProcessQueue({ run, logger: silentLogger, busyRetryMs });

describe('the in-process job queue', () => {
  it('a burst of requests for a tenant becomes one run after the delay; other tenants run on their own', async () => {
    vi.useFakeTimers();
    const runs: string[] = [];
    const queue = queueRunning(async (job) => void runs.push(job.tenantId));
    for (let i = 0; i < 5; i++)
      await queue.enqueue({ tenantId: 't1', trigger: 'webhook' }, { delayMs: 1_000 });
    await queue.enqueue({ tenantId: 't2', trigger: 'webhook' }, { delayMs: 1_000 });
    expect((await queue.waiting()).sort()).toEqual(['t1', 't2']);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.sort()).toEqual(['t1', 't2']);
    expect(await queue.waiting()).toEqual([]);
  });

  it('requests during a run bring exactly one more run after it', async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const runs: string[] = [];
    const queue = queueRunning(
      (job) =>
        new Promise<void>((resolve) => {
          runs.push(job.trigger);
          finish = resolve;
        }),
    );
    await queue.enqueue({ tenantId: 't1', trigger: 'first' });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['first']);
    await queue.enqueue({ tenantId: 't1', trigger: 'webhook' }, { delayMs: 60_000 });
    await queue.enqueue({ tenantId: 't1', trigger: 'webhook' }, { delayMs: 60_000 });
    expect(await queue.waiting()).toEqual(['t1']);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['first', 'webhook']);
    finish();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toHaveLength(2);
  });

  it("a job that finds the tenant's run lock taken (a run started elsewhere) waits and runs after it, never dropped", async () => {
    vi.useFakeTimers();
    let lockHeld = true;
    const attempts: boolean[] = [];
    const queue = queueRunning(async () => {
      attempts.push(lockHeld);
      if (lockHeld) throw new RunInProgressError('t1');
    }, 5_000);
    await queue.enqueue({ tenantId: 't1', trigger: 'webhook' });
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([true]);
    expect(await queue.waiting()).toEqual(['t1']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(attempts).toEqual([true, true]);
    lockHeld = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(attempts).toEqual([true, true, false]);
    expect(await queue.waiting()).toEqual([]);
  });

  it('an earlier request moves a waiting job forward; close drops waiting jobs and waits for active ones', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const queue = queueRunning(async () => void runs.push(Date.now()));
    const start = Date.now();
    await queue.enqueue({ tenantId: 't1', trigger: 'webhook' }, { delayMs: 60_000 });
    await queue.enqueue({ tenantId: 't1', trigger: 'schedule' }, { delayMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toEqual([start + 10]);
    await queue.enqueue({ tenantId: 't2', trigger: 'webhook' }, { delayMs: 1_000 });
    await queue.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
  });
});
