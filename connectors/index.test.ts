import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/app/config.ts';
import { configuredConnectors } from './index.ts';

const real = { APP_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://sync.example.com' };

describe('the providers a deployment serves', () => {
  it('are the ones with credentials; a tenant may mix them', () => {
    const both = configuredConnectors(
      loadConfig({
        ...real,
        HUBSPOT_CLIENT_ID: 'h',
        HUBSPOT_CLIENT_SECRET: 'hs',
        SALESFORCE_CLIENT_ID: 's',
        SALESFORCE_CLIENT_SECRET: 'ss',
        SALESFORCE_LOGIN_URL: 'https://test.salesforce.com',
      }),
    );
    expect(Object.keys(both).sort()).toEqual(['hubspot', 'salesforce']);
    const consent = new URL(both.salesforce?.authorizeUrl({ state: 's', redirectUri: 'https://x/cb' }) ?? '');
    expect(consent.origin).toBe('https://test.salesforce.com');
    const hubspotOnly = configuredConnectors(
      loadConfig({ ...real, HUBSPOT_CLIENT_ID: 'h', HUBSPOT_CLIENT_SECRET: 'hs' }),
    );
    expect(Object.keys(hubspotOnly)).toEqual(['hubspot']);
    expect(
      new URL(hubspotOnly.hubspot?.authorizeUrl({ state: 's', redirectUri: 'https://x/cb' }) ?? '').origin,
    ).toBe('https://app.hubspot.com');
  });
});
