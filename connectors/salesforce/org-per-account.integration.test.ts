import { afterEach, describe, expect, it } from 'vitest';
import { runOnce } from '../../src/sync/run-once.ts';
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

describe('org per account, through runOnce', () => {
  it('pulls, plans, applies; re-reading gives exactly the plan; a rerun writes nothing', async () => {
    const snapshot = tenantSnapshot();
    simulator = await startSalesforceSimulator({ snapshot });
    const accounts = runAccounts(simulator, snapshot, false);
    const first = await runOnce({ settings: snapshot.settings, ...accounts });
    expect(first.accountErrors).toEqual([]);
    expect(first.failures).toEqual([]);
    expect(first.plan.shared).toHaveLength(2);

    for (const change of first.plan.children) {
      const record = simulator.org(change.accountId).find('Contact', change.contactId);
      expect(splitPicklist(record?.[TAG]).sort()).toEqual(change.afterValues);
    }
    const creates = first.plan.corporate.filter((a) => a.action === 'create');
    const corporate = simulator.org('900');
    expect(creates).toHaveLength(1);
    const copies = [...corporate.table('Contact').values()].filter((c) => c.Email === 'bob@example.com');
    expect(copies).toHaveLength(1);
    expect(copies[0]?.LastName).toBe('Smith');
    expect(splitPicklist(copies[0]?.[TAG]).sort()).toEqual(creates[0]?.afterValues);
    for (const update of first.plan.corporate.filter((a) => a.action === 'update')) {
      expect(splitPicklist(corporate.find('Contact', update.contactId)?.[TAG]).sort()).toEqual(
        update.afterValues,
      );
    }
    // The field exists with labels as the rules name the tags, and the permission set grants it.
    const field = [...simulator.org('101').customFields.values()].find((f) => f.object === 'Contact');
    expect(field?.values.map((v) => v.label)).toContain('engaging-in-Sunrise Oaks-primary');
    expect(simulator.org('101').table('PermissionSetAssignment').size).toBe(1);

    const second = await runOnce({ settings: snapshot.settings, ...runAccounts(simulator, snapshot, false) });
    expect(second.accountErrors).toEqual([]);
    expect(second.plan.children).toEqual([]);
    expect(second.plan.corporate).toEqual([]);
    expect(second.written).toBe(0);
    expect(writes(second)).toBe(0);
  });

  it('tags unconverted Leads through the same field, and relabels an option when an account is renamed', async () => {
    const snapshot = tenantSnapshot();
    simulator = await startSalesforceSimulator({ snapshot });
    // Dave is also a prospect Lead in Cedar Hill: shared with Maple Court.
    const lead = simulator.org('103').insert('Lead', {
      LastName: 'Brown',
      Email: 'dave@example.com',
      IsConverted: false,
      CreatedDate: '2024-03-01T00:00:00.000+0000',
    });
    const first = await runOnce({ settings: snapshot.settings, ...runAccounts(simulator, snapshot, false) });
    expect(first.failures).toEqual([]);
    const change = first.plan.children.find((c) => c.contactId === lead.Id);
    expect(change?.after).toContain('secondary-shared-contact');
    expect(splitPicklist(lead[TAG]).sort()).toEqual(change?.afterValues);

    const renamed = {
      ...snapshot,
      children: snapshot.children.map((c) => (c.id === '101' ? { ...c, name: 'Sunrise Oaks West' } : c)),
    };
    const renamedAccounts = runAccounts(simulator, renamed, false);
    const second = await runOnce({ settings: snapshot.settings, ...renamedAccounts });
    expect(second.written).toBe(0);
    // runOnce ensures the field only where it writes; ensuring it relabels the option, and writes no record.
    const corporate = renamedAccounts.corporate?.connector.open(renamedAccounts.corporate.connection);
    await corporate?.ensureTagField(second.plan.tagOptions);
    expect(corporate?.calls().byKind.write).toBe(0);
    const field = [...(simulator.org('900').customFields.values() ?? [])].find((f) => f.object === 'Contact');
    expect(field?.values.find((v) => v.value === 'engaging-in-101-primary')?.label).toBe(
      'engaging-in-Sunrise Oaks West-primary',
    );
  });
});
