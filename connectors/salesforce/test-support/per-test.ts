import { afterEach } from 'vitest';
import type { Snapshot } from '../../../src/core/index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from '../simulator.ts';
import { tenantSnapshot } from './tenant.ts';

// Kept apart from tenant.ts, which the benchmark imports outside vitest.
/** Registers closing after each test; returns a start that serves the small tenant (one org, or one per account). */
export function simulatorPerTest(): (
  oneOrg?: boolean,
) => Promise<{ sim: SalesforceSimulator; snapshot: Snapshot }> {
  let current: SalesforceSimulator | null = null;
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return async (oneOrg = false) => {
    const snapshot = tenantSnapshot();
    current = await startSalesforceSimulator({ snapshot, oneOrg });
    return { sim: current, snapshot };
  };
}
