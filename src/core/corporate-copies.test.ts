import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { createPlan } from './plan.ts';
import type { CorporateCreate, CorporateUpdate } from './plan-types.ts';
import type { SnapshotInput } from './snapshot.ts';

type CorporateContact = NonNullable<NonNullable<SnapshotInput['corporate']>['contacts']>[number];
type ChildRecord = ReturnType<typeof person>;

const bob = { emails: ['bob@example.com'], phones: ['(212) 555-0100'] };
const ENGAGED = ['engaging-in-North-primary', 'engaging-in-South'];

function plan(corporateContacts: CorporateContact[], extra: Partial<SnapshotInput> = {}) {
  return createPlan(
    tenant({
      settings: { copyToCorporate: true },
      children: [
        account('A', [person('1', bob)], { name: 'North' }),
        account('B', [person('2', { emails: ['BOB@example.com'] })], { name: 'South' }),
      ],
      corporate: { id: 'corp', name: 'HQ', contacts: corporateContacts },
      ...extra,
    }),
  );
}

const updates = (actions: ReturnType<typeof plan>['corporate']) =>
  actions.filter((a): a is CorporateUpdate => a.action === 'update');

describe('2.5 finding the corporate copy', () => {
  it('by any key of the person, email or phone, whatever matchOn is', () => {
    const byPhone = plan([person('9', { phones: ['+1 212 555 0100'] })], {
      settings: { copyToCorporate: true, matchOn: 'email' },
    });
    expect(byPhone.corporate).toEqual([
      {
        action: 'update',
        sharedId: byPhone.shared[0]?.id,
        sharedIds: [byPhone.shared[0]?.id],
        contactId: '9',
        before: [],
        after: ENGAGED,
        afterValues: ['engaging-in-A-primary', 'engaging-in-B'],
      },
    ]);
  });

  it('the oldest of several, then the lowest id (numerically for numeric ids)', () => {
    const older = plan([
      person('5', { ...bob, createdAt: '2024-03-01T00:00:00Z' }),
      person('7', { emails: ['bob@example.com'], createdAt: '2023-03-01T00:00:00Z' }),
    ]);
    expect(updates(older.corporate).map((u) => u.contactId)).toEqual(['7']);
    const tie = plan([person('10', bob), person('9', bob)]);
    expect(updates(tie.corporate).map((u) => u.contactId)).toEqual(['9']);
  });

  it('an already-correct copy is not written', () => {
    expect(plan([person('9', { ...bob, tags: [...ENGAGED].reverse() })]).corporate).toEqual([]);
  });

  it('junk keys do not find corporate contacts', () => {
    const desk = Array.from({ length: 6 }, (_, i) => person(`d${i}`, { phones: ['(212) 555-0100'] }));
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [
          account('A', [person('1', bob), ...desk], { name: 'North' }),
          account('B', [person('2', { emails: ['bob@example.com'] })], { name: 'South' }),
        ],
        corporate: { id: 'corp', name: 'HQ', contacts: [person('9', { phones: ['(212) 555-0100'] })] },
      }),
    );
    expect(result.corporate.map((a) => a.action)).toEqual(['create']);
  });

  it('reads corporate phones in the corporate country', () => {
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [
          account('A', [person('1', { phones: ['020 7946 0958'] })], { country: 'GB' }),
          account('B', [person('2', { phones: ['+44 20 7946 0958'] })]),
        ],
        corporate: {
          id: 'corp',
          name: 'HQ',
          country: 'GB',
          contacts: [person('9', { phones: ['020 7946 0958'] })],
        },
      }),
    );
    expect(updates(result.corporate).map((u) => u.contactId)).toEqual(['9']);
  });
});

