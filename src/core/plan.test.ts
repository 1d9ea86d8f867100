import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { createPlan } from './plan.ts';
import type { Snapshot } from './snapshot.ts';

const bob = { emails: ['bob@example.com'] };

describe('2.2 who is shared', () => {
  it('a cluster is shared when its records sit in two or more child accounts', () => {
    const plan = createPlan(
      tenant({ children: [account('A', [person('1', bob)]), account('B', [person('2', bob)])] }),
    );
    expect(plan.shared.map((s) => s.members)).toEqual([
      [
        { accountId: 'A', contactId: '1' },
        { accountId: 'B', contactId: '2' },
      ],
    ]);
  });

  it('two records of one person in one child account are not shared, and are not tagged', () => {
    const plan = createPlan(
      tenant({ children: [account('A', [person('1', bob), person('2', bob)]), account('B', [])] }),
    );
    expect(plan.shared).toEqual([]);
    expect(plan.children).toEqual([]);
  });

  it('every record of a shared person is a member, duplicates in one account included', () => {
    const plan = createPlan(
      tenant({
        children: [account('A', [person('1', bob), person('2', bob)]), account('B', [person('3', bob)])],
      }),
    );
    expect(plan.shared[0]?.members.map((m) => `${m.accountId}:${m.contactId}`)).toEqual([
      'A:1',
      'A:2',
      'B:3',
    ]);
    expect(plan.children.map((c) => [c.contactId, c.after])).toEqual([
      ['1', ['primary-shared-contact']],
      ['2', ['primary-shared-contact']],
      ['3', ['secondary-shared-contact']],
    ]);
  });

  it('corporate contacts never count towards sharing', () => {
    const plan = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [account('A', [person('1', bob)])],
        corporate: { id: 'corp', name: 'HQ', contacts: [person('9', bob)] },
      }),
    );
    expect(plan.shared).toEqual([]);
    expect(plan.corporate).toEqual([]);
  });

  describe('a cluster larger than maxClusterSize is not one person', () => {
    // A chain through one household number: each record shares the phone with the next one.
    const chain = (records: number) =>
      Array.from({ length: records }, (_, i) =>
        account(`A${i}`, [
          person(`c${i}`, {
            emails: [`p${i}@example.com`, `p${i + 1}@example.com`],
            tags: ['secondary-shared-contact'],
          }),
        ]),
      );

    it('over the limit: no record is tagged for it and each account gets a warning', () => {
      const plan = createPlan(tenant({ settings: { maxClusterSize: 4 }, children: chain(5) }));
      expect(plan.shared).toEqual([]);
      expect(plan.children.map((c) => c.after)).toEqual([[], [], [], [], []]);
      expect(plan.warnings.map((w) => [w.code, w.accountId])).toEqual(
        ['A0', 'A1', 'A2', 'A3', 'A4'].map((id) => ['oversized-cluster', id]),
      );
    });

    it('at the limit: one person', () => {
      const plan = createPlan(tenant({ settings: { maxClusterSize: 5 }, children: chain(5) }));
      expect(plan.shared).toHaveLength(1);
      expect(plan.warnings).toEqual([]);
    });

    it('the default limit is 25 records', () => {
      expect(createPlan(tenant({ children: chain(25) })).shared).toHaveLength(1);
      expect(createPlan(tenant({ children: chain(26) })).shared).toHaveLength(0);
    });
  });
});

describe('2.3 an account with several records of the person', () => {
  const deal = (id: string, stageId: string, contactIds: string[]) => ({
    id,
    pipelineId: 'p1',
    stageId,
    contactIds,
  });

  it('its deal stage is the best of its records', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', bob)], { deals: [deal('d1', 'dep', ['1'])] }),
          account('B', [person('2', bob), person('3', bob)], {
            deals: [deal('d2', 'inq', ['2']), deal('d3', 'won', ['3']), deal('d4', 'lost', ['2'])],
          }),
        ],
      }),
    );
    expect([plan.shared[0]?.primaryAccountId, plan.shared[0]?.reason]).toEqual(['B', 'deal-stage']);
    expect(plan.shared[0]?.explanation).toBe(
      "Account B is primary: its deal is at 'Moved in' (5 of 5), Account A's at 'Deposit' (4 of 5)",
    );
  });

  it('its conversions are the sum of its records', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', { ...bob, conversions: 3 })]),
          account('B', [person('2', { ...bob, conversions: 2 }), person('3', { ...bob, conversions: 2 })]),
        ],
      }),
    );
    expect([plan.shared[0]?.primaryAccountId, plan.shared[0]?.reason]).toEqual(['B', 'conversions']);
  });

  it('its first conversion and creation time are the earliest of its records', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', { ...bob, createdAt: '2024-02-01T00:00:00Z' })]),
          account('B', [
            person('2', { ...bob, createdAt: '2024-03-01T00:00:00Z' }),
            person('3', { ...bob, createdAt: '2024-01-15T00:00:00Z' }),
          ]),
        ],
      }),
    );
    expect([plan.shared[0]?.primaryAccountId, plan.shared[0]?.reason]).toEqual(['B', 'created']);
  });

  it('a deal on a lost stage is no deal; an unknown stage is no deal and a warning', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', bob)], { deals: [deal('d1', 'lost', ['1'])] }),
          account('B', [person('2', bob)], { deals: [deal('d2', 'gone', ['2'])] }),
        ],
      }),
    );
    expect([plan.shared[0]?.primaryAccountId, plan.shared[0]?.reason]).toEqual(['A', 'order']);
    expect(plan.warnings.map((w) => [w.code, w.accountId, w.contactId])).toEqual([
      ['unknown-stage', 'B', '2'],
    ]);
    expect(plan.warnings[0]?.detail).toContain('deal d2');
  });
});

