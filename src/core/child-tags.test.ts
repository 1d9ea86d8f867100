import { describe, expect, it } from 'vitest';
import { account, person, tenant } from '../../test/support/snapshot-builder.ts';
import { createPlan } from './plan.ts';
import { userTag } from './tags.ts';

const bob = { emails: ['bob@example.com'] };
const withDeal = { deals: [{ id: 'd', pipelineId: 'p1', stageId: 'tour', contactIds: ['2'] }] };

describe('2.4 tags written into child accounts', () => {
  it('shared records get the user tags plus primary- or secondary-shared-contact', () => {
    const plan = createPlan(
      tenant({
        settings: { tags: ['multi-location', 'VIP'] },
        children: [account('A', [person('1', bob)]), account('B', [person('2', bob)], withDeal)],
      }),
    );
    expect(plan.children.map((c) => [c.accountId, c.contactId, c.before, c.after])).toEqual([
      ['A', '1', [], ['VIP', 'multi-location', 'secondary-shared-contact']],
      ['B', '2', [], ['VIP', 'multi-location', 'primary-shared-contact']],
    ]);
    expect(plan.children[1]?.afterValues).toEqual(
      [userTag('VIP').value, userTag('multi-location').value, 'primary-shared-contact'].sort(),
    );
    expect(plan.children.every((c) => c.sharedId === plan.shared[0]?.id)).toBe(true);
  });

  it('a record whose tags already equal the desired set is not written', () => {
    const plan = createPlan(
      tenant({
        settings: { tags: ['vip'] },
        children: [
          account('A', [person('1', { ...bob, tags: ['primary-shared-contact', 'vip'] })]),
          account('B', [person('2', { ...bob, tags: ['secondary-shared-contact'] })]),
        ],
      }),
    );
    expect(plan.children.map((c) => [c.contactId, c.before, c.after])).toEqual([
      ['2', ['secondary-shared-contact'], ['secondary-shared-contact', 'vip']],
    ]);
  });

  it('everything in the field is the app’s: unknown tags are removed from shared records', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', { ...bob, tags: ['primary-shared-contact', 'old-tag'] })]),
          account('B', [person('2', { ...bob, tags: ['secondary-shared-contact'] })]),
        ],
      }),
    );
    expect(plan.children.map((c) => [c.contactId, c.after])).toEqual([['1', ['primary-shared-contact']]]);
  });

  it('a contact that stops being shared loses its tags; untagged unshared records are not listed', () => {
    const plan = createPlan(
      tenant({
        settings: { tags: ['vip'] },
        children: [
          account('A', [person('1', { ...bob, tags: ['primary-shared-contact', 'vip'] }), person('2')]),
          account('B', [person('3', { emails: ['someone@else.com'], tags: ['secondary-shared-contact'] })]),
        ],
      }),
    );
    expect(plan.children.map((c) => [c.contactId, c.sharedId, c.before, c.after])).toEqual([
      ['1', null, ['primary-shared-contact', 'vip'], []],
      ['3', null, ['secondary-shared-contact'], []],
    ]);
  });

  it('the primary moving from one account to another swaps the two records’ tags', () => {
    const plan = createPlan(
      tenant({
        children: [
          account('A', [person('1', { ...bob, tags: ['primary-shared-contact'] })]),
          account('B', [person('2', { ...bob, tags: ['secondary-shared-contact'] })], withDeal),
        ],
      }),
    );
    expect(plan.children.map((c) => [c.contactId, c.after])).toEqual([
      ['1', ['secondary-shared-contact']],
      ['2', ['primary-shared-contact']],
    ]);
  });
});
