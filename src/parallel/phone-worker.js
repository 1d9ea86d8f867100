// Worker thread: phone verdicts for batches of { country, texts }, in order (see phone-verdicts.ts).
import { parentPort } from 'node:worker_threads';
import { parsePhoneKey } from '../core/phone-key.js';

/**
 * @param {{ country: string, texts: string[] }[]} groups
 * @returns {(string | null)[][]}
 */
export function verdictsFor(groups) {
  // A valid number's E.164 form parses back to itself in any country, so once `(212) 555-0100` is found to
  // be +12125550100, the text `+12125550100` needs no second parse. National texts go first for that.
  const valid = new Set();
  const results = groups.map(({ country, texts }) => {
    /** @type {(string | null)[]} */
    const verdicts = new Array(texts.length).fill(null);
    texts.forEach((text, i) => {
      if (text.startsWith('+')) return;
      const key = parsePhoneKey(text, country);
      verdicts[i] = key;
      if (key !== null) valid.add(key);
    });
    return verdicts;
  });
  groups.forEach(({ country, texts }, g) => {
    const verdicts = /** @type {(string | null)[]} */ (results[g]);
    texts.forEach((text, i) => {
      if (text.startsWith('+')) verdicts[i] = valid.has(text) ? text : parsePhoneKey(text, country);
    });
  });
  return results;
}

parentPort?.on('message', (groups) => parentPort?.postMessage(verdictsFor(groups)));
