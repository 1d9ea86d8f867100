import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { clusterRecords } from './cluster.ts';
import { buildRecordTable } from './match-keys.ts';
import { PhoneReader } from './normalise.ts';
import type { MatchOn } from './settings.ts';
import type { ChildAccount } from './snapshot.ts';

/** Clusters as lists of `account:contact`. */
function clusters(children: ChildAccount[], matchOn: MatchOn, maxContactsPerKey = 5): string[][] {
  const table = buildRecordTable(children, 'US', maxContactsPerKey, new PhoneReader(), []);
  return clusterRecords(table, matchOn).map((records) =>
    records.map((r) => `${children[table.accountOf[r] as number]?.id}:${table.contactOf[r]?.id}`),
  );
}

const BOB_EMAIL = 'bob@example.com';
const BOB_PHONE = '(212) 555-0100';

// A shares only Bob's email with B, only his phone with C, and both with D.
const { children } = tenant({
  children: [
    account('A', [person('a', { emails: [BOB_EMAIL], phones: [BOB_PHONE] })]),
    account('B', [person('b', { emails: ['BOB@example.com'] })]),
    account('C', [person('c', { phones: ['+1 212 555 0100'] })]),
    account('D', [person('d', { emails: [BOB_EMAIL], phones: ['212.555.0100'] })]),
    account('E', [person('e', { emails: ['someone@else.com'], phones: ['(212) 555-0177'] })]),
  ],
});

describe('2.2 links for each matchOn', () => {
  it('email: records sharing an email key', () => {
    expect(clusters(children, 'email')).toEqual([['A:a', 'B:b', 'D:d']]);
  });

  it('phone: records sharing a phone key', () => {
    expect(clusters(children, 'phone')).toEqual([['A:a', 'C:c', 'D:d']]);
  });

  it('email_or_phone: either', () => {
    expect(clusters(children, 'email_or_phone')).toEqual([['A:a', 'B:b', 'C:c', 'D:d']]);
  });

  it('email_and_phone: an email key and also a phone key, shared by the same two records', () => {
    expect(clusters(children, 'email_and_phone')).toEqual([['A:a', 'D:d']]);
  });

  it('email_and_phone does not link records that share an email with one record and a phone with another', () => {
    const split = tenant({
      children: [
        account('A', [person('a', { emails: ['x@example.com', 'y@example.com'], phones: [BOB_PHONE] })]),
        account('B', [person('b', { emails: ['x@example.com'], phones: ['(212) 555-0177'] })]),
        account('C', [person('c', { emails: ['z@example.com'], phones: [BOB_PHONE] })]),
      ],
    });
    expect(clusters(split.children, 'email_and_phone')).toEqual([]);
  });
});

describe('2.2 clusters', () => {
  it('links are transitive: a chain of pairwise links is one cluster', () => {
    const chain = tenant({
      children: [
        account('A', [person('1', { emails: ['one@example.com'] })]),
        account('B', [person('2', { emails: ['one@example.com'], phones: [BOB_PHONE] })]),
        account('C', [person('3', { phones: [BOB_PHONE], emails: ['three@example.com'] })]),
        account('D', [person('4', { emails: ['three@example.com'] })]),
      ],
    });
    expect(clusters(chain.children, 'email_or_phone')).toEqual([['A:1', 'B:2', 'C:3', 'D:4']]);
    expect(clusters(chain.children, 'email')).toEqual([
      ['A:1', 'B:2'],
      ['C:3', 'D:4'],
    ]);
  });

  it('two records of one person in one account form a cluster (sharing is decided later)', () => {
    const dup = tenant({
      children: [account('A', [person('1', { emails: [BOB_EMAIL] }), person('2', { emails: [BOB_EMAIL] })])],
    });
    expect(clusters(dup.children, 'email')).toEqual([['A:1', 'A:2']]);
  });

  it('junk keys link nothing, whatever matchOn is', () => {
    const desk = Array.from({ length: 6 }, (_, i) => person(`d${i}`, { phones: [BOB_PHONE] }));
    const junk = tenant({
      children: [
        account('A', [...desk, person('x', { emails: ['x@example.com'], phones: [BOB_PHONE] })]),
        account('B', [person('y', { emails: ['x@example.com'], phones: [BOB_PHONE] })]),
      ],
    });
    for (const matchOn of ['phone', 'email_and_phone'] as const)
      expect(clusters(junk.children, matchOn)).toEqual([]);
    expect(clusters(junk.children, 'email_or_phone')).toEqual([['A:x', 'B:y']]);
  });

  it('records without keys are alone', () => {
    const empty = tenant({ children: [account('A', [person('1')]), account('B', [person('2')])] });
    expect(clusters(empty.children, 'email_or_phone')).toEqual([]);
  });
});
