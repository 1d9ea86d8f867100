import { describe, expect, it } from 'vitest';
import { engagingTag, PRIMARY, sortedTags, tagChange, tagVocabulary, userTag } from './tags.ts';

describe('2.4 tag options', () => {
  it('values are stable, free of ";" and distinct for distinct labels', () => {
    const odd = userTag('VIP; follow up!');
    expect(odd.label).toBe('VIP; follow up!');
    expect(odd.value).not.toContain(';');
    expect(userTag('VIP; follow up!')).toEqual(odd);
    expect(userTag('vip follow up').value).not.toBe(odd.value);
  });

  it('account tags are valued by account id: a rename relabels, two accounts of one name stay two tags', () => {
    const before = engagingTag({ id: '101', name: 'Sunrise' }, true);
    const renamed = engagingTag({ id: '101', name: 'Sunrise Oaks' }, true);
    expect(before.value).toBe(renamed.value);
    expect(renamed.label).toBe('engaging-in-Sunrise Oaks-primary');
    const twin = engagingTag({ id: '102', name: 'Sunrise' }, true);
    expect(twin.label).toBe(before.label);
    expect(twin.value).not.toBe(before.value);
  });

  it('an account id that is not value-safe is hashed into one that is', () => {
    const tag = engagingTag({ id: 'org;1/acct 2', name: 'X' }, false);
    expect(tag.value).toMatch(/^engaging-in-[A-Za-z0-9_-]+$/);
  });

  it('the vocabulary holds the product tags, the user tags and two tags per child account', () => {
    const vocabulary = tagVocabulary(['vip'], [{ id: '1', name: 'A' }]);
    expect(vocabulary.map((o) => o.label)).toEqual([
      'primary-shared-contact',
      'secondary-shared-contact',
      'vip',
      'engaging-in-A',
      'engaging-in-A-primary',
    ]);
  });
});

describe('2.4 exact tag sets', () => {
  it('lists are sorted by code units, without duplicates', () => {
    expect(sortedTags(['b', 'B', 'a', 'b', 'engaging-in-Zed', 'engaging-in-alpha'])).toEqual([
      'B',
      'a',
      'b',
      'engaging-in-Zed',
      'engaging-in-alpha',
    ]);
  });

  it('a record that already has the desired set (in any order, with duplicates) is not written', () => {
    const desired = [userTag('vip'), PRIMARY];
    expect(tagChange({ tags: ['primary-shared-contact', 'vip', 'vip'] }, desired)).toBeNull();
    expect(tagChange({ tags: ['vip'] }, desired)).toEqual({
      before: ['vip'],
      after: ['primary-shared-contact', 'vip'],
      afterValues: ['primary-shared-contact', userTag('vip').value],
    });
  });

  it('compares stored values when the connector read them', () => {
    const north1 = engagingTag({ id: '1', name: 'North' }, false);
    const north2 = engagingTag({ id: '2', name: 'North' }, false);
    const current = { tags: ['engaging-in-North'], tagValues: [north1.value] };
    expect(tagChange(current, [north1, north2])?.afterValues).toEqual([north1.value, north2.value]);
    expect(tagChange({ ...current, tagValues: [north2.value, north1.value] }, [north1, north2])).toBeNull();
  });
});
