import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type PhoneVerdicts, phoneText } from '../core/normalise.ts';
import type { Snapshot } from '../core/snapshot.ts';

// Phone parsing dominates planning (DESIGN.md 2.1 needs libphonenumber-js for every number). This parses
// each distinct number once, spread over worker threads, and hands the verdicts to the pure core.

/** Below this many distinct numbers, starting threads costs more than it saves. */
const PARALLEL_FROM = 20_000;

interface PhoneGroup {
  country: string;
  texts: string[];
}

/** Every distinct phone text of a snapshot, by the country it is read in. */
export function phoneTexts(snapshot: Snapshot): Map<string, Set<string>> {
  const byCountry = new Map<string, Set<string>>();
  const { defaultCountry } = snapshot.settings;
  for (const account of [...snapshot.children, ...(snapshot.corporate ? [snapshot.corporate] : [])]) {
    const country = account.country ?? defaultCountry;
    let texts = byCountry.get(country);
    if (!texts) {
      texts = new Set();
      byCountry.set(country, texts);
    }
    for (const contact of account.contacts) {
      if (contact.keys) continue;
      for (const raw of contact.phones) if (raw.trim() !== '') texts.add(phoneText(raw));
    }
  }
  return byCountry;
}

/** The same number written nationally or internationally ends in the same digits, so lands in one batch. */
function batchOf(text: string, batches: number): number {
  const tail = text.replace(/\D/g, '').slice(-7);
  return tail === '' ? 0 : Number(tail) % batches;
}

function runWorker(groups: PhoneGroup[]): Promise<(string | null)[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./phone-worker.js', import.meta.url));
    worker.once('message', (verdicts: (string | null)[][]) => {
      resolve(verdicts);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage(groups);
  });
}

/**
 * Verdicts for every phone of the snapshot, by country and text, or undefined when there are too few to be
 * worth threads (the core then parses them itself).
 */
export async function phoneVerdicts(
  snapshot: Snapshot,
  { threads = availableParallelism(), parallelFrom = PARALLEL_FROM } = {},
): Promise<PhoneVerdicts | undefined> {
  const byCountry = phoneTexts(snapshot);
  let total = 0;
  for (const texts of byCountry.values()) total += texts.size;
  if (total < parallelFrom || threads < 2) return undefined;

  const batches: PhoneGroup[][] = Array.from({ length: threads }, () => []);
  for (const [country, texts] of byCountry) {
    const split: string[][] = Array.from({ length: threads }, () => []);
    for (const text of texts) split[batchOf(text, threads)]?.push(text);
    split.forEach((part, b) => {
      batches[b]?.push({ country, texts: part });
    });
  }
  const results = await Promise.all(batches.map(runWorker));

  const verdicts = new Map<string, Map<string, string | null>>();
  batches.forEach((groups, b) => {
    groups.forEach(({ country, texts }, g) => {
      let forCountry = verdicts.get(country);
      if (!forCountry) {
        forCountry = new Map();
        verdicts.set(country, forCountry);
      }
      const found = results[b]?.[g] ?? [];
      for (let i = 0; i < texts.length; i++) forCountry.set(texts[i] as string, found[i] ?? null);
    });
  });
  return verdicts;
}
