import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StoredChangeEvent } from '../src/store/store.ts';
import { parseHubSpotEvents } from './hubspot.ts';
import { isEcho, recordChangesOf } from './hubspot-changes.ts';

const stored = (name: string): StoredChangeEvent[] =>
  parseHubSpotEvents(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')).map((e, i) => ({
    ...e,
    id: String(i + 1),
    receivedAt: new Date(),
  }));

const event = (overrides: Partial<StoredChangeEvent>): StoredChangeEvent => ({
  id: '1',
  provider: 'hubspot',
  accountId: '33',
  subscriptionId: '1',
  subscriptionType: 'contact.propertyChange',
  objectTypeId: null,
  objectId: '7',
  propertyName: null,
  propertyValue: null,
  mergedObjectIds: null,
  primaryObjectId: null,
  associatedObjectId: null,
  associatedTypeId: null,
  occurredAt: new Date(0),
  changeSource: 'CRM_UI',
  sourceId: 'userId:1',
  receivedAt: new Date(0),
  ...overrides,
});

describe('HubSpot events as record changes', () => {
  it('legacy types: changes read again, merges, deal associations, deletions and privacy deletions', () => {
    expect(recordChangesOf(stored('hubspot-legacy.json'))).toEqual([
      {
        accountId: '33',
        // Merged into 1246965 (which `merges` reads again), then given a deal: read again for that too.
        contacts: ['1246965'],
        deletedContacts: ['1246990'],
        merges: [{ primaryId: '1246965', mergedIds: ['1246978'] }],
        deals: ['5551'],
        deletedDeals: ['5552'],
      },
    ]);
  });

  it('generic types: contacts (0-1) and deals (0-3) only; other objects change nothing', () => {
    expect(recordChangesOf(stored('hubspot-generic.json'))).toEqual([
      {
        accountId: '33',
        contacts: ['301', '303', '304'],
        deletedContacts: ['302'],
        merges: [{ primaryId: '305', mergedIds: ['306', '307'] }],
        deals: ['401', '402'],
        deletedDeals: [],
      },
    ]);
  });

  it('the last event about a record decides: deleted then restored is read again; duplicates count once', () => {
    const changes = recordChangesOf([
      event({ subscriptionType: 'contact.deletion' }),
      event({ subscriptionType: 'contact.restore' }),
      event({ subscriptionType: 'contact.propertyChange', propertyName: 'email' }),
      event({ accountId: '34', subscriptionType: 'object.deletion', objectTypeId: '0-3', objectId: '9' }),
    ]);
    expect(changes.map((c) => [c.accountId, c.contacts, c.deletedContacts, c.deletedDeals])).toEqual([
      ['33', ['7'], [], []],
      ['34', [], [], ['9']],
    ]);
  });
});

describe("the app's own writes echoing back", () => {
  const filter = { appProperties: new Set(['community_sync_tags']), createdCopies: new Set(['corp/500']) };

  it("a change of the app's tag property is an echo, in any account", () => {
    expect(isEcho(event({ propertyName: 'community_sync_tags' }), filter)).toBe(true);
    expect(isEcho(event({ propertyName: 'email' }), filter)).toBe(false);
  });

  it('the creation of a copy the app made, and what the app set on it, are echoes; a person editing it is not', () => {
    const copy = { accountId: 'corp', objectId: '500' };
    expect(
      isEcho(event({ ...copy, subscriptionType: 'contact.creation', changeSource: 'INTEGRATION' }), filter),
    ).toBe(true);
    expect(isEcho(event({ ...copy, propertyName: 'email', changeSource: 'INTEGRATION' }), filter)).toBe(true);
    expect(isEcho(event({ ...copy, propertyName: 'email', changeSource: 'CRM_UI' }), filter)).toBe(false);
    expect(
      isEcho(event({ accountId: 'corp', objectId: '501', subscriptionType: 'contact.creation' }), filter),
    ).toBe(false);
  });
});
