import { type Contact, parseSnapshot, type Snapshot, type SnapshotInput } from '../../src/core/snapshot.ts';

// Small, readable snapshots for rule tests: only what a test is about is written out.

type ContactInput = NonNullable<SnapshotInput['children'][number]['contacts']>[number];
type ChildInput = SnapshotInput['children'][number];

export const PIPELINE = {
  id: 'p1',
  stages: [
    { id: 'inq', label: 'Inquiry', order: 0 },
    { id: 'tour', label: 'Tour scheduled', order: 1 },
    { id: 'toured', label: 'Tour completed', order: 2 },
    { id: 'dep', label: 'Deposit', order: 3 },
    { id: 'won', label: 'Moved in', order: 4, outcome: 'won' as const },
    { id: 'lost', label: 'Lost', order: 5, outcome: 'lost' as const },
  ],
};

export function person(id: string, fields: Partial<ContactInput> = {}): ContactInput {
  return { id, createdAt: '2024-01-01T00:00:00Z', ...fields };
}

export function account(id: string, contacts: ContactInput[], fields: Partial<ChildInput> = {}): ChildInput {
  return { id, name: `Account ${id}`, country: 'US', pipelines: [PIPELINE], contacts, deals: [], ...fields };
}

export function tenant(input: Partial<SnapshotInput> & { children: ChildInput[] }): Snapshot {
  return parseSnapshot(input);
}

/** A record as the store keeps it: no raw email or phone, its keys as (already hashed) `keys`. */
export const storedRecord = (id: string, emailKeys: string[], phoneKeys: string[] = []): Contact => ({
  id,
  emails: [],
  phones: [],
  createdAt: '2024-01-01T00:00:00.000Z',
  conversions: 0,
  firstConversionAt: null,
  properties: {},
  tags: [],
  keys: { emails: emailKeys, phones: phoneKeys },
});
