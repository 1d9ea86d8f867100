import { describe, expect, it } from 'vitest';
import { ContactMap, type SimContact } from './simulator-state.ts';

// The simulator's lookups by a unique value follow contacts as they are set, written and deleted.

const contact = (id: string, email: string | null): SimContact => ({
  id,
  properties: { email },
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  indexedProperties: null,
  searchSeesAt: 0,
});

describe('a portal’s contacts found by email', () => {
  it('finds the first holder, case-insensitively, and follows sets, writes and deletes', () => {
    const contacts = new ContactMap();
    contacts.set('1', contact('1', 'ann@example.com'));
    contacts.set('2', contact('2', 'ann@example.com'));
    expect(contacts.findBy('email', ' ANN@example.com')?.id).toBe('1');
    expect(contacts.findBy('email', 'bob@example.com')).toBeUndefined();

    contacts.set('3', contact('3', 'bob@example.com'));
    expect(contacts.findBy('email', 'bob@example.com')?.id).toBe('3');
    const ann = contacts.get('1') as SimContact;
    ann.properties.email = 'anne@example.com';
    contacts.reindex(ann);
    expect(contacts.findBy('email', 'ann@example.com')?.id).toBe('2');
    expect(contacts.findBy('email', 'anne@example.com')?.id).toBe('1');
    contacts.delete('2');
    expect(contacts.findBy('email', 'ann@example.com')).toBeUndefined();
    contacts.set('3', contact('3', null));
    expect(contacts.findBy('email', 'bob@example.com')).toBeUndefined();
  });
});
