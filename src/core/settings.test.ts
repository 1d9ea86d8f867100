import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SETTINGS, MAX_TAGS, mergeSettings, type Settings, settingsSchema } from './settings.ts';
import { describeZodError } from './validation-error.ts';

/** The problems a call refuses with, one line per field, as the admin API and the CLI word them. */
function problems(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    if (error instanceof z.ZodError) return describeZodError(error);
    throw error;
  }
  throw new Error('expected the call to refuse its input');
}

const tags = (count: number) => Array.from({ length: count }, (_, i) => `tag ${i}`);

describe('settings: user tags', () => {
  it(`accepts ${MAX_TAGS} distinct tags and refuses one more, naming the limit`, () => {
    expect(MAX_TAGS).toBe(50);
    // Repeats are dropped before counting: the limit is about the options stored.
    expect(settingsSchema.parse({ tags: [...tags(50), 'tag 0', ' tag 1 '] }).tags).toEqual(tags(50));
    expect(problems(() => settingsSchema.parse({ tags: tags(51) }))).toEqual([
      'tags: expected at most 50 tags (each becomes an option of the tag field in every connected account)',
    ]);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
  ])(
    'refuses a tag with %s inside, naming which tag; other characters of any script are kept',
    (_, control) => {
      const kept = ['Résidence été', '多地点', 'VIP ★', 'non\u00a0breaking'];
      expect(problems(() => settingsSchema.parse({ tags: [...kept, `multi${control}location`] }))).toEqual([
        'tags[4]: expected a tag name without control characters',
      ]);
      expect(settingsSchema.parse({ tags: kept }).tags).toEqual(kept);
    },
  );
});

describe('settings: unknown fields', () => {
  it('are refused by name, at the top and inside schedule', () => {
    expect(problems(() => settingsSchema.parse({ matchon: 'email', schedule: { zone: 'UTC' } }))).toEqual([
      'schedule: unknown field "zone"',
      '(the document): unknown field "matchon"',
    ]);
  });
});

describe('settings: schedule time zone', () => {
  it('defaults to UTC, stored rather than left out', () => {
    expect(DEFAULT_SETTINGS.schedule).toEqual({ time: '03:00', timeZone: 'UTC' });
    expect(settingsSchema.parse({ schedule: { time: '05:30' } }).schedule).toEqual({
      time: '05:30',
      timeZone: 'UTC',
    });
  });
});

describe('mergeSettings: a partial update', () => {
  const stored: Settings = {
    ...DEFAULT_SETTINGS,
    enabled: true,
    mode: 'senior-living',
    tags: ['multi-location'],
    defaultCountry: 'GB',
    schedule: { time: '04:00', timeZone: 'Europe/London' },
    maxContactsPerKey: 9,
    maxClusterSize: 40,
  };

  it('keeps every field the patch does not carry (what the admin page sends leaves the rest alone)', () => {
    const fromPage = {
      enabled: false,
      matchOn: 'email',
      tags: ['vip'],
      copyToCorporate: true,
      schedule: { time: '06:15', timeZone: 'America/New_York' },
    };
    expect(mergeSettings(stored, fromPage)).toEqual({
      ...stored,
      enabled: false,
      matchOn: 'email',
      tags: ['vip'],
      copyToCorporate: true,
      schedule: { time: '06:15', timeZone: 'America/New_York' },
    });
  });

  it('an empty patch changes nothing: no default replaces a stored value', () => {
    expect(mergeSettings(stored, {})).toEqual(stored);
  });

  it('a partial schedule keeps the other schedule field', () => {
    expect(mergeSettings(stored, { schedule: { time: '05:00' } }).schedule).toEqual({
      time: '05:00',
      timeZone: 'Europe/London',
    });
    expect(mergeSettings(stored, { schedule: { timeZone: 'Asia/Tokyo' } }).schedule).toEqual({
      time: '04:00',
      timeZone: 'Asia/Tokyo',
    });
  });

  it('a field given as undefined keeps its stored value', () => {
    expect(mergeSettings(stored, { maxClusterSize: undefined, schedule: { timeZone: undefined } })).toEqual(
      stored,
    );
  });

  it('refuses unknown fields by name, at the top and inside schedule', () => {
    expect(problems(() => mergeSettings(stored, { colour: 'blue', schedule: { zone: 'UTC' } }))).toEqual([
      'schedule: unknown field "zone"',
      '(the document): unknown field "colour"',
    ]);
  });

  it('refuses bad values with the field path, and a patch that is not an object', () => {
    expect(
      problems(() => mergeSettings(stored, { schedule: { time: '5am' }, tags: ['ok', 'bad\u0000'] })),
    ).toEqual([
      'tags[1]: expected a tag name without control characters',
      'schedule.time: expected a time of day as HH:MM (24-hour)',
    ]);
    expect(problems(() => mergeSettings(stored, { tags: tags(51) }))).toEqual([
      'tags: expected at most 50 tags (each becomes an option of the tag field in every connected account)',
    ]);
    expect(problems(() => mergeSettings(stored, null))).toEqual(['(the document): expected an object']);
  });

  it('checks the merged result too, so stored settings outside the contract are not saved again', () => {
    const tooMany = { ...stored, tags: tags(60) };
    expect(problems(() => mergeSettings(tooMany, { enabled: false }))).toEqual([
      'tags: expected at most 50 tags (each becomes an option of the tag field in every connected account)',
    ]);
  });
});

describe('settings: segments', () => {
  it('is off by default with the product prefix', () => {
    expect(DEFAULT_SETTINGS.segments).toBe(false);
    expect(DEFAULT_SETTINGS.segmentPrefix).toBe('Community Sync ·');
  });

  it('refuses an empty, overlong or control-character prefix, naming the field', () => {
    expect(problems(() => settingsSchema.parse({ segmentPrefix: '   ' }))).toEqual([
      'segmentPrefix: expected a non-empty list name prefix',
    ]);
    expect(problems(() => settingsSchema.parse({ segmentPrefix: 'x'.repeat(41) }))).toEqual([
      'segmentPrefix: expected a list name prefix of at most 40 characters',
    ]);
    expect(problems(() => settingsSchema.parse({ segmentPrefix: 'a\u0007b' }))).toEqual([
      'segmentPrefix: expected a list name prefix without control characters',
    ]);
  });

  it('a partial update turns segments on and keeps the prefix', () => {
    const on = mergeSettings(DEFAULT_SETTINGS, { segments: true });
    expect(on.segments).toBe(true);
    expect(on.segmentPrefix).toBe('Community Sync ·');
    expect(mergeSettings(on, { segmentPrefix: ' Acme ' }).segmentPrefix).toBe('Acme');
  });
});
