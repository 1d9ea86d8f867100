import { afterEach, describe, expect, it } from 'vitest';
import type { AccountConnection, Tokens } from '../connector.ts';
import { hubspotConnector } from './index.ts';
import { FAST_WINDOW, readScenario, startTenant, type Tenant } from './sync-fixture.ts';

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

const tokenPosts = (t: Tenant) =>
  t.simulator.calls.count((c) => c.method === 'POST' && c.path === '/oauth/v1/token');

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

  it('exchanges a code and reads hub_id and hub_domain for the token', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const identity = await tenant.connector.exchangeCode({
      code: tenant.simulator.issueCode('102'),
      redirectUri: 'http://localhost/cb',
    });
    expect(identity.accountId).toBe('102');
    expect(identity.details.hubDomain).toBe('Maple Court.hubspot.example');
    expect(identity.tokens.refreshToken).toBeTruthy();
    expect(identity.tokens.expiresAt).toBeGreaterThan(Date.now() + 29 * 60_000);
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
