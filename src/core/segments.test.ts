import { describe, expect, it } from 'vitest';
import { segmentNames, segmentSpecs } from './segments.ts';
import { settingsSchema } from './settings.ts';

describe('segment lists', () => {
  it('names the lists in Senior Living words with the default prefix', () => {
    const settings = settingsSchema.parse({ mode: 'senior-living' });
    expect(segmentSpecs(settings).map((s) => s.name)).toEqual([
      'Community Sync · shared with other communities',
      'Community Sync · primary here',
      'Community Sync · primary elsewhere (suppress)',
    ]);
  });

  it('uses "child accounts" in B2B/B2C mode, never "communities", and the admin prefix', () => {
    const names = Object.values(segmentNames('b2b-b2c', 'Acme'));
    expect(names).toEqual([
      'Acme shared with other child accounts',
      'Acme primary here',
      'Acme primary elsewhere (suppress)',
    ]);
    expect(names.join(' ')).not.toMatch(/communit/i);
  });

  it('filters on the stored tag values: shared is primary or secondary, user tags not included', () => {
    const specs = segmentSpecs(settingsSchema.parse({ tags: ['vip'] }));
    expect(Object.fromEntries(specs.map((s) => [s.key, s.tagValues]))).toEqual({
      shared: ['primary-shared-contact', 'secondary-shared-contact'],
      primary: ['primary-shared-contact'],
      secondary: ['secondary-shared-contact'],
    });
  });
});
