import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { syntheticTenant } from '../../bench/synthetic-tenant.ts';
import { createPlan } from '../core/plan.ts';
import { planOffTheLoop } from './plan-thread.ts';

// Planning a large tenant must not stall the server: while a 40k-contact plan runs on its thread, a timer keeps
// firing. The bound is generous (a behaviour, not a benchmark): planned here, the same plan holds the loop for
// over a second.

describe('planning off the event loop', () => {
  it('a 40k-contact plan leaves the event loop answering, and equals the plan made here', async () => {
    const snapshot = syntheticTenant({ accounts: 10, contacts: 40_000, seed: 3 });
    const gaps: number[] = [];
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 10);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    try {
      const { plan } = await planOffTheLoop(snapshot, { onThread: true });
      delay.disable();
      clearInterval(ticker);
      expect(gaps.length).toBeGreaterThan(10);
      expect(Math.max(...gaps)).toBeLessThan(200);
      const here = createPlan(snapshot);
      expect(plan).toEqual(here);
      expect(plan.shared.length).toBeGreaterThan(0);
      console.info(
        `event loop: max gap ${Math.round(Math.max(...gaps))} ms, max delay ${Math.round(delay.max / 1e6)} ms`,
      );
    } finally {
      clearInterval(ticker);
      delay.disable();
    }
  }, 120_000);

  it('a small plan is made here, without a thread', async () => {
    const snapshot = syntheticTenant({ accounts: 2, contacts: 200, seed: 4 });
    expect((await planOffTheLoop(snapshot)).plan).toEqual(createPlan(snapshot));
  });
});