describe('2.5 creating the copy', () => {
  it("from the primary account's oldest record: its properties, first valid email and phone as written", () => {
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true, tags: ['multi-location'] },
        children: [
          account('A', [person('1', { emails: ['bob@example.com'] })], { name: 'North' }),
          account(
            'B',
            [
              person('2', {
                emails: ['not-an-email', ' Bob@Example.com'],
                phones: ['555-0100', '(212) 555-0100'],
                createdAt: '2023-01-01T00:00:00Z',
                properties: { firstname: 'Bob', lastname: 'Smith' },
              }),
              person('3', { emails: ['bob@example.com'], properties: { firstname: 'Robert' } }),
            ],
            { name: 'South', deals: [{ id: 'd', pipelineId: 'p1', stageId: 'dep', contactIds: ['3'] }] },
          ),
        ],
        corporate: { id: 'corp', name: 'HQ', contacts: [] },
      }),
    );
    const create = result.corporate[0] as CorporateCreate;
    expect(create).toMatchObject({
      action: 'create',
      sharedId: result.shared[0]?.id,
      from: { accountId: 'B', contactId: '2' },
      properties: { firstname: 'Bob', lastname: 'Smith' },
      email: 'Bob@Example.com',
      phone: '(212) 555-0100',
      after: ['engaging-in-North', 'engaging-in-South-primary', 'multi-location'],
    });
  });

  it('a copy takes a value that is not a junk key, so the next run can find it', () => {
    const desk = Array.from({ length: 6 }, (_, i) => person(`d${i}`, { emails: ['info@north.example'] }));
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [
          account('A', [person('1', { emails: ['info@north.example', 'bob@example.com'] }), ...desk]),
          account('B', [person('2', { emails: ['bob@example.com'] })]),
        ],
        corporate: { id: 'corp', name: 'HQ', contacts: [] },
      }),
    );
    expect((result.corporate[0] as CorporateCreate).email).toBe('bob@example.com');
  });

  /**
   * Two people, separate under matchOn phone, in North (records 1 and 2) and South (3 and 4): expects them to get one
   * new copy, which the next run finds for both, writing nothing. Returns that copy.
   */
  function oneCopyForTwo(north: ChildRecord[], south: ChildRecord[]): CorporateCreate {
    const snapshot = (corporateContacts: CorporateContact[]) =>
      tenant({
        settings: { copyToCorporate: true, matchOn: 'phone' },
        children: [account('A', north, { name: 'North' }), account('B', south, { name: 'South' })],
        corporate: { id: 'corp', name: 'HQ', contacts: corporateContacts },
      });
    const first = createPlan(snapshot([]));
    expect(first.shared).toHaveLength(2);
    const creates = first.corporate as CorporateCreate[];
    expect(creates).toHaveLength(1);
    const copy = creates[0] as CorporateCreate;
    expect(copy.sharedIds).toEqual(first.shared.map((s) => s.id).sort());
    const rerun = createPlan(
      snapshot([
        person('c1', {
          emails: copy.email ? [copy.email] : [],
          phones: copy.phone ? [copy.phone] : [],
          tags: copy.after,
          tagValues: copy.afterValues,
        }),
      ]),
    );
    expect(rerun.corporate).toEqual([]);
    return copy;
  }

  it('people separate under matchOn who would carry one email get one copy with the union of their tags', () => {
    const copy = oneCopyForTwo(
      [
        person('1', { emails: ['family@example.com'], phones: ['(212) 555-0101'] }),
        person('2', { emails: ['family@example.com'], phones: ['(212) 555-0102'] }),
      ],
      [
        person('3', { emails: ['x@example.com'], phones: ['(212) 555-0101'] }),
        person('4', { emails: ['y@example.com'], phones: ['(212) 555-0102'] }),
      ],
    );
    expect(copy.after).toEqual(['engaging-in-North-primary', 'engaging-in-South']);
  });

  it("a person who would find another's new copy by a key not written on its own goes in that copy", () => {
    // Two's record in South also carries One's email, which One's copy is written with.
    oneCopyForTwo(
      [
        person('1', { emails: ['one@example.com'], phones: ['(212) 555-0101'] }),
        person('2', { emails: ['two@example.com'], phones: ['(212) 555-0102'] }),
      ],
      [
        person('3', { emails: ['one@example.com'], phones: ['(212) 555-0101'] }),
        person('4', { emails: ['two@example.com', 'one@example.com'], phones: ['(212) 555-0102'] }),
      ],
    );
  });

  it('without a valid email or phone, the copy carries null', () => {
    const result = plan([], {
      settings: { copyToCorporate: true, matchOn: 'phone' },
      children: [
        account('A', [person('1', { phones: ['(212) 555-0100'], emails: ['nope'] })]),
        account('B', [person('2', { phones: ['(212) 555-0100'] })]),
      ],
    });
    expect(result.corporate[0]).toMatchObject({ action: 'create', email: null, phone: '(212) 555-0100' });
  });
});

