import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import type { SnapshotInput } from '../core/index.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { type NewChangeEvent, RunInProgressError, Store } from '../store/store.ts';
import { processChangeEvents } from './change-feed.ts';
import type { TargetedResyncRequest } from './changes.ts';
import { runTenant } from './run-tenant.ts';

let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('change-feed-test-secret-long-enough-0123456789'));
});
afterAll(async () => {
  await opened.close();
});

const snapshot = (): SnapshotInput => ({
  children: [
    account('north', [
      person('n1', { emails: ['bob@example.com'], properties: { firstname: 'Bob' } }),
      person('n2', { emails: ['carol@example.com'] }),
    ]),
    account('south', [
      person('s1', { emails: ['bob@example.com'] }),
      person('s2', { emails: ['carol@example.com'] }),
    ]),
    account('east', [person('e1', { emails: ['bob@example.com'] })]),
  ],
  corporate: { id: 'corp', name: 'HQ', contacts: [] },
});

let occurred = 1_700_000_000_000;
const event = (overrides: Partial<NewChangeEvent>): NewChangeEvent => ({
  provider: 'hubspot',
  accountId: 'north',
  subscriptionId: '1',
  subscriptionType: 'contact.propertyChange',
  objectTypeId: null,
  objectId: 'n1',
  propertyName: 'firstname',
  propertyValue: 'Robert',
  mergedObjectIds: null,
  primaryObjectId: null,
  associatedObjectId: null,
  associatedTypeId: null,
  occurredAt: new Date(occurred++),
  changeSource: 'CRM_UI',
  sourceId: 'userId:1',
  ...overrides,
});

async function setUp(settings: object) {
  const provider = new MemoryProvider(snapshot());
  const tenant = await store.tenants.create('Feed', { enabled: true, ...settings });
  await provider.connectAll(store, tenant.id);
  const runs: string[] = [];
  const resyncs: TargetedResyncRequest[] = [];
  const deps = {
    store,
    runTenant: async (tenantId: string, options: { trigger: string }) => {
      runs.push(options.trigger);
      return runTenant(store, () => provider.connector(), tenantId, options);
    },
  };
  const withResync = {
    ...deps,
    resync: async (request: TargetedResyncRequest) => {
      resyncs.push(request);
      return { runId: null, mode: 'targeted' as const, written: 0, calls: 0 };
    },
  };
  return { provider, tenantId: tenant.id, runs, resyncs, deps, withResync };
}

