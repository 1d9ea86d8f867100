import { describe, expect, it } from 'vitest';
import { runOnce } from '../../src/sync/run-once.ts';
import { ConnectorError } from '../connector.ts';
import { salesforceConnector } from './index.ts';
import { splitPicklist } from './people.ts';
import { simulatorPerTest } from './test-support/per-test.ts';
import { connectionOf, runAccounts } from './test-support/tenant.ts';

const TAG = 'Community_Sync_Tags__c';
const startSimulator = simulatorPerTest();

async function start(oneOrg = false) {
  const { sim, snapshot } = await startSimulator(oneOrg);
  const run = (options = {}) =>
    runOnce({ settings: snapshot.settings, ...runAccounts(sim, snapshot, oneOrg, options) });
  return { snapshot, sim, run };
}

describe('Salesforce errors and limits', () => {
  it('reports a DUPLICATES_DETECTED refusal on its record with the matching record, and does not retry it', async () => {
    const { sim, run } = await start();
    const corporate = sim.org('900');
    corporate.duplicateRule = true;
    // Same name, no key the plan matches on: the org's duplicate rule still flags it.
    const existing = corporate.insert('Contact', { FirstName: 'Bob', LastName: 'Smith', Email: null });
    const report = await run();
    const failure = report.failures.find((f) => f.operation === 'create corporate copy');
    expect(failure?.message).toContain('DUPLICATES_DETECTED');
    expect(failure?.message).toContain(existing.Id);
    expect(failure?.sharedId).toBeTruthy();
    expect(report.calls['900']?.retried).toBe(0);
    expect(report.calls['900']?.failed).toBe(1);
  });

  it('refreshes an expired session once, single-flight per org, and retries', async () => {
    const { sim, run } = await start(true);
    sim.expireSessions();
    const report = await run();
    expect(report.accountErrors).toEqual([]);
    expect(report.failures).toEqual([]);
    const refreshes = sim.calls.count((c) => c.path === '/services/oauth2/token');
    expect(refreshes).toBe(1);
    const auth = Object.values(report.calls).reduce((sum, c) => sum + c.byKind.auth, 0);
    expect(auth).toBe(1);
  });

  it('retries REQUEST_LIMIT_EXCEEDED (concurrency) and server errors with back-off, counting them', async () => {
    const { sim, run } = await start();
    sim.faults.set({ rateLimitShare: 0.1, serverErrorShare: 0.05, seed: 42 });
    const report = await run();
    expect(report.accountErrors).toEqual([]);
    expect(report.failures).toEqual([]);
    const stats = Object.values(report.calls);
    expect(stats.reduce((s, c) => s + c.rateLimited, 0)).toBeGreaterThan(0);
    expect(stats.reduce((s, c) => s + c.retried, 0)).toBeGreaterThan(0);
    sim.faults.set({ rateLimitShare: 0, serverErrorShare: 0 });
    for (const change of report.plan.children)
      expect(
        splitPicklist(sim.org(change.accountId).find('Contact', change.contactId)?.[TAG]).sort(),
      ).toEqual(change.afterValues);
  });

  it('stops when the org has spent its daily allocation (TotalRequests), without retrying', async () => {
    const { sim, run } = await start();
    const org = sim.org('102');
    org.dailyLimit = 5;
    org.used = 5;
    const report = await run();
    const error = report.accountErrors.find((e) => e.accountId === '102');
    expect(error?.kind).toBe('rate-limited');
    expect(error?.providerMessage).toContain('daily API allocation');
    expect(report.calls['102']?.retried).toBe(0);
  });

  it("stops an account's run before it spends more than its share of the daily allocation", async () => {
    const { sim, run } = await start();
    sim.org('101').dailyLimit = 20;
    const report = await run({ apiBudgetShare: 0.2 });
    const error = report.accountErrors.find((e) => e.accountId === '101');
    expect(error?.kind).toBe('budget-exhausted');
    expect(error?.providerMessage).toContain("20% of the org's daily API allocation");
    expect(sim.org('101').used).toBeLessThanOrEqual(4);
  });

  it("writes the rest when one record fails (allOrNone false), reporting it with Salesforce's error", async () => {
    const { sim, run } = await start();
    const first = await run({});
    expect(first.failures).toEqual([]);
    // Make everyone unshared by removing Bob from Maple Court, and make one record refuse the write.
    const maple = sim.org('102');
    const bob = [...maple.table('Contact').values()].find((c) => c.Email === 'Bob@Example.com');
    if (!bob) throw new Error('no Bob');
    maple.table('Contact').delete(bob.Id);
    const sunrise = sim.org('101');
    const bobThere = [...sunrise.table('Contact').values()].find((c) => c.Email === 'bob@example.com');
    const carolThere = [...sunrise.table('Contact').values()].find((c) => c.Email !== 'bob@example.com');
    if (!bobThere || !carolThere) throw new Error('no Bob');
    sunrise.recordFaults.set(bobThere.Id, {
      statusCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record',
    });
    const second = await run({});
    expect(second.failures).toEqual([
      expect.objectContaining({
        accountId: '101',
        recordId: bobThere.Id,
        message: expect.stringContaining('UNABLE_TO_LOCK_ROW'),
      }),
    ]);
    expect(splitPicklist(bobThere[TAG]).length).toBeGreaterThan(0);
  });

  it('refuses an org with Person Accounts, naming what is unsupported', async () => {
    const { sim, run } = await start();
    sim.org('103').personAccounts = true;
    const report = await run();
    const error = report.accountErrors.find((e) => e.accountId === '103');
    expect(error?.kind).toBe('unsupported');
    expect(error?.providerMessage).toContain('Person Accounts');
  });

  it('counts calls by kind and pages queries at 2,000 records, or uses Bulk API 2.0 past the threshold', async () => {
    const { sim, snapshot } = await start();
    const org = sim.org('101');
    for (let i = 0; i < 4_500; i++) org.insert('Contact', { LastName: `P${i}`, Email: `p${i}@example.org` });
    const connector = salesforceConnector({
      loginUrl: sim.url,
      sleep: async () => {},
      bulkThreshold: 100_000,
    });
    const child = snapshot.children[0] as (typeof snapshot.children)[number];
    const paged = connector.open(connectionOf(sim, child, 'child', false));
    expect((await paged.pullChild()).contacts).toHaveLength(4_502);
    expect(sim.calls.count((c) => c.accountId === '101' && /\/query\/01g/.test(c.path))).toBe(2);
    expect(paged.calls().byKind).toMatchObject({ schema: 2, auth: 0, write: 0 });

    sim.calls.clear();
    const bulkConnector = salesforceConnector({
      loginUrl: sim.url,
      sleep: async () => {},
      bulkThreshold: 1_000,
    });
    const bulk = bulkConnector.open(connectionOf(sim, child, 'child', false));
    const pulled = await bulk.pullChild();
    expect(pulled.contacts).toHaveLength(4_502);
    expect(pulled.contacts.find((c) => c.emails[0] === 'p7@example.org')?.createdAt).toMatch(/^\d{4}-/);
    expect(sim.calls.count((c) => c.path.includes('/jobs/query'))).toBe(3);
  });

  it('refuses a query shape it does not understand with MALFORMED_QUERY', async () => {
    const { sim } = await start();
    const response = await fetch(
      `${sim.url}/services/data/v59.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Contact')}`,
      {
        headers: { authorization: 'Bearer sandbox-101' },
      },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errorCode: string }[])[0]?.errorCode).toBe('MALFORMED_QUERY');
  });

  it('lists the related primary record as the copy of each shared person in relationship mode', async () => {
    const { sim, snapshot, run } = await start(true);
    const report = await run();
    const connector = salesforceConnector({ loginUrl: sim.url, sleep: async () => {} });
    const corporate = connector.open(
      connectionOf(sim, snapshot.corporate as { id: string; name: string }, 'corporate', true),
    );
    await corporate.pullCorporate();
    // Re-applying the first plan's creates finds the relations already there and lists them as copies.
    const creates = report.plan.corporate.filter((a) => a.action === 'create');
    expect(creates.length).toBeGreaterThan(0);
    const applied = await corporate.applyCorporate(creates, report.plan);
    expect(applied.failures).toEqual([]);
    for (const action of creates)
      if (action.action === 'create')
        expect(applied.copies).toContainEqual({
          sharedId: action.sharedId,
          contactId: action.from.contactId,
        });
    expect(() => {
      throw new ConnectorError('unsupported', 'x', 'y', 'z');
    }).toThrow(ConnectorError);
  });
});
