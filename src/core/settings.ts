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

const tagName = z
  .string()
  .trim()
  .min(1, 'expected a non-empty tag name')
  .max(80, 'expected a tag name of at most 80 characters');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM (24-hour)');

const timeZone = z.string().refine((zone) => isTimeZone(zone), {
  message: 'expected an IANA time zone, such as "America/New_York"',
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The tenant's settings (DESIGN.md section 1); every field has its documented default. */
export const settingsSchema = z.object({
  enabled: z.boolean().default(false),
  mode: z.enum(MODES).default('b2b-b2c'),
  matchOn: z.enum(MATCH_MODES).default('email_or_phone'),
  tags: z
    .array(tagName)
    .default([])
    .transform((tags) => [...new Set(tags)]),
  copyToCorporate: z.boolean().default(false),
  defaultCountry: countryCode.default('US'),
  schedule: z
    .object({ time: timeOfDay.default('03:00'), timeZone: timeZone.optional() })
    .default({ time: '03:00' }),
  maxContactsPerKey: z.number().int().min(1).default(5),
  maxClusterSize: z.number().int().min(2).default(25),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/** The words the admin sees, by mode (DESIGN.md section 1). */
export function modeWords(mode: Mode): { account: string; deal: string } {
  return mode === 'senior-living'
    ? { account: 'Community', deal: 'Prospect' }
    : { account: 'Child Account', deal: 'Deal' };
}
