import { beforeAll, describe, expect, it } from 'vitest';
import { processChangeEvents } from '../src/sync/change-feed.ts';
import { runTenant } from '../src/sync/run-tenant.ts';
import type { CookieClient } from './support/cookie-client.ts';
import { installTenant, recordingQueue, signedWebhook } from './support/hubspot-webhooks.ts';
import { MemoryProvider } from './support/memory-connector.ts';
import { account, person } from './support/snapshot-builder.ts';
import { useTestApp } from './support/test-app.ts';

// POST /webhooks/hubspot over HTTP: each event is stored before the 2xx (a failure to store is no 2xx, so HubSpot
// sends it again), and a privacy deletion ends up on the admin API with the corporate copy made from it.

const SECRET = 'webhooks-test-secret-that-is-long-enough-0123456789';
const HUBSPOT_SECRET = 'hubspot-client-secret';
const provider = new MemoryProvider({
  children: [
    account('north', [person('n1', { emails: ['bob@example.com'], properties: { firstname: 'Bob' } })], {
      name: 'North',
    }),
    account('south', [person('s1', { emails: ['bob@example.com'] })], { name: 'South' }),
  ],
  corporate: { id: 'corp', name: 'Sunrise HQ', contacts: [] },
});

const { queue, enqueued } = recordingQueue();

const app = useTestApp(provider, {
  secret: SECRET,
  webhooks: { hubspotClientSecret: HUBSPOT_SECRET, queue },
});
let admin: CookieClient;
let tenantId: string;

beforeAll(async () => {
  ({ admin, tenantId } = await installTenant(app.base, 'corp', ['north', 'south']));
  await app.store.tenants.updateSettings(tenantId, { enabled: true, copyToCorporate: true });
});

const send = (events: object[]) => signedWebhook(app.base, HUBSPOT_SECRET)(JSON.stringify(events));

const event = (fields: object) => ({
  portalId: 'north',
  subscriptionId: 9,
  occurredAt: 1_700_000_000_000,
  changeSource: 'CRM_UI',
  ...fields,
});

describe('POST /webhooks/hubspot', () => {
  it('answers 204 only once every event of the batch is stored, then asks for the tenant job once', async () => {
    const before = enqueued.length;
    const batch = Array.from({ length: 100 }, (_, i) =>
      event({
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-1',
        objectId: 1_000 + i,
        propertyName: 'phone',
      }),
    );
    const response = await send(batch);
    expect(response.status).toBe(204);
    const stored = await app.store.changeEvents.pending(tenantId, 'hubspot', ['north']);
    expect(stored.filter((e) => e.propertyName === 'phone')).toHaveLength(100);
    // A phone's value is not kept.
    expect(stored.every((e) => e.propertyValue === null)).toBe(true);
    expect(enqueued.slice(before)).toEqual([{ tenantId, trigger: 'webhook' }]);
    await app.store.changeEvents.markProcessed(
      tenantId,
      stored.map((e) => e.id),
    );
  });

  it('a batch the store cannot take is no 2xx, so HubSpot delivers it again', async () => {
    const record = app.store.changeEvents.record;
    app.store.changeEvents.record = async () => Promise.reject(new Error('database is down'));
    try {
      const response = await send([event({ subscriptionType: 'contact.creation', objectId: 77 })]);
      expect(response.status).toBe(500);
    } finally {
      app.store.changeEvents.record = record;
    }
    expect((await send([event({ subscriptionType: 'contact.creation', objectId: 77 })])).status).toBe(204);
    expect(
      (await app.store.changeEvents.pending(tenantId, 'hubspot', ['north'])).map((e) => e.objectId),
    ).toEqual(['77']);
  });

  it('a privacy deletion is listed on the admin API with the corporate copy made from the record', async () => {
    await runTenant(app.store, () => provider.connector(), tenantId);
    const copies = await app.store.audit.copiesCreated(tenantId);
    expect(copies).toHaveLength(1);
    await send([
      event({ subscriptionType: 'contact.privacyDeletion', objectId: 'n1', changeSource: 'GDPR' }),
    ]);
    await processChangeEvents({ store: app.store, runTenant: async () => undefined }, tenantId);
    const answer = await admin.get(`/api/tenants/${tenantId}/privacy-deletions`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      deletions: [
        {
          accountId: 'north',
          accountName: 'North',
          recordId: 'n1',
          occurredAt: new Date(1_700_000_000_000).toISOString(),
          forgottenAt: expect.any(String),
          corporateCopies: [
            {
              accountId: 'corp',
              accountName: 'Sunrise HQ',
              recordId: copies[0]?.recordId,
              name: 'Bob',
              url: expect.stringContaining(copies[0]?.recordId ?? '-'),
            },
          ],
        },
      ],
    });
    // Another tenant's admin may not see it.
    expect((await fetch(`${app.base}/api/tenants/${tenantId}/privacy-deletions`)).status).toBe(403);
  });
});
