import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../connectors/connector.ts';
import { DEFAULT_SETTINGS } from '../core/index.ts';
import type { Store, Tenant } from '../store/store.ts';
import { Scheduler } from './scheduler.ts';

afterEach(() => {
  vi.useRealTimers();
});

const tenant = (id: string, enabled: boolean, time: string): Tenant => ({
  id,
  name: id,
  createdAt: new Date(0),
  corporate: null,
  uninstalledAt: null,
  settings: { ...DEFAULT_SETTINGS, enabled, schedule: { time, timeZone: 'UTC' } },
});

describe('the in-process scheduler', () => {
  it('runs each enabled tenant once a day at its time, and never a disabled one', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T02:00:00Z') });
    const tenants = [tenant('a', true, '03:00'), tenant('b', false, '03:00'), tenant('c', true, '05:30')];
    const runs: string[] = [];
    const scheduler = new Scheduler({
      store: { tenants: { list: async () => tenants } } as unknown as Store,
      run: async (id) => void runs.push(`${id}@${new Date().toISOString().slice(11, 16)}`),
      logger: silentLogger,
      now: () => new Date(),
      recheckMs: 15 * 60_000,
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
    scheduler.stop();
    expect(runs).toEqual(['a@03:00', 'c@05:30']);
  });
});
