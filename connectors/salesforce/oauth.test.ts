import { afterEach, describe, expect, it } from 'vitest';
import { salesforceConnector } from './index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from './simulator.ts';
import { tenantSnapshot } from './test-support/tenant.ts';

let simulator: SalesforceSimulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

describe('OAuth web-server flow', () => {
  it('builds the authorize URL, exchanges a code and refreshes', async () => {
    simulator = await startSalesforceSimulator({ snapshot: tenantSnapshot() });
    const connector = salesforceConnector({ loginUrl: simulator.url, clientId: 'cid', clientSecret: 'sec' });
    const url = new URL(connector.authorizeUrl({ state: 's1', redirectUri: 'https://app/cb' }));
    expect(url.pathname).toBe('/services/oauth2/authorize');
    expect(url.searchParams.get('state')).toBe('s1');
    expect(url.searchParams.get('client_id')).toBe('cid');
    const identity = await connector.exchangeCode({ code: 'code-101', redirectUri: 'https://app/cb' });
    expect(identity.tokens.accessToken).toBe('sandbox-101');
    expect(identity.details.instanceUrl).toBe(simulator.url);
    const refreshed = await connector.refreshTokens('refresh-101');
    expect(refreshed.refreshToken).toBe('refresh-101');
    await expect(connector.refreshTokens('refresh-nope')).rejects.toThrow();
  });
});
