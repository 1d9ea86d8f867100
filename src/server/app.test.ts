import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, stateOf } from '../../test/support/cookie-client.ts';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import { startTestApp } from '../../test/support/test-app.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { ALL_STATUSES, type Store } from '../store/store.ts';
import { STATE_TTL_MS } from './app.ts';

// Install, sign-in and connection over OAuth, as browsers go through them: who may attach a CRM account to a
// tenant, whose session a callback may start, and what ends an account's access.

const SECRET = 'server-test-secret-that-is-long-enough-0123456789';
const provider = new MemoryProvider({
  children: [
    account('north', [person('n1', { emails: ['bob@example.com'] })], { name: 'North' }),
    account('south', [person('s1', { emails: ['bob@example.com'] })], { name: 'South' }),
    account('west', [person('w1', { emails: ['bob@example.com'] })], { name: 'West' }),
  ],
  corporate: { id: 'corp', name: 'Sunrise HQ', contacts: [] },
});
let corporates = 0;
/** A corporate account of its own for each install: installing twice on one account is the same tenant. */
function newCorporate(name = 'Sunrise HQ'): string {
  corporates += 1;
  const id = `corp-${corporates}`;
  provider.accounts.set(id, { id, name, country: null, pipelines: [], deals: [], contacts: [] });
  return id;
}

let opened: OpenDatabase;
let store: Store;
let base: string;
let clock = new Date('2026-11-23T12:00:00Z');
let close: () => void;

beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  ({ store, base, close } = await startTestApp(opened, provider, { secret: SECRET, now: () => clock }));
});
afterAll(async () => {
  close();
  await opened.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();

/** Installs the app on a corporate account in this browser; returns the tenant it is signed in to. */
async function install(browser: CookieClient, corporate = newCorporate(), user = 'admin'): Promise<string> {
  const started = await browser.get('/install/hubspot');
  expect(started.status).toBe(302);
  const callback = await browser.get(
    `/oauth/hubspot/callback?code=code-${corporate}~${user}&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  expect(callback.status).toBe(302);
  return (await json(await browser.get('/api/session'))).tenantId;
}

async function connectLink(browser: CookieClient, tenantId: string, role = 'child'): Promise<string> {
  const response = await browser.send('POST', `/api/tenants/${tenantId}/connect-links`, {
    provider: 'hubspot',
    role,
  });
  expect(response.status).toBe(200);
  return (await json(response)).url;
}

const complete = (browser: CookieClient, link: string, code: string) =>
  browser.get(`/oauth/hubspot/callback?code=${code}&state=${encodeURIComponent(stateOf(link))}`);

const accountsOf = async (tenantId: string) =>
  Object.fromEntries((await store.accounts.list(tenantId, ALL_STATUSES)).map((a) => [a.accountId, a.status]));

describe('install and connect', () => {
  it('installing on the corporate account creates the tenant; its admin connects each child through a link', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    for (const child of ['north', 'south']) {
      const connected = await complete(admin, await connectLink(admin, tenantId), `code-${child}`);
      expect(connected.status).toBe(302);
      expect(connected.headers.get('location')).toMatch(/^\/\?connected=/);
    }
    const { tenant, accounts, admin: me } = await json(await admin.get(`/api/tenants/${tenantId}`));
    expect(tenant.name).toBe('Sunrise HQ');
    expect(tenant.settings.schedule).toEqual({ time: '03:00', timeZone: 'UTC' });
    expect(me.label).toMatch(/^admin@corp-\d+\.example\.com$/);
    expect(accounts.map((a: { name: string; role: string }) => [a.name, a.role])).toEqual([
      ['Sunrise HQ', 'corporate'],
      ['North', 'child'],
      ['South', 'child'],
    ]);
    expect(JSON.stringify(accounts)).not.toContain('access-');

    // Connecting North again refreshes its tokens, it is not added twice.
    await complete(admin, await connectLink(admin, tenantId), 'code-north');
    const stored = await store.accounts.list(tenantId);
    expect(stored).toHaveLength(3);
    expect(stored.find((a) => a.accountId === 'north')?.tokens.accessToken).toBe(
      `access-north-${provider.exchanges}`,
    );
    const run = await admin.send('POST', `/api/tenants/${tenantId}/runs`, { dryRun: true });
    expect((await json(run)).shared).toHaveLength(1);
  });

  it('a tampered, replayed or expired state is refused and attaches nothing', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    const link = await connectLink(admin, tenantId);
    const tampered = await admin.get(
      `/oauth/hubspot/callback?code=code-north&state=${encodeURIComponent(`${stateOf(link).slice(0, -2)}xx`)}`,
    );
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toMatch(/invalid, already used or expired/);
    expect((await complete(admin, link, 'code-north')).status).toBe(302);
    expect((await complete(admin, link, 'code-south')).status).toBe(400);
    const old = await connectLink(admin, tenantId);
    clock = new Date(clock.getTime() + STATE_TTL_MS + 1_000);
    expect((await complete(admin, old, 'code-south')).status).toBe(400);
    expect(Object.values(await accountsOf(tenantId))).toEqual(['connected', 'connected']);
    expect((await accountsOf(tenantId)).north).toBe('connected');
  });

  it('a valid state with a code the provider refuses is a 400 with its reason, not a 500', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    const refused = await complete(admin, await connectLink(admin, tenantId), 'bogus-code');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('the CRM refused the authorisation (invalid code)');
  });

  it("one tenant's admin can neither read nor change another tenant, nor attach accounts to it", async () => {
    const a = new CookieClient(base);
    const b = new CookieClient(base);
    const tenantA = await install(a);
    const tenantB = await install(b, newCorporate('Maple Group'));
    expect(tenantA).not.toBe(tenantB);
    expect((await b.get(`/api/tenants/${tenantA}`)).status).toBe(403);
    expect((await b.send('PUT', `/api/tenants/${tenantA}/settings`, { enabled: true })).status).toBe(403);
    expect((await b.send('POST', `/api/tenants/${tenantA}/connect-links`, {})).status).toBe(403);
    expect((await new CookieClient(base).get(`/api/tenants/${tenantA}`)).status).toBe(403);
  });
});

describe('someone else completing a connect link', () => {
  it('arrives pending whoever opens it (no session, or another tenant’s), is never read, and joins only when approved', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    await complete(admin, await connectLink(admin, tenantId), 'code-north');

    // The community's manager, with no session here, opens the link the admin handed them.
    const manager = new CookieClient(base);
    const page = await complete(manager, await connectLink(admin, tenantId), 'code-south~manager');
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('South (HubSpot account south) has asked to join <strong>Sunrise HQ</strong>');
    expect(text).toContain('Nothing is read from or written to it until an admin of Sunrise HQ approves it');

    // Tenant B's admin opening A's link does not attach the account to A, nor to B.
    const other = new CookieClient(base);
    const tenantB = await install(other, newCorporate('Maple Group'));
    await complete(other, await connectLink(admin, tenantId), 'code-west~mallory');
    const statuses = await accountsOf(tenantId);
    expect([statuses.north, statuses.south, statuses.west]).toEqual(['connected', 'pending', 'pending']);
    expect(Object.keys(statuses)).toHaveLength(4);
    expect(Object.values(await accountsOf(tenantB))).toEqual(['connected']);

    // A run neither reads nor writes the pending accounts: Bob is only in North.
    const preview = await json(await admin.send('POST', `/api/tenants/${tenantId}/runs`, { dryRun: true }));
    expect(preview.shared).toHaveLength(0);

    const { accounts } = await json(await admin.get(`/api/tenants/${tenantId}`));
    const south = accounts.find((a: { accountId: string }) => a.accountId === 'south');
    expect(south).toMatchObject({
      status: 'pending',
      provider: 'hubspot',
      requestedBy: 'manager@south.example.com',
    });
    expect(south.connectedAt).toBeTruthy();
    const west = accounts.find((a: { accountId: string }) => a.accountId === 'west');

    expect((await admin.send('POST', `/api/tenants/${tenantId}/accounts/${south.id}/approve`)).status).toBe(
      200,
    );
    const before = provider.revoked.length;
    expect((await admin.send('POST', `/api/tenants/${tenantId}/accounts/${west.id}/reject`)).status).toBe(
      204,
    );
    expect(provider.revoked.slice(before)).toEqual([`refresh-west-${provider.exchanges}`]);
    const rejected = await store.accounts.get(tenantId, west.id);
    expect(rejected).toMatchObject({ status: 'rejected', tokens: { accessToken: '', refreshToken: null } });
    expect((await admin.send('POST', `/api/tenants/${tenantId}/accounts/${west.id}/approve`)).status).toBe(
      409,
    );

    const run = await json(await admin.send('POST', `/api/tenants/${tenantId}/runs`, { dryRun: true }));
    expect(run.shared).toHaveLength(1);
    expect(run.shared[0].members.map((m: { accountId: string }) => m.accountId).sort()).toEqual([
      'north',
      'south',
    ]);

    // Approving and rejecting are someone's acts, on record.
    const me = (await json(await admin.get(`/api/tenants/${tenantId}`))).admin.label;
    const { actions } = await json(await admin.get(`/api/tenants/${tenantId}/admin-actions`));
    expect(
      actions.slice(0, 3).map((a: { action: string; actorLabel: string }) => [a.action, a.actorLabel]),
    ).toEqual([
      ['preview', me],
      ['reject-account', me],
      ['approve-account', me],
    ]);
  });

  it('someone else may refresh an account the tenant already has, without approval; its role stays', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    await complete(admin, await connectLink(admin, tenantId), 'code-north');
    const north = (await store.accounts.byExternalId(tenantId, 'north'))?.id ?? '';
    await store.accounts.setStatus(tenantId, north, 'needs-reconnect');
    await store.accounts.rename(tenantId, north, 'North (Main St)');
    const page = await complete(
      new CookieClient(base),
      await connectLink(admin, tenantId, 'corporate'),
      'code-north~manager',
    );
    expect(await page.text()).toContain('is connected again');
    expect(await store.accounts.byExternalId(tenantId, 'north')).toMatchObject({
      status: 'connected',
      role: 'child',
      name: 'North (Main St)',
    });
  });
});

describe('sessions', () => {
  it('an install callback this browser did not start never replaces its session: it asks first, naming both', async () => {
    const victim = new CookieClient(base);
    const victimTenant = await install(victim);
    // Someone else starts an install of their own account and gets the victim's browser to finish it.
    const attacker = new CookieClient(base);
    const started = await attacker.get('/install/hubspot');
    const theirs = newCorporate('Oak Partners');
    const page = await victim.get(
      `/oauth/hubspot/callback?code=code-${theirs}~mallory&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
    );
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('This sign-in was not started in this browser');
    expect(text).toContain('You are signed in to <strong>Sunrise HQ</strong>');
    expect(text).toContain(`Continue to Oak Partners's Community Sync as mallory@${theirs}.example.com`);
    expect((await json(await victim.get('/api/session'))).tenantId).toBe(victimTenant);

    // Only the admin's own click on that page, from the app's origin, switches.
    const token = /name="token" value="([^"]+)"/.exec(text)?.[1] ?? '';
    expect((await victim.form('/session/switch', { token }, 'http://evil.example')).status).toBe(403);
    expect((await json(await victim.get('/api/session'))).tenantId).toBe(victimTenant);
    expect((await victim.form('/session/switch', { token })).status).toBe(302);
    expect((await json(await victim.get('/api/session'))).tenantId).not.toBe(victimTenant);
  });

  it('installing again on a corporate account signs in to its tenant; the database refuses a second tenant for it', async () => {
    const first = new CookieClient(base);
    const corporate = newCorporate('Oak Partners');
    const tenantId = await install(first, corporate, 'owner');
    const count = (await store.tenants.list()).length;
    const again = new CookieClient(base);
    expect(await install(again, corporate, 'colleague')).toBe(tenantId);
    expect(await store.tenants.list()).toHaveLength(count);
    await expect(
      store.tenants.forCorporateAccount('Oak again', { provider: 'hubspot', accountId: corporate }),
    ).resolves.toMatchObject({ created: false, tenant: { id: tenantId } });
  });

  it("signing in through the provider proves who the admin is and never replaces the tenant's sync tokens", async () => {
    const owner = new CookieClient(base);
    const corporate = newCorporate('Maple Group');
    const tenantId = await install(owner, corporate, 'owner');
    const synced = (await store.accounts.byExternalId(tenantId, corporate))?.tokens;
    const colleague = new CookieClient(base);
    expect(await (await colleague.get('/')).text()).toContain('Community Sync');
    const started = await colleague.get('/signin/hubspot');
    expect(started.status).toBe(302);
    const callback = await colleague.get(
      `/oauth/hubspot/callback?code=code-${corporate}~colleague&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
    );
    expect(callback.status).toBe(302);
    const { admin } = await json(await colleague.get(`/api/tenants/${tenantId}`));
    expect(admin).toEqual({ key: 'hubspot:colleague', label: `colleague@${corporate}.example.com` });
    expect((await store.accounts.byExternalId(tenantId, corporate))?.tokens).toEqual(synced);

    // Signing in on an account the app is not installed on makes no tenant.
    const count = (await store.tenants.list()).length;
    const stranger = new CookieClient(base);
    const start = await stranger.get('/signin/hubspot');
    const refused = await stranger.get(
      `/oauth/hubspot/callback?code=code-north~x&state=${encodeURIComponent(stateOf(start.headers.get('location')))}`,
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('not installed on this HubSpot account (north)');
    expect(await store.tenants.list()).toHaveLength(count);
  });

  it('an expired session is signed out, and signing out ends it', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    expect((await admin.send('POST', '/api/session/sign-out')).status).toBe(204);
    expect((await json(await admin.get('/api/session'))).tenantId).toBeNull();
    const again = new CookieClient(base);
    await install(again);
    clock = new Date(clock.getTime() + 13 * 60 * 60 * 1000);
    expect((await again.get(`/api/tenants/${tenantId}`)).status).toBe(403);
  });
});

describe('access ends at the provider', () => {
  it('disconnecting revokes the account tokens; uninstalling revokes every account and signs out', async () => {
    const admin = new CookieClient(base);
    const corporate = newCorporate();
    const tenantId = await install(admin, corporate);
    await complete(admin, await connectLink(admin, tenantId), 'code-north');
    await complete(admin, await connectLink(admin, tenantId), 'code-south');
    const north = await store.accounts.byExternalId(tenantId, 'north');
    const before = provider.revoked.length;
    expect((await admin.send('DELETE', `/api/tenants/${tenantId}/accounts/${north?.id}`)).status).toBe(204);
    expect(provider.revoked.slice(before)).toEqual([north?.tokens.refreshToken]);

    const held = (await store.accounts.list(tenantId)).map((a) => a.tokens.refreshToken).sort();
    expect((await admin.send('DELETE', `/api/tenants/${tenantId}`)).status).toBe(204);
    expect(provider.revoked.slice(before + 1).sort()).toEqual(held);
    expect(await accountsOf(tenantId)).toEqual({
      [corporate]: 'disconnected',
      north: 'disconnected',
      south: 'disconnected',
    });
    expect((await json(await admin.get('/api/session'))).tenantId).toBeNull();
    expect((await store.tenants.get(tenantId))?.settings.enabled).toBe(false);
  });
});

describe('settings', () => {
  it('saving changes only the fields sent, answers the saved settings, and records who changed what', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    await store.tenants.updateSettings(tenantId, { defaultCountry: 'GB', maxContactsPerKey: 9 });
    const saved = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      enabled: true,
      schedule: { time: '05:30' },
    });
    expect(saved.status).toBe(200);
    expect((await json(saved)).settings).toMatchObject({
      enabled: true,
      defaultCountry: 'GB',
      maxContactsPerKey: 9,
      maxClusterSize: 25,
      schedule: { time: '05:30', timeZone: 'UTC' },
    });
    const { actions } = await json(await admin.get(`/api/tenants/${tenantId}/admin-actions?limit=1`));
    expect(actions[0]).toMatchObject({
      action: 'settings',
      actor: 'hubspot:admin',
      detail: { changed: { enabled: true, schedule: { time: '05:30', timeZone: 'UTC' } } },
    });
  });

  it('a bad field is refused with its name, and nothing is saved', async () => {
    const admin = new CookieClient(base);
    const tenantId = await install(admin);
    const put = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, {
      matchOn: 'fax',
      enabled: true,
    });
    expect(put.status).toBe(400);
    expect((await json(put)).error).toMatch(/^matchOn: /);
    const unknown = await admin.send('PUT', `/api/tenants/${tenantId}/settings`, { colour: 'blue' });
    expect((await json(unknown)).error).toBe('(the document): unknown field "colour"');
    expect((await store.tenants.get(tenantId))?.settings.enabled).toBe(false);
  });

  it('answers the health check when the store is reachable', async () => {
    expect(await json(await fetch(`${base}/healthz`))).toEqual({ status: 'ok' });
  });
});