describe('2.5 tags on corporate contacts', () => {
  it('a contact that no longer belongs to a shared person keeps its record and loses its app tags', () => {
    const result = plan([person('9', bob), person('50', { emails: ['gone@example.com'], tags: ENGAGED })]);
    expect(updates(result.corporate).map((u) => [u.contactId, u.sharedId, u.after])).toEqual([
      ['9', result.shared[0]?.id, ENGAGED],
      ['50', null, []],
    ]);
  });

  it('two shared people leading to one corporate contact give it the union of their tags', () => {
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true, matchOn: 'email' },
        children: [
          account(
            'A',
            [person('1', { emails: ['a@example.com'] }), person('3', { emails: ['c@example.com'] })],
            {
              name: 'North',
            },
          ),
          account('B', [person('2', { emails: ['a@example.com'] })], { name: 'South' }),
          account('C', [person('4', { emails: ['c@example.com'] })], { name: 'East' }),
        ],
        corporate: {
          id: 'corp',
          name: 'HQ',
          contacts: [person('9', { emails: ['a@example.com', 'c@example.com'] })],
        },
      }),
    );
    expect(result.shared).toHaveLength(2);
    const [update] = updates(result.corporate);
    expect(update?.after).toEqual(['engaging-in-East', 'engaging-in-North-primary', 'engaging-in-South']);
    expect(update?.sharedIds).toEqual(result.shared.map((s) => s.id).sort());
  });

  it('with copyToCorporate off, the corporate account is not touched', () => {
    const result = plan([person('50', { emails: ['gone@example.com'], tags: ENGAGED })], {
      settings: { copyToCorporate: false },
    });
    expect(result.corporate).toEqual([]);
  });

  it('account tags use display names verbatim and tell same-named accounts apart by value', () => {
    const result = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [
          account('A', [person('1', bob)], { name: 'Oak & Pine' }),
          account('B', [person('2', bob)], { name: 'Oak & Pine' }),
        ],
      }),
    );
    expect(result.corporate[0]).toMatchObject({
      after: ['engaging-in-Oak & Pine', 'engaging-in-Oak & Pine-primary'],
      afterValues: ['engaging-in-A-primary', 'engaging-in-B'],
    });
  });
});

describe('privacy deletions: suppressed keys', () => {
  it('a person carrying a suppressed key gets no new copy; the others still do', () => {
    const snapshot = {
      settings: { copyToCorporate: true },
      children: [
        account('A', [person('1', bob), person('3', { emails: ['ann@example.com'] })], { name: 'North' }),
        account(
          'B',
          [person('2', { emails: ['BOB@example.com'] }), person('4', { emails: ['ann@example.com'] })],
          {
            name: 'South',
          },
        ),
      ],
      corporate: { id: 'corp', name: 'HQ', contacts: [] },
    };
    const creates = (suppressed?: string[]) =>
      createPlan(tenant({ ...snapshot, ...(suppressed ? { suppressed } : {}) }))
        .corporate.filter((a): a is CorporateCreate => a.action === 'create')
        .map((a) => a.email);
    expect(creates()).toEqual(['bob@example.com', 'ann@example.com']);
    // Any of the person's keys suppresses it: Bob's phone here.
    expect(creates(['+12125550100'])).toEqual(['ann@example.com']);
    expect(creates(['ann@example.com', 'bob@example.com'])).toEqual([]);
  });

  it('keyed hashes work as keys do, and an existing copy keeps being tagged (the admin decides about it)', () => {
    const hashed = (id: string, key: string) => person(id, { keys: { emails: [key], phones: [] } });
    const plan = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [account('A', [hashed('1', 'h:bob')]), account('B', [hashed('2', 'h:bob')])],
        corporate: { id: 'corp', name: 'HQ', contacts: [hashed('9', 'h:bob')] },
        suppressed: ['h:bob'],
      }),
    );
    expect(plan.shared).toHaveLength(1);
    expect(plan.corporate.map((a) => [a.action, a.action === 'update' ? a.contactId : null])).toEqual([
      ['update', '9'],
    ]);
    const withoutCopy = createPlan(
      tenant({
        settings: { copyToCorporate: true },
        children: [account('A', [hashed('1', 'h:bob')]), account('B', [hashed('2', 'h:bob')])],
        corporate: { id: 'corp', name: 'HQ', contacts: [] },
        suppressed: ['h:bob'],
      }),
    );
    expect(withoutCopy.corporate).toEqual([]);
    // Child tags are not affected: the person is still shared.
    expect(withoutCopy.children).toHaveLength(2);
  });
});
