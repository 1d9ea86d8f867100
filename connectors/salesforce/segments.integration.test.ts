import { describe, expect, it } from 'vitest';
import { PRIMARY_TAG, SECONDARY_TAG, type TagOption } from '../../src/core/index.ts';
import { runOnce } from '../../src/sync/run-once.ts';
import type { SegmentSpec } from '../connector.ts';
import { LABEL_MAX, viewLabel } from './segments.ts';
import type { SalesforceSimulator } from './simulator.ts';
import { simulatorPerTest } from './test-support/per-test.ts';
import { runAccounts } from './test-support/tenant.ts';

const TAG = 'Community_Sync_Tags__c';
const OPTIONS: TagOption[] = [PRIMARY_TAG, SECONDARY_TAG].map((value) => ({ value, label: value }));
const SPECS: SegmentSpec[] = [
  {
    key: 'shared',
    name: 'Community Sync · shared with other communities',
    tagValues: [PRIMARY_TAG, SECONDARY_TAG],
  },
  { key: 'primary', name: 'Community Sync · primary here', tagValues: [PRIMARY_TAG] },
  { key: 'secondary', name: 'Community Sync · primary elsewhere (suppress)', tagValues: [SECONDARY_TAG] },
];

const startSimulator = simulatorPerTest();

async function start(oneOrg = false) {
  const { sim, snapshot } = await startSimulator(oneOrg);
  const accounts = runAccounts(sim, snapshot, oneOrg);
  const open = (accountId: string) => {
    const account = [...accounts.children, ...(accounts.corporate ? [accounts.corporate] : [])].find(
      (a) => a.connection.accountId === accountId,
    );
    if (!account) throw new Error(`no account ${accountId}`);
    return account.connector.open(account.connection);
  };
  return { sim, snapshot, open };
}

const views = (sim: SalesforceSimulator, accountId: string) => sim.metadata.of(sim.org(accountId)).listViews;

