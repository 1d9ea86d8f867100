import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { buildRecordTable, KeyReader } from './match-keys.ts';
import { PhoneReader } from './normalise.ts';
import type { Warning } from './plan-types.ts';
import type { ChildAccount, Contact } from './snapshot.ts';

function table(children: ChildAccount[], maxContactsPerKey = 5) {
  const warnings: Warning[] = [];
  const built = buildRecordTable(children, 'US', maxContactsPerKey, new PhoneReader(), warnings);
  const keysOf = (r: number) =>
    [built.emails, built.phones].flatMap(({ start, list }) =>
      Array.from(list.slice(start[r], start[r + 1]), (k) => built.keyText[k]),
    );
  const junkKeys = built.keyText.filter((_, k) => built.junk[k]);
  return { built, warnings, keysOf, junkKeys };
}

const frontDesk = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => person(`${prefix}${i}`, { phones: ['(212) 555-0199'] }));

describe('2.1 match keys of child records', () => {
  it('reads every email (additional ones too) and both phones, once each', () => {
    const { children } = tenant({
      children: [
        account('A', [
          person('1', {
            emails: ['Bob@Example.com', 'bob@example.com ', 'bob.work@example.org'],
            phones: ['(212) 555-0100', '+1 212 555 0100', '(212) 555-0101'],
          }),
        ]),
      ],
    });
    expect(table(children).keysOf(0)).toEqual([
      'bob@example.com',
      'bob.work@example.org',
      '+12125550100',
      '+12125550101',
    ]);
  });

  it('warns about values that are not keys, naming the account and contact, without the raw value', () => {
    const { children } = tenant({
      children: [
        account('A', [person('7', { emails: ['bob.smith(at)example.com', '  '], phones: ['555-0100', ''] })]),
      ],
    });
    const { warnings, keysOf } = table(children);
    expect(keysOf(0)).toEqual([]);
    expect(warnings.map((w) => [w.code, w.accountId, w.contactId])).toEqual([
      ['invalid-email', 'A', '7'],
      ['invalid-phone', 'A', '7'],
    ]);
    expect(warnings[0]?.detail).toContain('no "@"');
    expect(warnings.map((w) => w.detail).join(' ')).not.toMatch(/bob\.smith|555-0100/);
  });

  it('reads phones in the account country, else the default', () => {
    const { children } = tenant({
      children: [
        account('A', [person('1', { phones: ['020 7946 0958'] })], { country: 'GB' }),
        account('B', [person('2', { phones: ['020 7946 0958'] })], { country: null }),
      ],
    });
    const { keysOf, warnings } = table(children);
    expect(keysOf(0)).toEqual(['+442079460958']);
    expect(keysOf(1)).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(['invalid-phone']);
  });
});

describe('2.1 junk keys', () => {
  it('a key on exactly maxContactsPerKey contacts of one account is still a key', () => {
    const { children } = tenant({ children: [account('A', frontDesk(5, 'c'))] });
    const { junkKeys, warnings } = table(children);
    expect(junkKeys).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('a key on more contacts than that is junk, with a warning naming the account and the count', () => {
    const { children } = tenant({ children: [account('A', frontDesk(7, 'c'), { name: 'Sunrise Oaks' })] });
    const { junkKeys, warnings } = table(children);
    expect(junkKeys).toEqual(['+12125550199']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'junk-key', accountId: 'A' });
    expect(warnings[0]?.detail).toContain('7 contacts in Sunrise Oaks');
    expect(warnings[0]?.detail).not.toContain('555-0199');
  });

  it('counts distinct contacts inside one account, not values or accounts', () => {
    const twice = Array.from({ length: 5 }, (_, i) =>
      person(`c${i}`, { phones: ['(212) 555-0199', '212.555.0199'] }),
    );
    const { children } = tenant({
      children: [account('A', twice), account('B', frontDesk(5, 'b')), account('C', frontDesk(3, 'x'))],
    });
    expect(table(children).junkKeys).toEqual([]);
  });

  it('the threshold is the maxContactsPerKey setting', () => {
    const { children } = tenant({ children: [account('A', frontDesk(3, 'c'))] });
    expect(table(children, 2).junkKeys).toEqual(['+12125550199']);
    expect(table(children, 3).junkKeys).toEqual([]);
  });

  it('a key junk in one account is junk everywhere, and reported for each account where it is junk', () => {
    const { children } = tenant({
      children: [
        account('A', frontDesk(6, 'a')),
        account('B', frontDesk(1, 'b')),
        account('C', frontDesk(8, 'c')),
      ],
    });
    const { junkKeys, warnings } = table(children);
    expect(junkKeys).toEqual(['+12125550199']);
    expect(warnings.map((w) => [w.accountId, w.detail.match(/on (\d+) contacts/)?.[1]])).toEqual([
      ['A', '6'],
      ['C', '8'],
    ]);
  });
});

describe('2.1 a contact with very many emails', () => {
  // Each contact's keys are de-duplicated; this must stay linear in the number of values (a quadratic pass
  // took minutes here, past the test timeout).
  const COUNT = 200_000;
  const distinct = Array.from({ length: COUNT }, (_, i) => `guest${i}@example.com`);
  // Repeats (in other spellings too) both early in the list and after the last distinct email.
  const emails = [
    ...distinct.slice(0, 100),
    'GUEST0@example.com',
    'guest42@EXAMPLE.com',
    ...distinct.slice(100),
    ' guest199999@example.com',
    'guest0@example.com',
  ];
  const many = person('1', { emails });

  it('keeps each key once, in first-seen order, counted once for the contact and linked to other records', () => {
    const { children } = tenant({
      children: [account('A', [many]), account('B', [person('2', { emails: ['Guest199999@example.com'] })])],
    });
    const { built, keysOf, junkKeys, warnings } = table(children, 1);
    expect(keysOf(0)).toEqual(distinct);
    expect(keysOf(1)).toEqual(['guest199999@example.com']);
    // One key id for both records: that is what links them.
    expect(built.emails.list[built.emails.start[1] as number]).toBe(built.emails.list[COUNT - 1]);
    // With one contact allowed per key, a repeat counted twice would make that key junk.
    expect(junkKeys).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('a corporate or hashed record reads the same distinct keys', () => {
    const [contact] = tenant({ children: [account('A', [many])] }).children[0]?.contacts ?? [];
    const keys = new KeyReader('A', 'US', []).contact(contact as Contact);
    expect(keys).toEqual({ emails: distinct, phones: [] });
  });
});
