import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import { startTestApp } from '../../test/support/test-app.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import type { Store } from '../store/store.ts';
import { STATE_TTL_MS } from './app.ts';

const SECRET = 'server-test-secret-that-is-long-enough-0123456789';
const provider = new MemoryProvider({
  children: [
    account('north', [person('n1', { emails: ['bob@example.com'] })], { name: 'North' }),
    account('south', [person('s1', { emails: ['bob@example.com'] })], { name: 'South' }),
  ],
  corporate: { id: 'corp', name: 'Sunrise HQ', contacts: [] },
});

let opened: OpenDatabase;
let store: Store;
let base: string;
let clock = new Date('2026-11-23T12:00:00Z');
let close: () => void;

beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  const app = await startTestApp(opened, provider, { secret: SECRET, now: () => clock });
  ({ store, base, close } = app);
});
afterAll(async () => {
  close();
  await opened.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();
const get = (path: string, cookie = '') => fetch(base + path, { redirect: 'manual', headers: { cookie } });
const stateOf = (location: string | null) => new URL(location ?? '').searchParams.get('state') ?? '';
const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

async function install(): Promise<{ cookie: string; tenantId: string }> {
  const started = await get('/install/hubspot');
  expect(started.status).toBe(302);
  const callback = await get(
    `/oauth/hubspot/callback?code=code-corp&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  expect(callback.status).toBe(302);
  const cookie = cookieOf(callback);
  const session = await json(await get('/api/session', cookie));
  return { cookie, tenantId: session.tenantId };
}

async function connectLink(tenantId: string, cookie: string): Promise<string> {
  const response = await fetch(`${base}/api/tenants/${tenantId}/connect-links`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'hubspot' }),
  });
  expect(response.status).toBe(200);
  return stateOf((await json(response)).url);
}

describe('install and connect', () => {
  it('installing on the corporate account creates the tenant; each child connects through its own link', async () => {
    const { cookie, tenantId } = await install();
    for (const child of ['north', 'south']) {
      const state = await connectLink(tenantId, cookie);
      const connected = await get(
        `/oauth/hubspot/callback?code=code-${child}&state=${encodeURIComponent(state)}`,
      );
      expect(connected.status).toBe(302);
    }
    const { tenant, accounts } = await json(await get(`/api/tenants/${tenantId}`, cookie));
    expect(tenant.name).toBe('Sunrise HQ');
    expect(accounts.map((a: { name: string; role: string }) => [a.name, a.role])).toEqual([
      ['Sunrise HQ', 'corporate'],
      ['North', 'child'],
      ['South', 'child'],
    ]);
    expect(JSON.stringify(accounts)).not.toContain('access-');

    // Connecting North again refreshes its tokens, it is not added twice.
    const again = await connectLink(tenantId, cookie);
    await get(`/oauth/hubspot/callback?code=code-north&state=${encodeURIComponent(again)}`);
    const stored = await store.accounts(tenantId);
    expect(stored).toHaveLength(3);
    expect(stored.find((a) => a.accountId === 'north')?.tokens.accessToken).toBe(
      `access-north-${provider.exchanges}`,
    );

    const run = await fetch(`${base}/api/tenants/${tenantId}/runs`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun: true }),
    });
    expect((await json(run)).shared).toHaveLength(1);
  });

  it('a tampered, replayed or expired state is refused and attaches nothing', async () => {
    const { cookie, tenantId } = await install();
    const state = await connectLink(tenantId, cookie);
    const tampered = `${state.slice(0, -2)}xx`;
    const refused = await get(
      `/oauth/hubspot/callback?code=code-north&state=${encodeURIComponent(tampered)}`,
    );
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toMatch(/invalid, already used or expired/);

    expect(
      (await get(`/oauth/hubspot/callback?code=code-north&state=${encodeURIComponent(state)}`)).status,
    ).toBe(302);
    expect(
      (await get(`/oauth/hubspot/callback?code=code-south&state=${encodeURIComponent(state)}`)).status,
    ).toBe(400);

    const old = await connectLink(tenantId, cookie);
    clock = new Date(clock.getTime() + STATE_TTL_MS + 1_000);
    expect(
      (await get(`/oauth/hubspot/callback?code=code-south&state=${encodeURIComponent(old)}`)).status,
    ).toBe(400);
    const names = (await store.accounts(tenantId)).map((a) => a.accountId).sort();
    expect(names).toEqual(['corp', 'north']);
  });

  it("one tenant's admin can neither read nor change another tenant, nor attach accounts to it", async () => {
    const a = await install();
    const b = await install();
    expect(a.tenantId).not.toBe(b.tenantId);
    expect((await get(`/api/tenants/${a.tenantId}`, b.cookie)).status).toBe(403);
    const put = await fetch(`${base}/api/tenants/${a.tenantId}/settings`, {
      method: 'PUT',
      headers: { cookie: b.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    expect(put.status).toBe(403);
    const link = await fetch(`${base}/api/tenants/${a.tenantId}/connect-links`, {
      method: 'POST',
      headers: { cookie: b.cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(link.status).toBe(403);
    expect((await get(`/api/tenants/${a.tenantId}`)).status).toBe(403);
  });

  it('settings are validated with a message naming the field', async () => {
    const { cookie, tenantId } = await install();
    const put = await fetch(`${base}/api/tenants/${tenantId}/settings`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ matchOn: 'fax' }),
    });
    expect(put.status).toBe(400);
    expect((await json(put)).error).toMatch(/^matchOn: /);
  });

  it('answers the health check when the store is reachable', async () => {
    const response = await get('/healthz');
    expect(await json(response)).toEqual({ status: 'ok' });
  });
});

describe('HubSpot webhooks', () => {
  it('a signed event batch queues a resync of every enabled tenant with that portal; an unsigned one is refused', async () => {
    const { createHmac } = await import('node:crypto');
    const { ResyncQueue } = await import('../../webhooks/resync-queue.ts');
    const queue = new ResyncQueue(async () => {}, 60_000);
    const secret = 'hubspot-client-secret';
    const hooked = await startTestApp(opened, provider, {
      secret: SECRET,
      webhooks: { hubspotClientSecret: secret, queue },
    });
    try {
      const enabled = await store.createTenant('Enabled', { enabled: true });
      const disabled = await store.createTenant('Disabled', { enabled: false });
      await provider.connectAll(store, enabled.id);
      await provider.connectAll(store, disabled.id);
      const body = JSON.stringify([{ portalId: 'north', subscriptionType: 'contact.creation', objectId: 1 }]);
      const timestamp = String(Date.now());
      const signature = createHmac('sha256', secret)
        .update(`POSThttp://localhost:3000/webhooks/hubspot${body}${timestamp}`)
        .digest('base64');
      const post = (headers: Record<string, string>) =>
        fetch(`${hooked.base}/webhooks/hubspot`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      expect((await post({ 'x-hubspot-signature-v3': signature })).status).toBe(401);
      const accepted = await post({
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      });
      expect(accepted.status).toBe(204);
      expect(queue.pending()).toEqual([enabled.id]);
    } finally {
      queue.stop();
      hooked.close();
    }
  });
});
