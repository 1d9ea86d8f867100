import { describe, expect, it } from 'vitest';
import { countConversions, joinPicklist, nameFields, splitPicklist, toContact } from './people.ts';
import { stagePipeline } from './stages.ts';

describe('field mapping', () => {
  it('maps a Contact row to the snapshot contact, tags labelled from the picklist', () => {
    const contact = toContact(
      {
        Id: '003A',
        FirstName: 'Bob',
        LastName: 'Smith',
        Email: 'bob@example.com',
        Phone: '(212) 555-0100',
        MobilePhone: null,
        CreatedDate: '2024-01-03T10:00:00.000+0000',
        Tags__c: 'engaging-in-101;tag-x',
      },
      'Tags__c',
      new Map([['engaging-in-101', 'engaging-in-Sunrise Oaks']]),
      { count: 2, first: '2024-01-05' },
    );
    expect(contact).toEqual({
      id: '003A',
      emails: ['bob@example.com'],
      phones: ['(212) 555-0100'],
      createdAt: '2024-01-03T10:00:00.000Z',
      conversions: 2,
      firstConversionAt: '2024-01-05T00:00:00.000Z',
      properties: { FirstName: 'Bob', LastName: 'Smith' },
      tags: ['engaging-in-Sunrise Oaks', 'tag-x'],
      tagValues: ['engaging-in-101', 'tag-x'],
    });
  });

  it('joins and splits multi-select picklist values with ;', () => {
    expect(joinPicklist(['a', 'b'])).toBe('a;b');
    expect(joinPicklist([])).toBeNull();
    expect(() => joinPicklist(['a;b'])).toThrow();
    expect(splitPicklist('a;b')).toEqual(['a', 'b']);
    expect(splitPicklist(null)).toEqual([]);
  });

  it('counts responded campaign members and keeps the earliest first response', () => {
    const counted = countConversions([
      { ContactId: 'c', LeadId: null, FirstRespondedDate: '2024-03-01' },
      { ContactId: 'c', LeadId: null, FirstRespondedDate: '2024-02-01' },
      { ContactId: null, LeadId: 'l', FirstRespondedDate: null },
    ]);
    expect(counted.get('c')).toEqual({ count: 2, first: '2024-02-01' });
    expect(counted.get('l')).toEqual({ count: 1, first: null });
  });

  it('names a new Contact from whatever the source has, with a clear placeholder LastName', () => {
    expect(nameFields({ firstname: 'Ann', lastname: 'Lee' })).toEqual({ FirstName: 'Ann', LastName: 'Lee' });
    expect(nameFields({ FirstName: 'Ann' }).LastName).toBe('(name unknown - Community Sync)');
  });
});

describe('stage ordering', () => {
  it('orders by SortOrder, marks won and lost, drops inactive stages nobody is in', () => {
    const row = (ApiName: string, SortOrder: number, IsClosed = false, IsWon = false, IsActive = true) => ({
      ApiName,
      MasterLabel: ApiName.toUpperCase(),
      SortOrder,
      IsClosed,
      IsWon,
      IsActive,
    });
    const pipeline = stagePipeline(
      [
        row('won', 9, true, true),
        row('tour', 2),
        row('old', 3, false, false, false),
        row('lost', 10, true),
        row('inq', 1),
        row('gone', 4, false, false, false),
      ],
      new Set(['old']),
    );
    expect(pipeline.stages.map((s) => [s.id, s.order, s.outcome])).toEqual([
      ['inq', 0, null],
      ['tour', 1, null],
      ['old', 2, null],
      ['won', 3, 'won'],
      ['lost', 4, 'lost'],
    ]);
  });
});
