import { describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../../connectors/hubspot/index.ts';
import { CookieClient, stateOf } from '../../../test/support/cookie-client.ts';
import { MemoryProvider } from '../../../test/support/memory-connector.ts';
import { account } from '../../../test/support/snapshot-builder.ts';
import { useTestApp } from '../../../test/support/test-app.ts';
import type { StoredAccount } from '../../store/store.ts';
import { listsStatus } from './tenant.ts';

// Issue 12's setting in the admin API: the consent asks for the lists scopes only while the tenant keeps lists, and
// an account connected without them shows that it needs reconnecting for lists.

const SECRET = 'segments-setting-test-secret-long-enough-0123456789';
const provider = new MemoryProvider({ children: [account('north', [])] });
provider.accounts.set('hq', { id: 'hq', name: 'HQ', country: null, pipelines: [], deals: [], contacts: [] });
const consent = hubspotConnector({ clientId: 'id', clientSecret: 'secret' });
const app = useTestApp(provider, {
  secret: SECRET,
  connectorFor: () => ({ ...provider.connector(), authorizeUrl: consent.authorizeUrl }),
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();
const scopesOf = (url: string) => (new URL(url).searchParams.get('scope') ?? '').split(' ');

describe('the segments setting and the lists scopes', () => {
  it('asks for crm.lists.read and crm.lists.write in connect links only while the setting is on', async () => {
    const { base, store } = app;
    const admin = new CookieClient(base);
    const started = await admin.get('/install/hubspot');
    expect(scopesOf(started.headers.get('location') ?? '')).not.toContain('crm.lists.write');
    await admin.get(
      `/oauth/hubspot/callback?code=code-hq&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
    );
    const { tenantId } = await json(await admin.get('/api/session'));
    const api = `/api/tenants/${tenantId}`;
    const link = async () =>
      scopesOf((await json(await admin.send('POST', `${api}/connect-links`, { provider: 'hubspot' }))).url);
    expect(await link()).not.toContain('crm.lists.read');

    const north = await store.accounts.save(tenantId, {
      provider: 'hubspot',
      externalId: 'north',
      role: 'child',
      name: 'North',
      country: null,
      tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: null },
      details: { scopes: 'oauth crm.objects.contacts.read' },
    });
    const listsOf = async () =>
      (await json(await admin.get(api))).accounts.find((a: { id: string }) => a.id === north.id).lists;
    expect(await listsOf()).toBeNull();

    expect((await admin.send('PUT', `${api}/settings`, { segments: true })).status).toBe(200);
    expect(await link()).toEqual(expect.arrayContaining(['crm.lists.read', 'crm.lists.write']));
    const reconnect = await json(await admin.send('POST', `${api}/connect-links`, { accountId: north.id }));
    expect(scopesOf(reconnect.url)).toContain('crm.lists.write');
    expect(await listsOf()).toBe('reconnect');

    const bad = await admin.send('PUT', `${api}/settings`, { segmentPrefix: '' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toContain('segmentPrefix');
  });

  it('words what stands in the way of lists per account', () => {
    const child = {
      role: 'child',
      status: 'connected',
      provider: 'hubspot',
      details: {},
    } as unknown as StoredAccount;
    const granted = { ...child, details: { scopes: 'oauth crm.lists.read crm.lists.write' } };
    expect(listsStatus(child, null)).toBeNull();
    expect(listsStatus(child, 'segments-permission')).toBe('reconnect');
    // Reconnected with the scopes since the last run's refusal.
    expect(listsStatus(granted, 'segments-permission')).toBeNull();
    expect(listsStatus({ ...child, provider: 'salesforce' }, 'segments-permission')).toBe('permission');
    expect(listsStatus(child, 'segments-limit')).toBe('limit');
    expect(listsStatus({ ...child, role: 'corporate' }, 'segments-permission')).toBeNull();
  });
});
