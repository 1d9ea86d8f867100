import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../sync/run-tenant.ts';
import { LiveRuns } from './live-runs.ts';

const event = (runId: number, phase: RunEvent['phase'], written = 0): RunEvent => ({
  runId,
  trigger: 'admin',
  dryRun: false,
  phase,
  accounts: [{ accountId: 'a', name: 'A', pulled: true, contacts: 3, written, toWrite: 3 }],
});

afterEach(() => {
  vi.useRealTimers();
});

describe('live run progress', () => {
  it('sends the first change at once, folds a burst into its latest state, and the end at once', () => {
    vi.useFakeTimers();
    const live = new LiveRuns(250);
    const seen: RunEvent[] = [];
    live.subscribe('t1', (e) => seen.push(e));
    live.publish('t1', event(1, 'writing', 1));
    live.publish('t1', event(1, 'writing', 2));
    live.publish('t1', event(1, 'writing', 3));
    expect(seen.map((e) => e.accounts[0]?.written)).toEqual([1]);
    vi.advanceTimersByTime(250);
    expect(seen.map((e) => e.accounts[0]?.written)).toEqual([1, 3]);
    live.publish('t1', event(1, 'done', 3));
    expect(seen.at(-1)?.phase).toBe('done');
    expect(live.current('t1')).toBeNull();
  });

  it('keeps tenants apart, gives the current state to a newcomer, and stops on unsubscribe', () => {
    const live = new LiveRuns(0);
    const other: RunEvent[] = [];
    const stop = live.subscribe('t2', (e) => other.push(e));
    live.publish('t1', event(7, 'pulling'));
    expect(other).toEqual([]);
    expect(live.current('t1')?.runId).toBe(7);
    expect(live.current('t2')).toBeNull();
    stop();
    live.publish('t2', event(8, 'pulling'));
    expect(other).toEqual([]);
  });
});
