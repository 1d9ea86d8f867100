import { describe, expect, it } from 'vitest';
import type { AccountConnection } from './connector.ts';
import { hubspotConnector } from './hubspot/index.ts';
import { salesforceConnector } from './salesforce/index.ts';

// Where the admin page links each member of a shared person.

const connection = (accountId: string, details: AccountConnection['details'] = {}): AccountConnection => ({
  accountId,
  name: 'North',
  role: 'child',
  country: null,
  tokens: { accessToken: 'a', refreshToken: null, expiresAt: null },
  details,
});

describe('record URLs', () => {
  it("HubSpot: the contact's page in its portal", () => {
    expect(hubspotConnector().recordUrl(connection('20002'), '151')).toBe(
      'https://app.hubspot.com/contacts/20002/record/0-1/151',
    );
  });

  it("Salesforce: the record's Lightning page on the org's instance, Lead or Contact by id prefix", () => {
    const org = connection('00D000000000001', { instanceUrl: 'https://acme.my.salesforce.com/' });
    const connector = salesforceConnector();
    expect(connector.recordUrl(org, '003000000000001AAA')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Contact/003000000000001AAA/view',
    );
    expect(connector.recordUrl(org, '00Q000000000001AAA')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view',
    );
  });
});
