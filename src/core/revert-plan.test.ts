import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { revertPlan } from './revert-plan.ts';
import { engagingTag, PRIMARY_TAG as PRIMARY, SECONDARY_TAG as SECONDARY, userTag } from './tags.ts';

const vip = userTag('vip');
const accounts = [
  { id: 'a', name: 'Oaks' },
  { id: 'b', name: 'Maple' },
];

describe('reverting a run', () => {
  it('gives each record its before tags back, with the option values the CRM stores', () => {
    const snapshot = tenant({
      settings: { tags: ['vip'] },
      children: [
        account('a', [
          person('a1', { tags: ['vip', PRIMARY], tagValues: [vip.value, PRIMARY] }),
          person('a2', { tags: [SECONDARY] }),
        ]),
      ],
    });
    const plan = revertPlan(
      snapshot,
      [
        { accountId: 'a', recordId: 'a1', action: 'tag', before: [SECONDARY], after: [PRIMARY, 'vip'] },
        { accountId: 'a', recordId: 'a2', action: 'tag', before: [], after: [SECONDARY] },
      ],
      { accounts },
    );
    expect(plan.children).toEqual([
      {
        accountId: 'a',
        contactId: 'a1',
        sharedId: null,
        before: [PRIMARY, 'vip'],
        after: [SECONDARY],
        afterValues: [SECONDARY],
      },
      { accountId: 'a', contactId: 'a2', sharedId: null, before: [SECONDARY], after: [], afterValues: [] },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('restores a user tag removed from the settings since, and an engaging-in tag by its account id', () => {
    const oaks = engagingTag(accounts[0] as { id: string; name: string }, true);
    const snapshot = tenant({
      children: [account('a', [])],
      corporate: { id: 'corp', name: 'HQ', contacts: [person('c1', { tags: [] })] },
    });
    const plan = revertPlan(
      snapshot,
      [
        {
          accountId: 'corp',
          recordId: 'c1',
          action: 'update-copy',
          before: ['old tag', oaks.label],
          after: [],
        },
      ],
      { accounts },
    );
    expect(plan.corporate).toEqual([
      {
        action: 'update',
        sharedId: null,
        sharedIds: [],
        contactId: 'c1',
        before: [],
        after: ['engaging-in-Oaks-primary', 'old tag'].sort(),
        afterValues: [oaks.value, userTag('old tag').value].sort(),
      },
    ]);
    expect(plan.tagOptions).toContainEqual(userTag('old tag'));
  });

  it('leaves a record changed since the run, or gone, and says so; one already as before needs no write', () => {
    const snapshot = tenant({
      children: [account('a', [person('a1', { tags: [PRIMARY] }), person('a2', { tags: [] })])],
    });
    const plan = revertPlan(
      snapshot,
      [
        { accountId: 'a', recordId: 'a1', action: 'tag', before: [], after: [SECONDARY] },
        { accountId: 'a', recordId: 'a2', action: 'tag', before: [], after: [SECONDARY] },
        { accountId: 'a', recordId: 'gone', action: 'tag', before: [], after: [SECONDARY] },
        { accountId: 'unread', recordId: 'x', action: 'tag', before: [], after: [SECONDARY] },
      ],
      { accounts },
    );
    expect(plan.children).toEqual([]);
    expect(plan.warnings.map((w) => [w.code, w.contactId])).toEqual([
      ['not-reverted', 'a1'],
      ['not-reverted', 'gone'],
    ]);
  });

  it('does not guess an engaging-in tag whose account was renamed since', () => {
    const snapshot = tenant({
      children: [account('a', [])],
      corporate: { id: 'corp', name: 'HQ', contacts: [person('c1', { tags: ['engaging-in-Oaks'] })] },
    });
    const plan = revertPlan(
      snapshot,
      [
        {
          accountId: 'corp',
          recordId: 'c1',
          action: 'update-copy',
          before: ['engaging-in-Old Name'],
          after: ['engaging-in-Oaks'],
        },
      ],
      { accounts },
    );
    expect(plan.corporate).toEqual([]);
    expect(plan.warnings).toHaveLength(1);
  });
});
