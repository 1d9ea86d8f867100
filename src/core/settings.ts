import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

/** How two contact records are linked (DESIGN.md 2.2). */
export const MATCH_MODES = ['email', 'phone', 'email_or_phone', 'email_and_phone'] as const;
export type MatchOn = (typeof MATCH_MODES)[number];

export const MODES = ['senior-living', 'b2b-b2c'] as const;
export type Mode = (typeof MODES)[number];

/** An ISO 3166 alpha-2 code that libphonenumber-js can read numbers for; upper-cased. */
export const countryCode = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine((code) => isSupportedCountry(code), {
    message: 'expected an ISO 3166 two-letter country code, such as "US" or "GB"',
  });

/** Each user tag becomes one option of the tag field in every connected account, and HubSpot caps options. */
export const MAX_TAGS = 50;

const tagName = z
  .string()
  .trim()
  .min(1, 'expected a non-empty tag name')
  .max(80, 'expected a tag name of at most 80 characters')
  // A NUL cannot be stored in Postgres jsonb (it used to answer 500); no control character belongs in a label.
  .regex(/^\P{Cc}*$/u, 'expected a tag name without control characters');

/** Distinct tags, in the order given; the limit counts what is stored, so repeats do not count. */
const tagList = z
  .array(tagName)
  .transform((tags) => [...new Set(tags)])
  .refine((tags) => tags.length <= MAX_TAGS, {
    message: `expected at most ${MAX_TAGS} tags (each becomes an option of the tag field in every connected account)`,
  });

export const DEFAULT_SEGMENT_PREFIX = 'Community Sync ·';

/** The app's lists are named "<prefix> shared with other …": HubSpot allows 256 characters in a list name. */
export const MAX_SEGMENT_PREFIX = 40;

const segmentPrefix = z
  .string()
  .trim()
  .min(1, 'expected a non-empty list name prefix')
  .max(MAX_SEGMENT_PREFIX, `expected a list name prefix of at most ${MAX_SEGMENT_PREFIX} characters`)
  .regex(/^\P{Cc}*$/u, 'expected a list name prefix without control characters');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM (24-hour)');

const timeZone = z.string().refine((zone) => isTimeZone(zone), {
  message: 'expected an IANA time zone, such as "America/New_York"',
});

/** Zones already judged: making a formatter costs most of a millisecond, and every stored settings read checks one. */
const zonesJudged = new Map<string, boolean>();

function isTimeZone(zone: string): boolean {
  let known = zonesJudged.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    // Bounded: what the admin types is checked too.
    if (zonesJudged.size < 1_000) zonesJudged.set(zone, known);
  }
  return known;
}

// Each field's rule without its default: the full schema adds defaults, a partial update must not.
const scheduleFields = { time: timeOfDay, timeZone };
const fields = {
  enabled: z.boolean(),
  mode: z.enum(MODES),
  matchOn: z.enum(MATCH_MODES),
  tags: tagList,
  copyToCorporate: z.boolean(),
  defaultCountry: countryCode,
  maxContactsPerKey: z.number().int().min(1),
  maxClusterSize: z.number().int().min(2),
  segments: z.boolean(),
  segmentPrefix,
};

/**
 * The tenant's settings (DESIGN.md section 1); every field has its documented default. Strict: a misspelt
 * field is refused by name instead of being dropped while its default silently applies.
 */
export const settingsSchema = z.strictObject({
  enabled: fields.enabled.default(false),
  mode: fields.mode.default('b2b-b2c'),
  matchOn: fields.matchOn.default('email_or_phone'),
  tags: fields.tags.default([]),
  copyToCorporate: fields.copyToCorporate.default(false),
  defaultCountry: fields.defaultCountry.default('US'),
  schedule: z
    .strictObject({
      time: scheduleFields.time.default('03:00'),
      timeZone: scheduleFields.timeZone.default('UTC'),
    })
    .prefault({}),
  maxContactsPerKey: fields.maxContactsPerKey.default(5),
  maxClusterSize: fields.maxClusterSize.default(25),
  /** Issue 12: keep three lists in every child account, kept up to date by the CRM from the tag field. */
  segments: fields.segments.default(false),
  segmentPrefix: fields.segmentPrefix.default(DEFAULT_SEGMENT_PREFIX),
});

export type Settings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/** Any subset of the settings, `schedule` too; absent fields stay absent (no defaults). */
const settingsPatchSchema = z
  .strictObject({ ...fields, schedule: z.strictObject(scheduleFields).partial() })
  .partial();

/**
 * Stored settings with a partial update applied: a field the patch does not carry keeps its stored value.
 * Throws zod's error naming each bad field (`describeZodError` words it).
 */
export function mergeSettings(stored: Settings, patch: unknown): Settings {
  const { schedule, ...rest } = settingsPatchSchema.parse(patch);
  return settingsSchema.parse({
    ...stored,
    ...present(rest),
    schedule: { ...stored.schedule, ...present(schedule ?? {}) },
  });
}

/** The fields that carry a value: a key given as `undefined` keeps the stored value, not the default. */
function present<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The words the admin sees, by mode (DESIGN.md section 1). */
export function modeWords(mode: Mode): { account: string; deal: string } {
  return mode === 'senior-living'
    ? { account: 'Community', deal: 'Prospect' }
    : { account: 'Child Account', deal: 'Deal' };
}
