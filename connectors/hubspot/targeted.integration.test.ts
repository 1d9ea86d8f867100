import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
import { SecretBox } from '../../src/store/secrets.ts';
import { Store } from '../../src/store/store.ts';
import { noChanges } from '../../src/sync/changes.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import { targetedResync } from '../../src/sync/targeted-resync.ts';
import { specViolations } from './openapi-shapes.ts';
import {
  FAST_WINDOW,
  readScenario,
  sandboxConnection,
  startTenant,
  type Tenant,
  tagValuesOf,
} from './sync-fixture.ts';

// A targeted resync through the HubSpot simulator and the real client: a new contact in one community whose email
// matches Bob's in two others ends tagged without a full run: no list pages, a handful of calls, every exchange
// in HubSpot's published shapes.

let tenant: Tenant;
let opened: OpenDatabase;
let store: Store;
let tenantId: string;

beforeAll(async () => {
  tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('targeted-hubspot-secret-long-enough-0123456789'));
  const created = await store.tenants.create('Bob', tenant.snapshot.settings);
  tenantId = created.id;
  for (const account of [
    ...tenant.snapshot.children,
    ...(tenant.snapshot.corporate ? [tenant.snapshot.corporate] : []),
  ]) {
    await store.accounts.save(tenantId, {
      provider: 'hubspot',
      externalId: account.id,
      role: account === tenant.snapshot.corporate ? 'corporate' : 'child',
      name: account.name,
      country: account.country,
      tokens: { accessToken: `sandbox-${account.id}`, refreshToken: null, expiresAt: null },
      details: {},
    });
  }
  await runTenant(store, () => tenant.connector, tenantId);
});
afterAll(async () => {
  await tenant.close();
  await opened.close();
});

describe('a targeted resync through the HubSpot simulator', () => {
  it('tags a new contact matching Bob in two other communities with a handful of calls and no list pages', async () => {
    const portal = tenant.simulator.rawPortal('103');
    const id = portal.newId();
    const at = new Date().toISOString();
    portal.contacts.set(id, {
      id,
      properties: { email: 'BOB.smith@example.com', firstname: 'Robert', createdate: at },
      createdAt: at,
      updatedAt: at,
      indexedProperties: null,
      searchSeesAt: Date.now(),
    });
    tenant.simulator.calls.clear();
    tenant.simulator.exchanges.length = 0;

    const result = await targetedResync(store, () => tenant.connector, {
      tenantId,
      changes: [{ ...noChanges('103'), contacts: [id] }],
      trigger: 'webhook',
    });

    expect(result.mode).toBe('targeted');
    expect(tagValuesOf(tenant, '103', id)).toContain('secondary-shared-contact');
    const calls = tenant.simulator.calls.all().filter((c) => !c.path.startsWith('/oauth/'));
    const lists = calls.filter(
      (c) => c.method === 'GET' && /^\/crm\/v3\/objects\/(contacts|deals)(\?|$)/.test(c.path),
    );
    expect(lists).toEqual([]);
    expect(result.calls).toBe(calls.length);
    // The tag property as the full run just left it: not read again.
    expect(calls.filter((c) => c.path.startsWith('/crm/v3/properties/'))).toEqual([]);
    // Read the contact with its deals' ids (one call); write the tag (103), and the corporate copy's.
    expect(calls.filter((c) => c.path.includes('/batch/read'))).toEqual([]);
    expect(calls.map((c) => `${c.accountId} ${c.method} ${c.path.split('?')[0]}`)).toContain(
      `103 GET /crm/v3/objects/contacts/${id}`,
    );
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(tenant.simulator.exchanges.flatMap(specViolations)).toEqual([]);
  });

  it('the app’s own tag write echoing back changes nothing', async () => {
    const [contact] = tenant.simulator.portal('101').contacts;
    const result = await targetedResync(store, () => tenant.connector, {
      tenantId,
      changes: [{ ...noChanges('101'), contacts: [contact?.id ?? ''] }],
      trigger: 'webhook',
    });
    expect(result).toMatchObject({ mode: 'unchanged', runId: null, written: 0 });
  });

  it('reads one contact with its deals in one call; one HubSpot no longer has is left out, no failure', async () => {
    const [bob] = tenant.simulator.portal('101').contacts;
    const session = tenant.connector.open({
      ...sandboxConnection({ id: '101', name: 'Sunrise Oaks' }, 'child'),
      country: 'US',
    });
    const portal = tenant.simulator.rawPortal('101');
    portal.deals.set('d-bob', {
      id: 'd-bob',
      properties: { pipeline: 'p1', dealstage: 'tour', hs_object_id: 'd-bob' },
      contactIds: [bob?.id ?? ''],
      createdAt: new Date().toISOString(),
    });
    const read = await session.readRecords({ contacts: [bob?.id ?? ''], deals: [] });
    expect(read.contacts.map((c) => c.id)).toEqual([bob?.id]);
    expect(read.deals.map((d) => d.id)).toContain('d-bob');
    const gone = await session.readRecords({ contacts: ['999999'], deals: [] });
    expect(gone).toEqual({ contacts: [], deals: [] });
    expect(session.calls().failed).toBe(0);
  });

  it('reads a deal with more contacts than one association page, following the paging', async () => {
    const portal = tenant.simulator.rawPortal('102');
    const at = new Date().toISOString();
    const ids = Array.from({ length: 150 }, (_, i) => {
      const id = portal.newId();
      portal.contacts.set(id, {
        id,
        properties: { email: `guest${i}@example.com`, createdate: at },
        createdAt: at,
        updatedAt: at,
        indexedProperties: null,
        searchSeesAt: Date.now(),
      });
      return id;
    });
    portal.deals.set('big', {
      id: 'big',
      properties: { pipeline: 'p1', dealstage: 'tour', hs_object_id: 'big' },
      contactIds: ids,
      createdAt: at,
    });
    const session = tenant.connector.open({
      ...sandboxConnection({ id: '102', name: 'Maple Court' }, 'child'),
      country: 'US',
    });
    const read = await session.readRecords({ contacts: [], deals: ['big', 'gone'] });
    expect(read.deals).toEqual([{ id: 'big', pipelineId: 'p1', stageId: 'tour', contactIds: ids }]);
    expect(read.contacts.map((c) => c.id).sort()).toEqual([...ids].sort());
  });
});
