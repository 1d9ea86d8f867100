import { describe, expect, it } from 'vitest';
import { heldReason, MASS_CHANGE_MIN, massChanges } from './mass-change.ts';
import type { ChildTagChange, CorporateUpdate } from './plan-types.ts';

const records = (tagged: number, untagged = 0) => [
  ...Array.from({ length: tagged }, () => ({ tags: ['secondary-shared-contact'] })),
  ...Array.from({ length: untagged }, () => ({ tags: [] as string[] })),
];
const untag = (accountId: string, n: number): ChildTagChange[] =>
  Array.from({ length: n }, (_, i) => ({
    accountId,
    contactId: `${accountId}${i}`,
    sharedId: null,
    before: ['secondary-shared-contact'],
    after: [],
    afterValues: [],
  }));
const clear = (n: number): CorporateUpdate[] =>
  Array.from({ length: n }, (_, i) => ({
    action: 'update',
    sharedId: null,
    sharedIds: [],
    contactId: `c${i}`,
    before: ['engaging-in-A'],
    after: [],
    afterValues: [],
  }));

describe('the mass-change guard', () => {
  it('holds when more than 20% of an account tagged records would lose their tags', () => {
    const children = [
      { id: 'a', name: 'Oaks', contacts: records(40, 100) },
      { id: 'b', name: 'Maple', contacts: records(40) },
    ];
    const found = massChanges(
      { children, corporate: null },
      { children: [...untag('a', 9), ...untag('b', 8)], corporate: [] },
    );
    expect(found).toEqual([{ accountId: 'a', name: 'Oaks', role: 'child', removing: 9, tagged: 40 }]);
    expect(heldReason(found)).toContain('Oaks: 9 of 40 tagged records');
  });

  it('changes between tags (primary to secondary) are not removals', () => {
    const change: ChildTagChange = {
      ...(untag('a', 1)[0] as ChildTagChange),
      after: ['primary-shared-contact'],
    };
    const many = Array.from({ length: 10 }, (_, i) => ({ ...change, contactId: `x${i}` }));
    expect(
      massChanges(
        { children: [{ id: 'a', name: 'A', contacts: records(10) }], corporate: null },
        { children: many, corporate: [] },
      ),
    ).toEqual([]);
  });

  it(`never holds fewer than ${MASS_CHANGE_MIN} removals, whatever their share`, () => {
    const small = { children: [{ id: 'a', name: 'A', contacts: records(3) }], corporate: null };
    expect(massChanges(small, { children: untag('a', 3), corporate: [] })).toEqual([]);
    const five = { children: [{ id: 'a', name: 'A', contacts: records(5) }], corporate: null };
    expect(massChanges(five, { children: untag('a', 5), corporate: [] })).toHaveLength(1);
  });

  it('holds when more than 20% of the corporate copies would be cleared', () => {
    const corporate = { id: 'corp', name: 'HQ', contacts: records(20) };
    expect(massChanges({ children: [], corporate }, { children: [], corporate: clear(4) })).toEqual([]);
    expect(massChanges({ children: [], corporate }, { children: [], corporate: clear(5) })).toEqual([
      { accountId: 'corp', name: 'HQ', role: 'corporate', removing: 5, tagged: 20 },
    ]);
  });
});
