import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResyncQueue } from './resync-queue.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('webhook resyncs', () => {
  it('a burst of events for a tenant becomes one run after the delay', async () => {
    vi.useFakeTimers();
    const runs: string[] = [];
    const queue = new ResyncQueue(async (id) => void runs.push(id), 1_000);
    for (let i = 0; i < 5; i++) queue.enqueue('t1');
    queue.enqueue('t2');
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.sort()).toEqual(['t1', 't2']);
  });

  it('events during a run bring exactly one more run after it', async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const runs: number[] = [];
    const queue = new ResyncQueue(
      () =>
        new Promise<void>((resolve) => {
          runs.push(Date.now());
          finish = resolve;
        }),
      1_000,
    );
    queue.enqueue('t1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(1);
    queue.enqueue('t1');
    queue.enqueue('t1');
    finish();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(2);
    finish();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(2);
  });
});
