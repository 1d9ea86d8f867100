import { afterEach, describe, expect, it } from 'vitest';
import { specViolations } from './openapi-shapes.ts';
import { FAST_WINDOW, readScenario, startTenant, type Tenant } from './sync-fixture.ts';

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

describe('the simulator and the connector speak HubSpot OpenAPI shapes', () => {
  it.each(['bob-smith-two-communities', 'no-longer-shared'])(
    'a full sync of %s shows no violation',
    async (name) => {
      tenant = await startTenant(readScenario(name), { ...FAST_WINDOW, recordExchanges: true });
      const connection = await tenant.connector.exchangeCode({
        code: tenant.simulator.issueCode(tenant.snapshot.children[0]?.id ?? ''),
        redirectUri: 'http://localhost/cb',
      });
      expect(connection.accountId).toBeTruthy();
      await tenant.run();
      await tenant.run();
      // OAuth's other answers: a refresh, a revocation, and HubSpot's refusal of the revoked token.
      const refreshToken = connection.tokens.refreshToken ?? '';
      await tenant.connector.refreshTokens(refreshToken);
      await tenant.connector.revokeTokens?.(connection.tokens);
      await expect(tenant.connector.refreshTokens(refreshToken)).rejects.toMatchObject({
        kind: 'auth-revoked',
      });
      // Search is in the simulator for apps that use it; the connector does not.
      const search = await fetch(`${tenant.simulator.url}/crm/v3/objects/contacts/search`, {
        method: 'POST',
        headers: {
          authorization: `Bearer sandbox-${tenant.snapshot.children[0]?.id}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' }] }],
          properties: ['email'],
          limit: 10,
        }),
      });
      expect(search.status).toBe(200);
      const exchanges = tenant.simulator.exchanges;
      expect(exchanges.length).toBeGreaterThan(10);
      expect(exchanges.flatMap(specViolations)).toEqual([]);
    },
  );

  it('flags a shape that breaks the spec', () => {
    expect(
      specViolations({
        method: 'POST',
        path: '/crm/v3/objects/contacts/batch/update',
        status: 200,
        requestBody: { inputs: [{ id: 1 }] },
        responseBody: {},
      }),
    ).toHaveLength(2);
  });
});
