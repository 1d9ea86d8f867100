import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { salesforceConnector } from '../connectors/salesforce/index.ts';
import { splitPicklist } from '../connectors/salesforce/people.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from '../connectors/salesforce/simulator.ts';
import { connectionOf, tenantSnapshot } from '../connectors/salesforce/test-support/tenant.ts';
import { parseSnapshot } from '../src/core/index.ts';
import { type OpenDatabase, openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { runTenant } from '../src/sync/run-tenant.ts';

// A mixed tenant end to end: the communities on HubSpot, the corporate account on Salesforce. One run tags the
// shared people in every community, copies them into the Salesforce org, and (setting `segments` on) keeps the
// three lists in every HubSpot community; the corporate account gets no lists.

const full = tenantSnapshot();
const children = parseSnapshot({ ...full, corporate: null });
const corporateOnly = parseSnapshot({ ...full, children: [] });

let hubspot: RunningHubspotSimulator;
let salesforce: SalesforceSimulator;
let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  hubspot = await startHubspotSimulator({ snapshot: children, searchLagMs: 50, listProcessingMs: 0 });
  salesforce = await startSalesforceSimulator({ snapshot: corporateOnly });
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('mixed-tenant-secret-long-enough-0123456789abc'));
});
afterAll(async () => {
  await hubspot?.close();
  await salesforce?.close();
  await opened?.close();
});

describe('a tenant with HubSpot communities and a Salesforce corporate account', () => {
  it('tags, copies into Salesforce and makes the lists in the HubSpot communities only', async () => {
    const tenant = await store.tenants.create('Acme Living', { ...full.settings, segments: true });
    for (const child of children.children)
      await store.accounts.save(tenant.id, {
        provider: 'hubspot',
        externalId: child.id,
        role: 'child',
        name: child.name,
        country: 'US',
        tokens: { accessToken: `sandbox-${child.id}`, refreshToken: null, expiresAt: null },
        details: {},
      });
    const corporate = corporateOnly.corporate as NonNullable<typeof corporateOnly.corporate>;
    const sf = connectionOf(salesforce, corporate, 'corporate', false);
    await store.accounts.save(tenant.id, {
      provider: 'salesforce',
      externalId: corporate.id,
      role: 'corporate',
      name: corporate.name,
      country: 'US',
      tokens: sf.tokens,
      details: sf.details,
    });
    const connectors = {
      hubspot: hubspotConnector({
        baseUrl: hubspot.url,
        clientId: 'sim-client-id',
        clientSecret: 'sim-client-secret',
      }),
      salesforce: salesforceConnector({
        loginUrl: salesforce.url,
        clientId: 'client',
        clientSecret: 'secret',
        sleep: async () => {},
      }),
    };
    const run = () => runTenant(store, (provider: ProviderName) => connectors[provider], tenant.id);

    const first = await run();
    expect(first.report.accountErrors).toEqual([]);
    expect(first.status).toBe('succeeded');
    expect(first.report.plan.shared).toHaveLength(2);
    for (const change of first.report.plan.children) {
      const tags = hubspot.portal(change.accountId).contacts.find((c) => c.id === change.contactId)
        ?.properties.community_sync_tags;
      expect((tags ?? '').split(';').sort()).toEqual(change.afterValues);
    }
    const bobCopies = [...salesforce.org(corporate.id).table('Contact').values()].filter(
      (c) => c.Email === 'bob@example.com',
    );
    expect(bobCopies).toHaveLength(1);
    expect(splitPicklist(bobCopies[0]?.Community_Sync_Tags__c).length).toBeGreaterThan(0);

    const lists = (portal: string) =>
      hubspot.calls.count((c) => c.accountId === portal && c.method === 'POST' && c.path === '/crm/v3/lists');
    for (const child of children.children) expect(lists(child.id)).toBe(3);
    expect((await store.segments.forAccount(tenant.id, corporate.id)).segments).toEqual([]);
    expect(first.report.segmentWarnings).toEqual([]);

    const second = await run();
    expect(second.status).toBe('succeeded');
    expect(second.report.written).toBe(0);
    for (const child of children.children) expect(lists(child.id)).toBe(3);
  });
});
