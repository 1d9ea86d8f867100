import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector } from '../../connectors/salesforce/index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from '../../connectors/salesforce/simulator.ts';
import { tenantSnapshot } from '../../connectors/salesforce/test-support/tenant.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { Store } from '../store/store.ts';
import { runTenant } from '../sync/run-tenant.ts';
import { createApp } from './app.ts';

// Salesforce's one-org layout through the app: the admin connects the org once, then picks the corporate parent
// Account and the community Accounts; a run then treats each community as a child account.

const SECRET = 'one-org-test-secret-that-is-long-enough-0123456789';
let simulator: SalesforceSimulator;
let opened: OpenDatabase;
let store: Store;
let base: string;
let close: () => void;
let cookie = '';

beforeAll(async () => {
  simulator = await startSalesforceSimulator({ snapshot: tenantSnapshot(), oneOrg: true });
  const connector = salesforceConnector({
    loginUrl: simulator.url,
    clientId: 'client',
    clientSecret: 'secret',
    sleep: async () => {},
  });
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox(SECRET));
  const tenant = await store.tenants.create('Acme Living');
  const app = createApp({
    store,
    connectorFor: () => connector,
    enabledProviders: ['salesforce'],
    runTenant: (tenantId, options) => runTenant(store, () => connector, tenantId, options),
    appSecret: SECRET,
    publicUrl: 'http://localhost:3000',
    sandboxTenantId: () => tenant.id,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
  cookie = ((await fetch(base)).headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});

afterAll(async () => {
  close();
  await opened.close();
  await simulator.close();
});

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(base + path, {
    ...init,
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/json' },
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  const body: any = response.status === 204 ? null : await response.json();
  return { status: response.status, body };
};

describe('one Salesforce org with one Account per community', () => {
  it('connects the org once, lets the admin pick parent and communities, and runs on them', async () => {
    const { tenantId } = (await api('/api/session')).body as { tenantId: string };
    const link = await api(`/api/tenants/${tenantId}/connect-links`, {
      method: 'POST',
      body: JSON.stringify({ provider: 'salesforce', role: 'corporate' }),
    });
    const state = new URL(link.body.url).searchParams.get('state') ?? '';
    const callback = await fetch(
      `${base}/oauth/salesforce/callback?code=code-900&state=${encodeURIComponent(state)}`,
      // The admin completes the consent in the browser they are signed in with.
      { redirect: 'manual', headers: { cookie } },
    );
    expect(callback.status).toBe(302);
    const [org] = await store.accounts.list(tenantId);
    expect(org).toMatchObject({ provider: 'salesforce', accountId: 'one-org' });

    const listed = await api(`/api/tenants/${tenantId}/accounts/${org?.id}/inner-accounts`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.accounts).toEqual([
      { id: '900', name: 'Acme Living', parentId: null },
      { id: '103', name: 'Cedar Hill', parentId: '900' },
      { id: '102', name: 'Maple Court', parentId: '900' },
      { id: '101', name: 'Sunrise Oaks', parentId: '900' },
    ]);
    const refused = await api(`/api/tenants/${tenantId}/accounts/${org?.id}/communities`, {
      method: 'POST',
      body: JSON.stringify({ parentId: '900', communityIds: ['101', '999'] }),
    });
    expect(refused).toMatchObject({ status: 400, body: { error: 'not Accounts of this org: 999' } });

    const picked = await api(`/api/tenants/${tenantId}/accounts/${org?.id}/communities`, {
      method: 'POST',
      body: JSON.stringify({ parentId: '900', communityIds: ['101', '102', '103'] }),
    });
    expect(picked.body.accounts.map((a: { name: string; role: string }) => [a.name, a.role])).toEqual([
      ['Acme Living', 'corporate'],
      // In the order the communities were connected (picked), not by name.
      ['Sunrise Oaks', 'child'],
      ['Maple Court', 'child'],
      ['Cedar Hill', 'child'],
    ]);

    const { report, status } = await runTenant(
      store,
      () =>
        salesforceConnector({
          loginUrl: simulator.url,
          clientId: 'client',
          clientSecret: 'secret',
          sleep: async () => {},
        }),
      tenantId,
      { dryRun: true },
    );
    expect(status).toBe('succeeded');
    expect(report.accountErrors.map((e) => e.message)).toEqual([]);
    // Bob (Sunrise Oaks and Maple Court) and Carol (Sunrise Oaks and Cedar Hill, by phone) are shared.
    expect(report.plan.shared.map((s) => s.members.map((m) => m.accountId).sort())).toEqual([
      ['101', '102'],
      ['101', '103'],
    ]);
    expect(report.plan.shared.map((s) => s.primaryAccountId)).toEqual(['101', '103']);
  });
});
