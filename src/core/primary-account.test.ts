import { describe, expect, it } from 'vitest';
import { type AccountStanding, choosePrimary, dealWord } from './primary-account.ts';

const JAN = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

function standing(order: number, name: string, fields: Partial<AccountStanding> = {}): AccountStanding {
  return {
    order,
    accountId: `id-${name}`,
    name,
    deal: null,
    conversions: 0,
    firstConversionAt: null,
    createdAt: JAN,
    ...fields,
  };
}

const stage = (label: string, position: number, of: number) => ({ label, position, of });

describe('2.3 the primary account', () => {
  it('rule 1: the highest deal stage wins, and the sentence names both stages', () => {
    const decision = choosePrimary([
      standing(0, 'Maple Court', { deal: stage('Inquiry', 0, 6), conversions: 9 }),
      standing(1, 'Sunrise Oaks', { deal: stage('Tour completed', 3, 6) }),
    ]);
    expect(decision.primary.name).toBe('Sunrise Oaks');
    expect(decision.reason).toBe('deal-stage');
    expect(decision.explanation).toBe(
      "Sunrise Oaks is primary: its deal is at 'Tour completed' (4 of 6), Maple Court's at 'Inquiry' (1 of 6)",
    );
  });

  it('rule 1: any deal beats none', () => {
    const decision = choosePrimary([
      standing(0, 'North', { conversions: 5 }),
      standing(1, 'South', { deal: stage('Inquiry', 0, 4) }),
    ]);
    expect([decision.primary.name, decision.reason]).toEqual(['South', 'deal-stage']);
    expect(decision.explanation).toContain('North has no open deal');
  });

  it("rule 1 in Senior Living mode: the sentence says prospect, the mode's word, never deal", () => {
    const decision = choosePrimary(
      [standing(0, 'North', { conversions: 5 }), standing(1, 'South', { deal: stage('Tour', 1, 4) })],
      dealWord('senior-living'),
    );
    expect(decision.explanation).toBe(
      "South is primary: its prospect is at 'Tour' (2 of 4), North has no open prospect",
    );
    expect(dealWord('b2b-b2c')).toBe('deal');
  });

  it('rule 2: with equal stages, more conversions win', () => {
    const decision = choosePrimary([
      standing(0, 'North', { deal: stage('A', 1, 3), conversions: 2 }),
      standing(1, 'South', { deal: stage('B', 2, 5), conversions: 7 }),
    ]);
    expect([decision.primary.name, decision.reason]).toEqual(['South', 'conversions']);
    expect(decision.explanation).toBe('South is primary: it has 7 conversions, North 2');
  });

  it('rule 3: then the earliest first conversion; having one beats none', () => {
    const decision = choosePrimary([
      standing(0, 'North', { conversions: 1, firstConversionAt: JAN + 5 * DAY }),
      standing(1, 'South', { conversions: 1, firstConversionAt: JAN + 2 * DAY }),
      standing(2, 'East', { conversions: 1 }),
    ]);
    expect([decision.primary.name, decision.reason]).toEqual(['South', 'first-conversion']);
    expect(decision.explanation).toBe(
      'South is primary: it converted first, on 2024-01-03, North on 2024-01-06, East never',
    );
    const none = choosePrimary([
      standing(0, 'North'),
      standing(1, 'South', { firstConversionAt: JAN + 300 * DAY }),
    ]);
    expect([none.primary.name, none.reason]).toEqual(['South', 'first-conversion']);
  });

  it('rule 4: then the record created first, to the time when the day is the same', () => {
    const decision = choosePrimary([
      standing(0, 'North', { createdAt: JAN + 10 * 3_600_000 }),
      standing(1, 'South', { createdAt: JAN + 9 * 3_600_000 }),
    ]);
    expect([decision.primary.name, decision.reason]).toEqual(['South', 'created']);
    expect(decision.explanation).toBe(
      "South is primary: its record was created first, on 2024-01-01 09:00 UTC, North's on 2024-01-01 10:00 UTC",
    );
  });

  it('rule 5: otherwise the account connected first', () => {
    const decision = choosePrimary([standing(2, 'Late'), standing(1, 'Early'), standing(3, 'Later')]);
    expect([decision.primary.name, decision.reason]).toEqual(['Early', 'order']);
    expect(decision.explanation).toContain('connected before Late, Later');
  });

  it('each rule keeps only the best accounts: a later rule never revives an account an earlier rule dropped', () => {
    const decision = choosePrimary([
      standing(0, 'A', { deal: stage('x', 2, 3), conversions: 1 }),
      standing(1, 'B', { deal: stage('x', 2, 3), conversions: 4 }),
      standing(2, 'C', { deal: stage('x', 1, 3), conversions: 99 }),
    ]);
    expect([decision.primary.name, decision.reason]).toEqual(['B', 'conversions']);
    expect(decision.explanation).toBe('B is primary: it has 4 conversions, A 1');
  });

  it('does not depend on the order the accounts are given in', () => {
    const accounts = [
      standing(0, 'A', { conversions: 3 }),
      standing(1, 'B', { conversions: 3, firstConversionAt: JAN }),
      standing(2, 'C', { conversions: 1 }),
    ];
    const names = [accounts, [...accounts].reverse()].map((list) => choosePrimary(list).primary.name);
    expect(names).toEqual(['B', 'B']);
  });
});
