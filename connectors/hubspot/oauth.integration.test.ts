import { afterEach, describe, expect, it } from 'vitest';
import { redisSkip, redisUrl, testPrefix } from '../../test/support/redis.ts';
import { type AccountConnection, ConnectorError, type Tokens } from '../connector.ts';
import { RedisState } from '../shared/redis-state.ts';
import { hubspotConnector } from './index.ts';
import { simUser } from './simulator-oauth.ts';
import { FAST_WINDOW, readScenario, startTenant, type Tenant } from './sync-fixture.ts';

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

const noRedis = await redisSkip();

/** Two worker processes' connectors: each its own Redis connection, one shared state. */
function twoWorkers(t: Tenant) {
  const prefix = testPrefix();
  return [1, 2].map(() =>
    hubspotConnector({
      baseUrl: t.simulator.url,
      clientId: 'sim-client-id',
      clientSecret: 'sim-client-secret',
      sharedState: new RedisState(redisUrl, { prefix }),
    }),
  );
}

const tokenPosts = (t: Tenant) =>
  t.simulator.calls.count((c) => c.method === 'POST' && c.path === '/oauth/v3/token');

/** What HubSpot's consent page hands back when the app's consent link is followed (`query`: the test's picks). */
async function consentCode(t: Tenant, query: Record<string, string>): Promise<string> {
  const url = new URL(t.connector.authorizeUrl({ state: 's', redirectUri: 'http://localhost/cb' }));
  url.href = `${t.simulator.url}/oauth/authorize${url.search}`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const answer = await fetch(url, { redirect: 'manual' });
  return new URL(answer.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

async function connect(t: Tenant, portalId: string): Promise<AccountConnection> {
  const identity = await t.connector.exchangeCode({
    code: t.simulator.issueCode(portalId),
    redirectUri: 'http://localhost/cb',
  });
  return {
    accountId: identity.accountId,
    name: identity.name,
    role: 'child',
    country: 'US',
    tokens: identity.tokens,
    details: identity.details,
  };
}

describe('HubSpot OAuth', () => {
  it('builds the consent URL with the app scopes and state', () => {
    const url = new URL(
      hubspotUrl().authorizeUrl({ state: 'signed-state', redirectUri: 'https://app.example/callback' }),
    );
    expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('scope')).toContain('crm.objects.contacts.write');
    expect(url.searchParams.get('state')).toBe('signed-state');
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/callback');
  });

  it('exchanges a code over v3 and introspects the portal and the consenting user', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const identity = await tenant.connector.exchangeCode({
      code: await consentCode(tenant, { portal: '102', user: 'Owner@Maple.example' }),
      redirectUri: 'http://localhost/cb',
    });
    expect(identity.accountId).toBe('102');
    expect(identity.details.hubDomain).toBe('Maple Court.hubspot.example');
    expect(identity.user).toEqual({
      id: String(simUser('owner@maple.example').id),
      label: 'owner@maple.example',
    });
    expect(identity.tokens.refreshToken).toBeTruthy();
    expect(identity.tokens.expiresAt).toBeGreaterThan(Date.now() + 29 * 60_000);
    // Every parameter went in a form body: no query string on any call to HubSpot's API.
    const apiCalls = tenant.simulator.calls
      .all()
      .filter((c) => c.path !== '/oauth/authorize' && c.method !== 'GET');
    expect(apiCalls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'POST /oauth/v3/token 200',
      'POST /oauth/v3/token/introspect 200',
    ]);
  });

  it('names the portal admin when the consent page is not told who consents', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const identity = await tenant.connector.exchangeCode({
      code: await consentCode(tenant, { portal: '101' }),
      redirectUri: 'http://localhost/cb',
    });
    expect(identity.user).toEqual({
      id: String(simUser('admin@101.example.com').id),
      label: 'admin@101.example.com',
    });
  });

  it('refuses a code HubSpot does not know with its reason and a 400', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const failure = await tenant.connector
      .exchangeCode({ code: 'bogus', redirectUri: 'http://localhost/cb' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({
      kind: 'rejected',
      status: 400,
      providerMessage: 'missing or unknown auth code',
    });
    expect(tenant.simulator.calls.count((c) => c.path.startsWith('/oauth/v3/token'))).toBe(1);
  });

  it('no longer serves v1 OAuth', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const v1Token = await fetch(`${tenant.simulator.url}/oauth/v1/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'sim-client-id',
        client_secret: 'sim-client-secret',
        code: tenant.simulator.issueCode('101'),
      }),
    });
    expect(v1Token.status).toBe(404);
    expect((await fetch(`${tenant.simulator.url}/oauth/v1/access-tokens/sandbox-101`)).status).toBe(404);
  });

  it('refreshes once ahead of expiry however many calls see it at once', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    const expiring = { ...connection, tokens: { ...connection.tokens, expiresAt: Date.now() + 1_000 } };
    const stored: Tokens[] = [];
    const sessions = [1, 2, 3].map(() =>
      tenant?.connector.open(expiring, { onTokens: (t) => void stored.push(t) }),
    );
    const before = tokenPosts(tenant);
    await Promise.all(sessions.map((s) => s?.pullChild()));
    expect(tokenPosts(tenant) - before).toBe(1);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.accessToken).not.toBe(connection.tokens.accessToken);
    expect(tenant.simulator.calls.count((c) => c.status === 401)).toBe(0);
  });

  it.skipIf(noRedis)('two workers on one Redis refresh once ahead of expiry', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    const expiring = { ...connection, tokens: { ...connection.tokens, expiresAt: Date.now() + 1_000 } };
    const workers = twoWorkers(tenant);
    const before = tokenPosts(tenant);
    try {
      await Promise.all(workers.flatMap((w) => [w.open(expiring).pullChild(), w.open(expiring).pullChild()]));
    } finally {
      await Promise.all(workers.map((w) => w.close?.()));
    }
    expect(tokenPosts(tenant) - before).toBe(1);
    expect(tenant.simulator.calls.count((c) => c.status === 401)).toBe(0);
  });

  it.skipIf(noRedis)(
    'after a 401, the worker that did not refresh uses the tokens the other did',
    async () => {
      tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
      const connection = await connect(tenant, '101');
      tenant.simulator.expireTokens('101');
      const workers = twoWorkers(tenant);
      const stored: Tokens[] = [];
      try {
        const children = await Promise.all(
          workers.map((w) => w.open(connection, { onTokens: (t) => void stored.push(t) }).pullChild()),
        );
        expect(children.every((child) => child.contacts.length > 0)).toBe(true);
      } finally {
        await Promise.all(workers.map((w) => w.close?.()));
      }
      expect(tokenPosts(tenant)).toBe(2); // the code exchange, then one refresh for both workers
      expect(stored).toHaveLength(1);
    },
  );

  it('recovers once from a 401 by refreshing', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    tenant.simulator.expireTokens('101');
    const session = tenant.connector.open(connection);
    const child = await session.pullChild();
    expect(child.contacts.length).toBeGreaterThan(0);
    expect(tenant.simulator.calls.count((c) => c.status === 401)).toBeGreaterThan(0);
    expect(tokenPosts(tenant)).toBe(2); // the code exchange, then one refresh
    expect(session.calls().failed).toBe(0);
  });

  it('tells the app once per session, before failing, when HubSpot refuses the refresh', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    await tenant.connector.revokeTokens?.(connection.tokens);
    const events: string[] = [];
    const session = tenant.connector.open(
      { ...connection, tokens: { ...connection.tokens, expiresAt: Date.now() } },
      {
        // The app marks the account "needs reconnect" (a store write) before the operation may fail.
        onAuthRevoked: async (error) => {
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`revoked: ${error.kind} ${error.accountId}`);
        },
      },
    );
    // pullChild sends its reads at once: every one of them sees the refusal.
    const first = await session.pullChild().catch((e: unknown) => {
      events.push('pull failed');
      return e;
    });
    // A later operation fails the same way without asking HubSpot again.
    await expect(
      session.applyTagChanges([
        { accountId: '101', contactId: 'c1', sharedId: null, before: [], after: ['x'], afterValues: ['x'] },
      ]),
    ).rejects.toMatchObject({ kind: 'auth-revoked', operation: 'update tags' });
    expect(first).toMatchObject({ kind: 'auth-revoked', accountId: '101', status: 400 });
    expect(events).toEqual(['revoked: auth-revoked 101', 'pull failed']);
    expect(tokenPosts(tenant)).toBe(2); // the code exchange, then the one refused refresh
  });

  it('revokes the refresh token: HubSpot refuses it afterwards, and a second revoke is no error', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    await expect(tenant.connector.refreshTokens(connection.tokens.refreshToken ?? '')).resolves.toBeTruthy();
    await tenant.connector.revokeTokens?.(connection.tokens);
    await expect(tenant.connector.refreshTokens(connection.tokens.refreshToken ?? '')).rejects.toMatchObject({
      kind: 'auth-revoked',
      status: 400,
      providerMessage: 'missing or unknown refresh token',
    });
    await expect(tenant.connector.revokeTokens?.(connection.tokens)).resolves.toBeUndefined();
    // HubSpot revokes refresh tokens only: the access token lives out its 30 minutes.
    const child = await tenant.connector.open(connection).pullChild();
    expect(child.contacts.length).toBeGreaterThan(0);
    expect(tenant.simulator.calls.count((c) => c.path === '/oauth/v3/token/revoke' && c.status === 200)).toBe(
      2,
    );
  });

  it('reports a revoked refresh token as auth-revoked', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const connection = await connect(tenant, '101');
    const revoked = { ...connection, tokens: { accessToken: 'gone', refreshToken: 'unknown', expiresAt: 0 } };
    await expect(tenant.connector.open(revoked).pullChild()).rejects.toMatchObject({
      kind: 'auth-revoked',
      providerMessage: 'missing or unknown refresh token',
    });
  });
});

function hubspotUrl() {
  return hubspotConnector({ clientId: 'id', clientSecret: 'secret' });
}
