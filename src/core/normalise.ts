import { parsePhoneKey } from './phone-key.js';

export { parsePhoneKey };

// DESIGN.md 2.1: how an email address or a phone number becomes a match key.

/** The key of an email address: trimmed and lower-cased; null unless it has one `@`, a non-empty local part and a dot in its domain. */
export function emailKey(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  const at = email.indexOf('@');
  if (at <= 0 || email.indexOf('@', at + 1) !== -1 || email.indexOf('.', at + 1) === -1) return null;
  return email;
}

/** Why `emailKey` refused an address, in words for a warning. */
export function emailProblem(raw: string): string {
  const email = raw.trim();
  const at = email.indexOf('@');
  if (at === -1) return 'it has no "@"';
  if (email.indexOf('@', at + 1) !== -1) return 'it has more than one "@"';
  if (at === 0) return 'nothing comes before the "@"';
  return 'its domain has no dot';
}

/**
 * Formatting that libphonenumber-js ignores; numbers that differ only in it parse the same, so they share
 * one parse. Anything else (letters, `ext.`) keeps the text as written.
 */
const IGNORED_FORMATTING = /[\s().\-/]/g;
const DIGITS_ONLY = /^\+?\d+$/;

/** The text a phone number is parsed from: equal texts in one country always give equal verdicts. */
export function phoneText(raw: string): string {
  const stripped = raw.replace(IGNORED_FORMATTING, '');
  return DIGITS_ONLY.test(stripped) ? stripped : raw.trim();
}

/** `US:2125550100`: a phone text with its country, as verdicts computed elsewhere are keyed. */
export function phoneLookupKey(raw: string, country: string): string {
  return `${country}:${phoneText(raw)}`;
}

/** Phone verdicts by country, then by phone text (see `phoneText`). */
export type PhoneVerdicts = ReadonlyMap<string, ReadonlyMap<string, string | null>>;

/** Parses each phone text once per country; `known` may hold verdicts computed elsewhere (worker threads). */
export class PhoneReader {
  private readonly parsed = new Map<string, Map<string, string | null>>();

  constructor(private readonly known?: PhoneVerdicts) {}

  /** A reader bound to one country, for the hot loop over an account's contacts. */
  forCountry(country: string): (raw: string) => string | null {
    const known = this.known?.get(country);
    let parsed = this.parsed.get(country);
    if (!parsed) {
      parsed = new Map();
      this.parsed.set(country, parsed);
    }
    const cache = parsed;
    return (raw) => {
      const text = phoneText(raw);
      let key = known?.get(text) ?? cache.get(text);
      if (key === undefined) {
        key = parsePhoneKey(text, country);
        cache.set(text, key);
      }
      return key;
    };
  }

  read(raw: string, country: string): string | null {
    return this.forCountry(country)(raw);
  }
}

/** `b***@example.com`: enough for an admin to recognise, without storing or logging the address. */
export function maskEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  const local = at === -1 ? email : email.slice(0, at);
  const domain = at === -1 ? '' : email.slice(at);
  return `${local.slice(0, 1)}***${domain}`;
}

/** `…0100`: the last digits only. */
export function maskPhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  return digits.length <= 2 ? '…' : `…${digits.slice(-Math.min(4, digits.length - 2))}`;
}