describe('Salesforce ensureSegments (org per account)', () => {
  it('creates a Contact and a Lead list view per segment once, shared with all internal users', async () => {
    const { sim, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    const first = await session.ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    expect(first?.warnings).toEqual([]);
    expect(first?.created).toHaveLength(6);
    expect(first?.segments.map((s) => `${s.object}:${s.key}`).sort()).toEqual([
      'Contact:primary',
      'Contact:secondary',
      'Contact:shared',
      'Lead:primary',
      'Lead:secondary',
      'Lead:shared',
    ]);
    const suppress = views(sim, '101').get('Contact.CS_Segment_secondary');
    expect(suppress?.label).toBe('primary elsewhere (suppress)');
    expect(suppress?.filterScope).toBe('Everything');
    expect(suppress?.sharedTo).toEqual(['allInternalUsers']);
    expect(suppress?.filters).toEqual([{ field: TAG, operation: 'includes', value: SECONDARY_TAG }]);
    expect(views(sim, '101').get('Lead.CS_Segment_shared')?.filters[0]?.value).toBe(
      `${PRIMARY_TAG},${SECONDARY_TAG}`,
    );

    // A later run finds each by the stored full name: one read per object, nothing created.
    const again = open('101');
    const second = await again.ensureSegments?.({
      specs: SPECS,
      known: first?.segments ?? [],
      recreateMissing: false,
    });
    expect(second?.created).toEqual([]);
    expect(second?.segments).toEqual(first?.segments);
    expect(again.calls().byKind.schema).toBe(2);
    expect(views(sim, '101').size).toBe(6);
  });

  it('lists people by the tag field once the run has written the tags', async () => {
    const { sim, snapshot, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    await session.ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    const org = sim.org('101');
    const members = (key: string) =>
      sim.metadata
        .members(org, `Contact.CS_Segment_${key}`)
        .map((r) => r.Id)
        .sort();
    expect(members('shared')).toEqual([]);

    const report = await runOnce({ settings: snapshot.settings, ...runAccounts(sim, snapshot, false) });
    expect(report.failures).toEqual([]);
    const tagged = (tag: string) =>
      report.plan.children
        .filter((c) => c.accountId === '101' && c.afterValues.includes(tag))
        .map((c) => c.contactId)
        .sort();
    expect(tagged(PRIMARY_TAG).length + tagged(SECONDARY_TAG).length).toBeGreaterThan(0);
    expect(members('primary')).toEqual(tagged(PRIMARY_TAG));
    expect(members('secondary')).toEqual(tagged(SECONDARY_TAG));
    expect(members('shared')).toEqual([...tagged(PRIMARY_TAG), ...tagged(SECONDARY_TAG)].sort());

    // The REST list view resources count the same members.
    const base = `${sim.url}/services/data/v59.0/sobjects/Contact/listviews`;
    const headers = { authorization: 'Bearer sandbox-101' };
    const listed = (await (await fetch(base, { headers })).json()) as {
      listviews: { developerName: string; resultsUrl: string }[];
    };
    const view = listed.listviews.find((v) => v.developerName === 'CS_Segment_shared');
    const results = (await (await fetch(`${sim.url}${view?.resultsUrl}`, { headers })).json()) as {
      size: number;
    };
    expect(results.size).toBe(members('shared').length);
  });

  it("keeps an admin's renaming, and finds a view by its label when nothing was stored", async () => {
    const { sim, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    const first = await session.ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    const stored = views(sim, '101');
    const primary = stored.get('Contact.CS_Segment_primary');
    if (!primary) throw new Error('no primary view');
    primary.label = 'Our residents';
    // An admin made a view with the app's label by hand before; the app adopts it rather than making another.
    const handMade = {
      ...primary,
      fullName: 'Lead.Shared_by_hand',
      object: 'Lead',
      label: 'Community Sync · primary here',
    };
    stored.delete('Lead.CS_Segment_primary');
    stored.set(handMade.fullName, handMade);

    for (const known of [first?.segments ?? [], []]) {
      const report = await open('101').ensureSegments?.({ specs: SPECS, known, recreateMissing: false });
      expect(report?.created).toEqual([]);
      expect(report?.warnings).toEqual([]);
      expect(report?.segments.find((s) => s.object === 'Contact' && s.key === 'primary')).toEqual({
        key: 'primary',
        id: 'Contact.CS_Segment_primary',
        name: 'Our residents',
        object: 'Contact',
      });
      expect(report?.segments.find((s) => s.object === 'Lead' && s.key === 'primary')?.id).toBe(
        'Lead.Shared_by_hand',
      );
    }
    expect(primary.label).toBe('Our residents');
    expect(stored.size).toBe(6);
  });

  it('creates a deleted view again only when told to', async () => {
    const { sim, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    const first = await session.ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    const known = first?.segments ?? [];
    views(sim, '101').delete('Contact.CS_Segment_secondary');

    const kept = await open('101').ensureSegments?.({ specs: SPECS, known, recreateMissing: false });
    expect(kept?.created).toEqual([]);
    expect(kept?.warnings.map((w) => w.code)).toEqual(['segments-missing']);
    // The stored state stays, so the next run still knows the view was made once.
    expect(kept?.segments).toHaveLength(6);
    expect(views(sim, '101').has('Contact.CS_Segment_secondary')).toBe(false);

    const remade = await open('101').ensureSegments?.({ specs: SPECS, known, recreateMissing: true });
    expect(remade?.warnings).toEqual([]);
    expect(remade?.created.map((s) => s.id)).toEqual(['Contact.CS_Segment_secondary']);
    expect(views(sim, '101').has('Contact.CS_Segment_secondary')).toBe(true);
  });

  it('refreshes an expired session on a Metadata API call, as on REST', async () => {
    const { sim, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    sim.expireSessions('101');
    const report = await session.ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    expect(report?.created).toHaveLength(6);
    expect(session.calls().byKind.auth).toBe(1);
  });

  it('says once that the user may not change metadata, and does not throw', async () => {
    const { sim, open } = await start();
    const session = open('101');
    await session.ensureTagField(OPTIONS);
    const org = sim.org('101');
    sim.metadata.of(org).usersWithout.add(org.userId);
    const known = [{ key: 'shared' as const, id: 'Contact.CS_Segment_shared', name: 'x', object: 'Contact' }];
    const report = await session.ensureSegments?.({ specs: SPECS, known, recreateMissing: false });
    expect(report?.warnings).toHaveLength(1);
    expect(report?.warnings[0]?.code).toBe('segments-permission');
    expect(report?.warnings[0]?.detail).toContain('INSUFFICIENT_ACCESS');
    expect(report?.created).toEqual([]);
    expect(report?.segments).toEqual(known);
    expect(views(sim, '101').size).toBe(0);
  });
});

describe('Salesforce ensureSegments (one org)', () => {
  it('makes Contact views per community Account, filtered by that Account as well', async () => {
    const { sim, snapshot, open } = await start(true);
    const org = sim.org('101');
    await open('101').ensureTagField(OPTIONS);
    for (const child of snapshot.children) {
      const report = await open(child.id).ensureSegments?.({
        specs: SPECS,
        known: [],
        recreateMissing: false,
      });
      expect(report?.warnings).toEqual([]);
      expect(report?.created.map((s) => s.object)).toEqual(['Contact', 'Contact', 'Contact']);
    }
    const all = sim.metadata.of(org).listViews;
    expect(all.size).toBe(9);
    expect([...all.values()].every((v) => v.object === 'Contact')).toBe(true);
    const sunrise = all.get('Contact.CS_Segment_primary_101');
    expect(sunrise?.label).toBe(viewLabel('Community Sync · primary here', 'Sunrise Oaks'));
    expect(sunrise?.filters).toContainEqual({
      field: 'ACCOUNT.NAME',
      operation: 'equals',
      value: 'Sunrise Oaks',
    });
    for (const view of all.values()) expect(view.label.length).toBeLessThanOrEqual(LABEL_MAX);

    // Every Contact in the org tagged primary: each community's view holds its own Account's only.
    for (const contact of org.table('Contact').values()) contact[TAG] = PRIMARY_TAG;
    const inAccount = (accountId: string) =>
      [...org.table('Contact').values()]
        .filter((c) => c.AccountId === accountId)
        .map((c) => c.Id)
        .sort();
    for (const child of snapshot.children) {
      const members = sim.metadata
        .members(org, `Contact.CS_Segment_primary_${child.id}`)
        .map((r) => r.Id)
        .sort();
      expect(members).toEqual(inAccount(child.id));
      expect(members.length).toBeGreaterThan(0);
    }

    // Rerun: each community finds its own set (by full name), none of the others'.
    const rerun = await open('102').ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    expect(rerun?.created).toEqual([]);
    expect(rerun?.segments.map((s) => s.id).sort()).toEqual([
      'Contact.CS_Segment_primary_102',
      'Contact.CS_Segment_secondary_102',
      'Contact.CS_Segment_shared_102',
    ]);
  });

  it('makes no views for an Account whose name a list view filter cannot hold, and says why', async () => {
    const { sim, open } = await start(true);
    const org = sim.org('101');
    await open('101').ensureTagField(OPTIONS);
    const account = org.find('Account', '102');
    if (!account) throw new Error('no account 102');
    account.Name = 'Maple Court, East';
    const report = await open('102').ensureSegments?.({ specs: SPECS, known: [], recreateMissing: false });
    expect(report?.warnings.map((w) => w.code)).toEqual(['segments-limit']);
    expect(report?.created).toEqual([]);
    expect(sim.metadata.of(org).listViews.size).toBe(0);
  });
});