describe('processing stored webhook events', () => {
  it('the same event delivered twice is stored once and processed once; processed events are not done again', async () => {
    const { tenantId, resyncs, withResync } = await setUp({});
    const change = event({ objectId: 'n2', propertyName: 'email' });
    await store.changeEvents.record([change]);
    await store.changeEvents.record([change]);
    const result = await processChangeEvents(withResync, tenantId);
    expect(result).toMatchObject({ events: 1, work: 'targeted' });
    expect(resyncs.map((r) => r.changes)).toEqual([
      [
        {
          accountId: 'north',
          contacts: ['n2'],
          deletedContacts: [],
          merges: [],
          deals: [],
          deletedDeals: [],
        },
      ],
    ]);
    expect(resyncs[0]?.trigger).toBe('webhook');
    expect(await processChangeEvents(withResync, tenantId)).toMatchObject({ events: 0, work: 'none' });
    expect(resyncs).toHaveLength(1);
  });

  it('without a targeted resync a full run stands in; a busy run lock leaves the events for the retry', async () => {
    const { tenantId, runs, deps } = await setUp({});
    await store.changeEvents.record([event({ accountId: 'south', objectId: 's1' })]);
    const busy = { ...deps, runTenant: async () => Promise.reject(new RunInProgressError(tenantId)) };
    await expect(processChangeEvents(busy, tenantId)).rejects.toThrow(RunInProgressError);
    expect(await processChangeEvents(deps, tenantId)).toMatchObject({ events: 1, work: 'full' });
    expect(runs).toEqual(['webhook']);
  });

  it("the app's own writes cause no resync: its tag property, and the copies it created", async () => {
    const { tenantId, runs, resyncs, withResync, deps } = await setUp({ copyToCorporate: true });
    const { report } = await runTenant(store, () => new MemoryProvider(snapshot()).connector(), tenantId);
    const copies = await store.audit.copiesCreated(tenantId);
    expect(copies.length).toBeGreaterThan(0);
    await store.changeEvents.record([
      ...report.applied.children.map((c) =>
        event({ accountId: c.accountId, objectId: c.contactId, propertyName: 'community_sync_tags' }),
      ),
      ...copies.flatMap((c) => [
        event({
          accountId: c.accountId,
          objectId: c.recordId,
          subscriptionType: 'contact.creation',
          propertyName: null,
        }),
        event({
          accountId: c.accountId,
          objectId: c.recordId,
          propertyName: 'email',
          changeSource: 'INTEGRATION',
        }),
      ]),
    ]);
    const result = await processChangeEvents(withResync, tenantId);
    expect(result).toMatchObject({ work: 'none', echoes: result.events });
    expect(resyncs).toEqual([]);
    expect(runs).toEqual([]);
    expect(await processChangeEvents(deps, tenantId)).toMatchObject({ events: 0 });
  });

  it('a portal connected to two tenants: the first tenant’s job leaves the events for the second’s', async () => {
    const first = await setUp({});
    const second = await setUp({});
    await store.changeEvents.record([event({ objectId: 'n2' })]);
    expect(await processChangeEvents(first.withResync, first.tenantId)).toMatchObject({
      events: 1,
      work: 'targeted',
    });
    expect(await processChangeEvents(second.withResync, second.tenantId)).toMatchObject({
      events: 1,
      work: 'targeted',
    });
    expect(second.resyncs.map((r) => [r.tenantId, r.changes])).toEqual([
      [second.tenantId, first.resyncs[0]?.changes],
    ]);
    expect(first.resyncs[0]?.changes[0]?.contacts).toEqual(['n2']);
    expect(await processChangeEvents(first.withResync, first.tenantId)).toMatchObject({ events: 0 });
  });

  it('a privacy deletion forgets the record at once (service off too) and its person is never copied again', async () => {
    const { provider, tenantId, deps } = await setUp({ copyToCorporate: false });
    await runTenant(store, () => provider.connector(), tenantId);
    // HubSpot deletes Bob's north record for a privacy request, and tells the app.
    const north = provider.accounts.get('north');
    if (north) north.contacts = north.contacts.filter((c) => c.id !== 'n1');
    await store.tenants.updateSettings(tenantId, { enabled: false });
    await store.changeEvents.record([
      event({ subscriptionType: 'contact.privacyDeletion', propertyName: null, changeSource: 'GDPR' }),
    ]);
    expect(await processChangeEvents(deps, tenantId)).toMatchObject({ privacyDeletions: 1, work: 'none' });
    const state = await store.accountStates.get(tenantId, { id: 'north', name: 'North', country: null });
    expect(state?.contacts.map((c) => c.id)).toEqual(['n2']);
    expect(await store.privacyDeletions.list(tenantId)).toMatchObject([
      { accountId: 'north', recordId: 'n1' },
    ]);

    // Bob is still in south and east, so still shared; copies are turned on: Carol is copied, Bob is not.
    await store.tenants.updateSettings(tenantId, { enabled: true, copyToCorporate: true });
    const { report } = await runTenant(store, () => provider.connector(), tenantId);
    expect(report.plan.shared).toHaveLength(2);
    const corporate = provider.accounts.get('corp')?.contacts ?? [];
    expect(corporate.map((c) => c.emails)).toEqual([['carol@example.com']]);
  });
});
