import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { removalPlan } from './removal-plan.ts';
import { SECONDARY_TAG as SECONDARY } from './tags.ts';

describe('removing everything the app wrote', () => {
  it('clears the tags of every tagged record, children and corporate, and of no other', () => {
    const plan = removalPlan(
      tenant({
        children: [
          account('a', [person('a1', { tags: [SECONDARY, 'vip'] }), person('a2')]),
          account('b', [person('b1', { tags: [], tagValues: ['stale-value'] })]),
        ],
        corporate: {
          id: 'corp',
          name: 'HQ',
          contacts: [person('c1', { tags: ['engaging-in-A'] }), person('c2')],
        },
      }),
    );
    expect(plan.children).toEqual([
      {
        accountId: 'a',
        contactId: 'a1',
        sharedId: null,
        before: [SECONDARY, 'vip'],
        after: [],
        afterValues: [],
      },
      { accountId: 'b', contactId: 'b1', sharedId: null, before: [], after: [], afterValues: [] },
    ]);
    expect(plan.corporate).toEqual([
      {
        action: 'update',
        sharedId: null,
        sharedIds: [],
        contactId: 'c1',
        before: ['engaging-in-A'],
        after: [],
        afterValues: [],
      },
    ]);
  });

  it('plans nothing for an account with no tags', () => {
    const plan = removalPlan(tenant({ children: [account('a', [person('a1', { tags: [] })])] }));
    expect(plan.children).toEqual([]);
    expect(plan.corporate).toEqual([]);
  });
});
