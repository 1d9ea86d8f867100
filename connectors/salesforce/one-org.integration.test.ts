import { afterEach, describe, expect, it } from 'vitest';
import { runOnce } from '../../src/sync/run-once.ts';
import { ACR_DISABLED_MESSAGE } from './index.ts';
import { splitPicklist } from './people.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { runAccounts, tenantSnapshot } from './test-support/tenant.ts';

const TAG = 'Community_Sync_Tags__c';
let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

const writes = (report: Awaited<ReturnType<typeof runOnce>>) =>
  Object.values(report.calls).reduce((sum, c) => sum + c.byKind.write, 0);

async function start() {
  const snapshot = tenantSnapshot();
  simulator = await startSalesforceSimulator({ snapshot, oneOrg: true });
  const org = simulator.org('900');
  // Bob is in Cedar Hill too.
  const bobInCedar = org.insert('Contact', {
    AccountId: '103',
    LastName: 'Smith',
    Email: 'bob@example.com',
    CreatedDate: '2024-02-01T00:00:00.000+0000',
  });
  const run = (options = {}) =>
    runOnce({
      settings: snapshot.settings,
      ...runAccounts(simulator as SalesforceSimulator, snapshot, true, options),
    });
  return { snapshot, org, bobInCedar, run };
}

describe('one org, relationship mode, through runOnce', () => {
  it('relates the primary record instead of copying it, ends relations to accounts left, never deletes', async () => {
    const { org, bobInCedar, run } = await start();
    const contactsBefore = org.table('Contact').size;
    const roles = {
      relationshipRoles: { corporate: ['Decision Maker'], community: ['Other', 'Influencer'] },
    };
    const first = await run(roles);
    expect(first.accountErrors).toEqual([]);
    expect(first.failures).toEqual([]);
    expect(org.table('Contact').size).toBe(contactsBefore);
    for (const change of first.plan.children)
      expect(splitPicklist(org.find('Contact', change.contactId)?.[TAG]).sort()).toEqual(change.afterValues);

    const create = first.plan.corporate.find((a) => a.action === 'create');
    if (create?.action !== 'create') throw new Error('expected a relation for Bob');
    expect(create.from.accountId).toBe('101');
    const relations = () =>
      [...org.table('AccountContactRelation').values()].filter((r) => r.ContactId === create.from.contactId);
    const byAccount = () => new Map(relations().map((r) => [r.AccountId, r]));
    expect([...byAccount().keys()].sort()).toEqual(['102', '103', '900']);
    expect(splitPicklist(byAccount().get('900')?.[TAG]).sort()).toEqual(create.afterValues);
    expect(relations().every((r) => r.IsActive === true)).toBe(true);
    expect(byAccount().get('900')?.Roles).toBe('Decision Maker');
    expect(byAccount().get('102')?.Roles).toBe('Other;Influencer');
    // Carol's existing corporate Contact is tagged, not related.
    const carol = first.plan.corporate.find((a) => a.action === 'update');
    if (carol?.action !== 'update') throw new Error('expected an update for Carol');
    expect(org.find('Contact', carol.contactId)?.AccountId).toBe('900');

    const rerun = await run();
    expect(rerun.plan.children).toEqual([]);
    expect(rerun.plan.corporate).toEqual([]);
    expect(writes(rerun)).toBe(0);

    // Bob leaves Cedar Hill: that relation ends, the others stay.
    org.table('Contact').delete(bobInCedar.Id);
    const afterLeaving = await run();
    expect(afterLeaving.accountErrors).toEqual([]);
    expect(afterLeaving.failures).toEqual([]);
    expect(relations()).toHaveLength(3);
    expect(byAccount().get('103')?.IsActive).toBe(false);
    expect(byAccount().get('102')?.IsActive).toBe(true);
    const update = afterLeaving.plan.corporate.find(
      (a) => a.action === 'update' && a.contactId === create.from.contactId,
    );
    expect(splitPicklist(byAccount().get('900')?.[TAG]).sort()).toEqual(update?.afterValues);
    expect(simulator?.calls.count((c) => c.method === 'DELETE')).toBe(0);
    expect(writes(await run())).toBe(0);
  });

  it('says clearly when the org does not allow contacts on several accounts, and writes tags only', async () => {
    const { org, run } = await start();
    org.acrEnabled = false;
    const report = await run();
    expect(report.accountErrors).toHaveLength(1);
    expect(report.accountErrors[0]?.kind).toBe('unsupported');
    expect(report.accountErrors[0]?.providerMessage).toBe(ACR_DISABLED_MESSAGE);
    expect(report.plan.children.length).toBeGreaterThan(0);
    for (const change of report.plan.children)
      expect(splitPicklist(org.find('Contact', change.contactId)?.[TAG]).sort()).toEqual(change.afterValues);
    expect(org.table('AccountContactRelation').size).toBe(0);
  });

  it('creates copies under the corporate parent when relationship mode is off', async () => {
    const { org, run } = await start();
    const report = await run({ relationshipMode: false });
    expect(report.accountErrors).toEqual([]);
    const copies = [...org.table('Contact').values()].filter(
      (c) => c.AccountId === '900' && c.Email === 'bob@example.com',
    );
    expect(copies).toHaveLength(1);
    expect(org.table('AccountContactRelation').size).toBe(0);
  });
});
