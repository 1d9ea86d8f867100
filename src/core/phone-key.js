// Plain JavaScript so worker threads can load it without a TypeScript loader (src/parallel/phone-worker.js).
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * E.164 when libphonenumber-js calls the number valid for that country, else null (DESIGN.md 2.1).
 * @param {string} text
 * @param {string} country
 * @returns {string | null}
 */
export function parsePhoneKey(text, country) {
  const phone = parsePhoneNumberFromString(
    text,
    /** @type {import('libphonenumber-js').CountryCode} */ (country),
  );
  return phone?.isValid() ? phone.number : null;
}
