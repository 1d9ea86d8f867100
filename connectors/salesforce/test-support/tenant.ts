import { parseSnapshot, type Snapshot, type SnapshotInput } from '../../../src/core/index.ts';
import type { RunAccount } from '../../../src/sync/run-once.ts';
import type { AccountConnection } from '../../connector.ts';
import { type SalesforceOptions, salesforceConnector } from '../index.ts';
import type { SalesforceSimulator } from '../simulator.ts';

// A small tenant for the integration tests: Bob in Sunrise Oaks and Maple Court (deal further in Sunrise Oaks),
// Carol in Sunrise Oaks and Cedar Hill by phone (with a corporate contact already), Dave only in Maple Court.

const PIPELINE = {
  id: 'p1',
  stages: [
    { id: 'Inquiry', label: 'Inquiry', order: 0 },
    { id: 'Tour', label: 'Tour completed', order: 1 },
    { id: 'Won', label: 'Moved in', order: 2, outcome: 'won' as const },
    { id: 'Lost', label: 'Lost', order: 3, outcome: 'lost' as const },
  ],
};

const at = (day: number) => `2024-01-${String(day).padStart(2, '0')}T10:00:00Z`;

export function tenantSnapshot(extra: Partial<SnapshotInput> = {}): Snapshot {
  return parseSnapshot({
    settings: { tags: ['multi-location'], copyToCorporate: true, defaultCountry: 'US' },
    children: [
      {
        id: '101',
        name: 'Sunrise Oaks',
        country: 'US',
        pipelines: [PIPELINE],
        contacts: [
          {
            id: 'b1',
            emails: ['bob@example.com'],
            createdAt: at(3),
            properties: { firstname: 'Bob', lastname: 'Smith' },
          },
          {
            id: 'c1',
            phones: ['(212) 555-0101'],
            createdAt: at(4),
            properties: { firstname: 'Carol', lastname: 'Jones' },
          },
        ],
        deals: [{ id: 'd1', pipelineId: 'p1', stageId: 'Tour', contactIds: ['b1'] }],
      },
      {
        id: '102',
        name: 'Maple Court',
        country: 'US',
        pipelines: [PIPELINE],
        contacts: [
          { id: 'b2', emails: ['Bob@Example.com'], createdAt: at(5), properties: { lastname: 'Smith' } },
          { id: 'd2', emails: ['dave@example.com'], createdAt: at(6), properties: { lastname: 'Brown' } },
        ],
        deals: [{ id: 'd2', pipelineId: 'p1', stageId: 'Inquiry', contactIds: ['b2', 'd2'] }],
      },
      {
        id: '103',
        name: 'Cedar Hill',
        country: 'US',
        pipelines: [PIPELINE],
        contacts: [
          {
            id: 'c3',
            phones: ['+1 212 555 0101'],
            createdAt: at(7),
            conversions: 2,
            firstConversionAt: at(8),
            properties: { lastname: 'Jones' },
          },
        ],
      },
    ],
    corporate: {
      id: '900',
      name: 'Acme Living',
      country: 'US',
      contacts: [{ id: 'k1', phones: ['212-555-0101'], createdAt: at(1), properties: { lastname: 'Jones' } }],
    },
    ...extra,
  });
}

export function connectionOf(
  simulator: SalesforceSimulator,
  account: { id: string; name: string },
  role: 'child' | 'corporate',
  oneOrg: boolean,
): AccountConnection {
  return {
    accountId: account.id,
    name: account.name,
    role,
    country: 'US',
    tokens: { accessToken: `sandbox-${account.id}`, refreshToken: `refresh-${account.id}`, expiresAt: null },
    // As exchangeCode stores them: the integration user's id saves an identity call.
    details: oneOrg
      ? {
          instanceUrl: simulator.url,
          layout: 'one-org',
          orgId: 'one-org',
          userId: simulator.org(account.id).userId,
        }
      : { instanceUrl: simulator.url, layout: 'org-per-account', userId: simulator.org(account.id).userId },
  };
}

export function runAccounts(
  simulator: SalesforceSimulator,
  snapshot: Snapshot,
  oneOrg: boolean,
  options: Partial<SalesforceOptions> = {},
): { children: RunAccount[]; corporate: RunAccount | null } {
  const connector = salesforceConnector({
    loginUrl: simulator.url,
    clientId: 'client',
    clientSecret: 'secret',
    sleep: async () => {},
    ...options,
  });
  return {
    children: snapshot.children.map((child) => ({
      connector,
      connection: connectionOf(simulator, child, 'child', oneOrg),
    })),
    corporate: snapshot.corporate
      ? { connector, connection: connectionOf(simulator, snapshot.corporate, 'corporate', oneOrg) }
      : null,
  };
}
