import { afterEach, describe, expect, it } from 'vitest';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { runAccounts, tenantSnapshot } from './test-support/tenant.ts';

// A targeted resync's reads by Id give the records exactly as a pull maps them: each contact with its conversions,
// the deals of the contacts asked for (with all their contacts), and the stage pipeline when asked for; ids the
// org no longer has are left out. In both layouts (an org per account, one org with an Account per community).

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

describe.each([false, true])('Salesforce readRecords (one org: %s)', (oneOrg) => {
  it('reads some records as the pull maps them, and leaves out ids the org does not have', async () => {
    const snapshot = tenantSnapshot();
    simulator = await startSalesforceSimulator({ snapshot, ...(oneOrg ? { oneOrg: true } : {}) });
    const { children } = runAccounts(simulator, snapshot, oneOrg);
    let dealsRead = 0;
    for (const account of children) {
      const session = account.connector.open(account.connection);
      const pulled = await session.pullChild();
      const [first] = pulled.contacts;
      if (!first) continue;
      const read = await session.readRecords({
        contacts: [first.id, '003000000000000AAA'],
        deals: [],
        pipelines: true,
      });
      const deals = pulled.deals.filter((d) => d.contactIds.includes(first.id));
      expect(read.deals.map((d) => ({ ...d, contactIds: [...d.contactIds].sort() }))).toEqual(
        deals.map((d) => ({ ...d, contactIds: [...d.contactIds].sort() })),
      );
      const wanted = new Set([first.id, ...deals.flatMap((d) => d.contactIds)]);
      expect(read.contacts.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        pulled.contacts.filter((c) => wanted.has(c.id)).sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(read.pipelines).toEqual(pulled.pipelines);
      dealsRead += read.deals.length;
    }
    expect(dealsRead).toBeGreaterThan(0);
  });
});
