import { describe, expect, it } from 'vitest';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { DEFAULT_SCOPES, SEGMENT_SCOPES } from '../connectors/hubspot/options.ts';
import { readScenario, startTenant } from '../connectors/hubspot/sync-fixture.ts';
import { salesforceConnector } from '../connectors/salesforce/index.ts';
import { readManifest } from '../src/cli/hubspot-project.ts';
import { segmentSpecs, settingsSchema } from '../src/core/index.ts';

// manifest.json must ask for exactly the scopes the OAuth code requests, and each must be needed by an endpoint
// the code really calls.

const manifest = readManifest();

/** Which HubSpot endpoints each scope opens (HubSpot's scope reference). */
const HUBSPOT_ENDPOINTS: Record<string, { method: string; path: RegExp }[]> = {
  oauth: [{ method: 'POST', path: /^\/oauth\/v3\/token$/ }],
  'crm.objects.contacts.read': [{ method: 'GET', path: /^\/crm\/v3\/objects\/contacts/ }],
  'crm.objects.contacts.write': [
    { method: 'POST', path: /^\/crm\/v3\/objects\/contacts\/batch\/(update|upsert)/ },
  ],
  'crm.objects.deals.read': [
    { method: 'GET', path: /^\/crm\/v3\/objects\/deals/ },
    // A deal's contacts past the first 100 (v4 associations).
    { method: 'GET', path: /^\/crm\/v4\/objects\/deals\/[^/]+\/associations\/contacts/ },
    { method: 'GET', path: /^\/crm\/v3\/pipelines\/deals/ },
  ],
  'crm.schemas.contacts.read': [{ method: 'GET', path: /^\/crm\/v3\/properties\/contacts/ }],
  'crm.schemas.contacts.write': [{ method: 'POST|PATCH', path: /^\/crm\/v3\/properties\/contacts/ }],
  // Conditionally required: only tenants with the segments setting on (issue 12).
  'crm.lists.read': [{ method: 'GET', path: /^\/crm\/v3\/lists\// }],
  'crm.lists.write': [{ method: 'POST', path: /^\/crm\/v3\/lists$/ }],
};

const used = (calls: readonly { method: string; path: string }[], scope: string) =>
  calls.some((call) =>
    (HUBSPOT_ENDPOINTS[scope] ?? []).some(
      (e) => new RegExp(`^(${e.method})$`).test(call.method) && e.path.test(call.path.split('?')[0] ?? ''),
    ),
  );

describe('manifest.json scopes', () => {
  it('HubSpot: the consent URL asks for exactly the manifest required scopes', () => {
    expect([...DEFAULT_SCOPES].sort()).toEqual([...manifest.providers.hubspot.requiredScopes].sort());
  });

  it('HubSpot: every scope is needed by an endpoint a sync and an install call', async () => {
    const tenant = await startTenant(readScenario('bob-smith-two-communities'), {
      clientId: 'sim-client-id',
      clientSecret: 'sim-client-secret',
    });
    try {
      await tenant.connector.exchangeCode({
        code: tenant.simulator.issueCode(tenant.snapshot.children[0]?.id ?? ''),
        redirectUri: 'http://localhost/cb',
      });
      await tenant.run({ settings: { ...tenant.snapshot.settings, copyToCorporate: true } });
      const calls = tenant.simulator.calls.all();
      for (const scope of manifest.providers.hubspot.requiredScopes) {
        const endpoints = HUBSPOT_ENDPOINTS[scope];
        expect(endpoints, `no endpoint known for scope ${scope}`).toBeDefined();
        const used = calls.some((call) =>
          (endpoints ?? []).some(
            (e) => new RegExp(`^(${e.method})$`).test(call.method) && e.path.test(call.path),
          ),
        );
        expect(used, `scope ${scope} is requested but no call needs it`).toBe(true);
      }
    } finally {
      await tenant.close();
    }
  });

  it('HubSpot: the lists scopes are conditionally required, asked for only with segments, and each is used', async () => {
    expect([...SEGMENT_SCOPES].sort()).toEqual(
      [...manifest.providers.hubspot.conditionallyRequiredScopes].sort(),
    );
    const connector = hubspotConnector({ clientId: 'id' });
    const scopes = (segments: boolean) =>
      (
        new URL(
          connector.authorizeUrl({ state: 's', redirectUri: 'https://app.example/cb', segments }),
        ).searchParams.get('scope') ?? ''
      ).split(' ');
    expect(scopes(false).sort()).toEqual([...manifest.providers.hubspot.requiredScopes].sort());
    expect(scopes(true).sort()).toEqual(
      [
        ...manifest.providers.hubspot.requiredScopes,
        ...manifest.providers.hubspot.conditionallyRequiredScopes,
      ].sort(),
    );
    const tenant = await startTenant(readScenario('bob-smith-two-communities'));
    try {
      const specs = segmentSpecs(settingsSchema.parse({}));
      // Twice: the first run makes the lists, the second finds them by the ids the first reported.
      const ids = new Map<string, { key: 'shared' | 'primary' | 'secondary'; id: string; name: string }[]>();
      for (let i = 0; i < 2; i++)
        await tenant.run({
          segments: async (accountId, session) => {
            const report = await session.ensureSegments?.({
              specs,
              known: ids.get(accountId) ?? [],
              recreateMissing: false,
            });
            ids.set(accountId, report?.segments ?? []);
            return [];
          },
        });
      for (const scope of manifest.providers.hubspot.conditionallyRequiredScopes)
        expect(
          used(tenant.simulator.calls.all(), scope),
          `scope ${scope} is requested but no call needs it`,
        ).toBe(true);
    } finally {
      await tenant.close();
    }
  });

  it('Salesforce: the consent URL asks for exactly the External Client App scopes', () => {
    const url = new URL(
      salesforceConnector({ clientId: 'id', clientSecret: 'secret' }).authorizeUrl({
        state: 's',
        redirectUri: 'https://app.example/oauth/salesforce/callback',
      }),
    );
    expect((url.searchParams.get('scope') ?? '').split(' ').sort()).toEqual(
      [...manifest.providers.salesforce.externalClientApp.scopes].sort(),
    );
  });
});
