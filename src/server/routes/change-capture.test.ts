import { describe, expect, it } from 'vitest';
import { CookieClient, stateOf } from '../../../test/support/cookie-client.ts';
import { MemoryProvider } from '../../../test/support/memory-connector.ts';
import { account } from '../../../test/support/snapshot-builder.ts';
import { useTestApp } from '../../../test/support/test-app.ts';

// PUT /accounts/:accountId/change-capture: an admin opts a Salesforce account into Change Data Capture.

const SECRET = 'change-capture-test-secret-long-enough-0123456789';
const provider = new MemoryProvider({ children: [account('north', [])] });
provider.accounts.set('hq', { id: 'hq', name: 'HQ', country: null, pipelines: [], deals: [], contacts: [] });

const app = useTestApp(provider, { secret: SECRET });

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();

describe('PUT /accounts/:accountId/change-capture', () => {
  it('opts a Salesforce account in and out, and refuses other providers and bad bodies', async () => {
    const { base, store } = app;
    const admin = new CookieClient(base);
    const started = await admin.get('/install/hubspot');
    await admin.get(
      `/oauth/hubspot/callback?code=code-hq&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
    );
    const { tenantId } = await json(await admin.get('/api/session'));
    const api = `/api/tenants/${tenantId}`;
    const org = await store.accounts.save(tenantId, {
      provider: 'salesforce',
      externalId: '00D000000000001',
      role: 'child',
      name: 'Sunrise Oaks',
      country: null,
      tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: null },
      details: { instanceUrl: 'https://sunrise.my.salesforce.com' },
    });
    const path = `${api}/accounts/${org.id}/change-capture`;

    expect(await json(await admin.get(path))).toEqual({
      accountId: org.id,
      enabled: false,
      status: 'off',
      detail: null,
    });
    const on = await admin.send('PUT', path, { enabled: true });
    expect(on.status).toBe(200);
    expect(await json(on)).toEqual({ accountId: org.id, enabled: true, status: 'starting', detail: null });
    expect((await store.salesforceFeeds.changeCapture(tenantId, org.id))?.enabled).toBe(true);
    expect((await json(await admin.send('PUT', path, { enabled: false }))).status).toBe('off');

    const bad = await admin.send('PUT', path, { enabled: 'yes' });
    expect(bad.status).toBe(400);
    const hubspot = (await store.accounts.list(tenantId)).find((a) => a.provider === 'hubspot');
    const refused = await admin.send('PUT', `${api}/accounts/${hubspot?.id}/change-capture`, {
      enabled: true,
    });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error).toContain('not a Salesforce account');
    expect((await admin.send('PUT', `${api}/accounts/nope/change-capture`, { enabled: true })).status).toBe(
      404,
    );
  });
});
