import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { syntheticTenant } from '../../bench/synthetic-tenant.ts';
import { createPlan } from '../core/plan.ts';
import { planOffTheLoop } from './plan-thread.ts';

// Planning a large tenant must not stall the server: while a 40k-contact plan runs on its thread, a timer keeps
// firing. No fixed time bound (a loaded machine stretches every gap): the longest gap is compared with how long the
// same plan holds the loop when made here, which it would hold whole.

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
      const started = performance.now();
      const here = createPlan(snapshot);
      const heldHere = performance.now() - started;
      expect(Math.max(...gaps)).toBeLessThan(heldHere / 2);
      expect(plan).toEqual(here);
      expect(plan.shared.length).toBeGreaterThan(0);
      console.info(
        `event loop: max gap ${Math.round(Math.max(...gaps))} ms, max delay ${Math.round(delay.max / 1e6)} ms; planned here it is held ${Math.round(heldHere)} ms`,
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
