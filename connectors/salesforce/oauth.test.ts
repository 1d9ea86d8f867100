import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../connector.ts';
import { salesforceConnector } from './index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { tenantSnapshot } from './test-support/tenant.ts';

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

async function start() {
  simulator = await startSalesforceSimulator({ snapshot: tenantSnapshot() });
  const sim = simulator;
  const connector = salesforceConnector({ loginUrl: sim.url, clientId: 'cid', clientSecret: 'sec' });
  /** Follows the consent link as Salesforce's page would after `user` approved on `account`. */
  const consent = async (account: string, user?: string) => {
    const page = new URL(connector.authorizeUrl({ state: 's1', redirectUri: 'https://app/cb' }));
    page.searchParams.set('account', account);
    if (user) page.searchParams.set('user', user);
    const answer = await fetch(page, { redirect: 'manual' });
    const callback = new URL(answer.headers.get('location') ?? '');
    expect(callback.searchParams.get('state')).toBe('s1');
    return callback.searchParams.get('code') ?? '';
  };
  const apiStatus = async (accessToken: string) =>
    (
      await fetch(`${sim.url}/services/data/v59.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).status;
  return { sim, connector, consent, apiStatus };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as ConnectorError,
  );

describe('OAuth web-server flow', () => {
  it('builds the authorize URL, exchanges a code and refreshes', async () => {
    const { sim, connector } = await start();
    const url = new URL(connector.authorizeUrl({ state: 's1', redirectUri: 'https://app/cb' }));
    expect(url.pathname).toBe('/services/oauth2/authorize');
    expect(url.searchParams.get('state')).toBe('s1');
    expect(url.searchParams.get('client_id')).toBe('cid');
    const identity = await connector.exchangeCode({ code: 'code-101', redirectUri: 'https://app/cb' });
    expect(identity.tokens.accessToken).toBe('sandbox-101');
    expect(identity.details.instanceUrl).toBe(sim.url);
    expect(identity.user).toEqual({ id: sim.org('101').userId, label: 'integration@101.example' });
    const refreshed = await connector.refreshTokens('refresh-101');
    expect(refreshed.refreshToken).toBe('refresh-101');
  });

  it('names the user who approved, from the identity URL, and takes each code once', async () => {
    const { sim, connector, consent } = await start();
    const code = await consent('900', 'alice@acme.example');
    const identity = await connector.exchangeCode({ code, redirectUri: 'https://app/cb' });
    const alice = sim.org('900').user('alice@acme.example');
    expect(alice.id).not.toBe(sim.org('900').userId);
    expect(identity.user).toEqual({ id: alice.id, label: 'alice@acme.example' });
    expect(identity.details.userId).toBe(alice.id);
    expect(sim.calls.count((c) => c.path === `/id/900/${alice.id}` && c.status === 200)).toBe(1);

    const again = await rejection(connector.exchangeCode({ code, redirectUri: 'https://app/cb' }));
    expect(again).toMatchObject({ kind: 'rejected', providerMessage: 'expired authorization code' });
  });

  it("refuses a code Salesforce does not know as rejected, with Salesforce's reason and status 400", async () => {
    const { connector } = await start();
    const error = await rejection(connector.exchangeCode({ code: 'bogus', redirectUri: 'https://app/cb' }));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      kind: 'rejected',
      providerMessage: 'invalid authorization code',
      status: 400,
    });
  });

  it('reports a refused refresh token as auth-revoked', async () => {
    const { connector } = await start();
    const error = await rejection(connector.refreshTokens('refresh-nope'));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'auth-revoked', providerMessage: 'expired access/refresh token' });
  });

  it('revokes the refresh token and the access tokens issued from it; a token already gone is no error', async () => {
    const { sim, connector, consent, apiStatus } = await start();
    const { tokens } = await connector.exchangeCode({
      code: await consent('101'),
      redirectUri: 'https://app/cb',
    });
    const other = await connector.exchangeCode({ code: await consent('101'), redirectUri: 'https://app/cb' });
    expect(await apiStatus(tokens.accessToken)).toBe(200);

    await connector.revokeTokens?.(tokens);
    expect(sim.calls.count((c) => c.path === '/services/oauth2/revoke' && c.status === 200)).toBe(1);
    expect(await apiStatus(tokens.accessToken)).toBe(401);
    const refused = await rejection(connector.refreshTokens(tokens.refreshToken ?? ''));
    expect(refused).toMatchObject({ kind: 'auth-revoked' });
    // Another approval by the same user keeps working.
    expect(await apiStatus(other.tokens.accessToken)).toBe(200);

    await connector.revokeTokens?.(tokens);
    await connector.revokeTokens?.({
      accessToken: 'sandbox-nope',
      refreshToken: 'refresh-nope',
      expiresAt: null,
    });
    expect(sim.calls.count((c) => c.path === '/services/oauth2/revoke' && c.status === 400)).toBe(2);
  });

  it('revokes a lone access token without ending its refresh token', async () => {
    const { connector, apiStatus } = await start();
    await connector.revokeTokens?.({ accessToken: 'sandbox-102', refreshToken: null, expiresAt: null });
    expect(await apiStatus('sandbox-102')).toBe(401);
    const refreshed = await connector.refreshTokens('refresh-102');
    expect(await apiStatus(refreshed.accessToken)).toBe(200);
  });
});