describe('determinism', () => {
  const build = (reverse: boolean): Snapshot => {
    const flip = <T>(list: T[]) => (reverse ? [...list].reverse() : list);
    return tenant({
      settings: { copyToCorporate: true, tags: ['vip'] },
      children: [
        account(
          'A',
          flip([
            person('1', { emails: ['x@example.com'], phones: ['(212) 555-0100'] }),
            person('2', { emails: ['y@example.com', 'bad'] }),
            person('3', { phones: ['(212) 555-0100'] }),
          ]),
          {
            deals: flip([
              { id: 'd1', pipelineId: 'p1', stageId: 'tour', contactIds: ['1'] },
              { id: 'd2', pipelineId: 'p1', stageId: 'nope', contactIds: ['2'] },
            ]),
          },
        ),
        account(
          'B',
          flip([person('4', { emails: ['Y@example.com'] }), person('5', { emails: ['x@example.com'] })]),
        ),
      ],
      corporate: {
        id: 'corp',
        name: 'HQ',
        contacts: flip([person('8', { emails: ['y@example.com'] }), person('9')]),
      },
    });
  };

  it('the same snapshot gives the same plan whatever the order of contacts and deals', () => {
    expect(createPlan(build(true))).toEqual(createPlan(build(false)));
  });

  it("a person's id is stable while its members stay the same, and changes when they change", () => {
    const first = createPlan(build(false)).shared.map((s) => s.id);
    const again = createPlan(build(true)).shared.map((s) => s.id);
    expect(again).toEqual(first);
    const grown = build(false);
    grown.children[1]?.contacts.push({
      ...(grown.children[1]?.contacts[0] as Snapshot['children'][0]['contacts'][0]),
      id: '6',
    });
    const ids = createPlan(grown).shared.map((s) => s.id);
    expect(ids).not.toEqual(first);
    expect(ids.filter((id) => first.includes(id))).toHaveLength(first.length - 1);
  });

  it('an account moving in the connection order keeps its people’s ids', () => {
    const snapshot = build(false);
    const reordered = { ...snapshot, children: [...snapshot.children].reverse() };
    expect(
      createPlan(reordered)
        .shared.map((s) => s.id)
        .sort(),
    ).toEqual(
      createPlan(snapshot)
        .shared.map((s) => s.id)
        .sort(),
    );
  });
});

describe('2.7 planning from stored keys', () => {
  it('contacts carrying already-normalised keys match on them, in their own email and phone columns', () => {
    const hashed = (emails: string[], phones: string[]) => ({
      emails: [],
      phones: [],
      keys: { emails, phones },
    });
    const snapshot = (matchOn: 'email' | 'phone') =>
      tenant({
        settings: { matchOn },
        children: [
          account('A', [person('1', hashed(['h:e1'], ['h:p1'])), person('2', hashed(['h:e2'], []))]),
          account('B', [person('3', hashed(['h:e1'], [])), person('4', hashed([], ['h:e2']))]),
        ],
      });
    const byEmail = createPlan(snapshot('email'));
    expect(byEmail.shared.map((s) => s.members.map((m) => m.contactId))).toEqual([['1', '3']]);
    // 'h:e2' is a phone key on record 4, so it does not link to record 2's email key.
    const byPhone = createPlan(snapshot('phone'));
    expect(byPhone.shared).toEqual([]);
    expect(byEmail.warnings).toEqual([]);
  });
});

describe('a plan of some records (targeted resync)', () => {
  const hashed = (key: string) => `h:${key}`;
  const keyed = (id: string, emails: string[], phones: string[] = []) =>
    person(id, { keys: { emails: emails.map(hashed), phones: phones.map(hashed) } });

  it('keys known to be junk elsewhere in the account link nothing, though few records here carry them', () => {
    const snapshot = tenant({
      children: [
        account('A', [keyed('1', ['info@example.com'])]),
        account('B', [keyed('2', ['info@example.com'])]),
      ],
    });
    expect(createPlan(snapshot).shared).toHaveLength(1);
    expect(createPlan(snapshot, { junkKeys: new Set([hashed('info@example.com')]) }).shared).toEqual([]);
  });

  it('a copy made from a record with hashed keys skips its junk email, as it does with raw keys', () => {
    const source = person('1', {
      emails: ['info@example.com', 'bob@example.com'],
      phones: ['(212) 555-0100'],
      keys: {
        emails: [hashed('info@example.com'), hashed('bob@example.com')],
        phones: [hashed('+12125550100')],
      },
    });
    const snapshot = tenant({
      settings: { copyToCorporate: true },
      children: [account('A', [source]), account('B', [keyed('2', [], ['+12125550100'])])],
      corporate: { id: 'corp', name: 'HQ', contacts: [] },
    });
    const create = (storedKey?: (key: string) => string) =>
      createPlan(snapshot, {
        junkKeys: new Set([hashed('info@example.com')]),
        ...(storedKey ? { storedKey } : {}),
      }).corporate[0];
    expect(create(hashed)).toMatchObject({ action: 'create', email: 'bob@example.com' });
    // Without knowing how keys are stored, the junk email cannot be recognised.
    expect(create()).toMatchObject({ action: 'create', email: 'info@example.com' });
  });
});
