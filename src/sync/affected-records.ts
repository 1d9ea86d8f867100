import type { Contact, MatchOn } from '../core/index.ts';
import type { LocatedRecord, Store, StoredContact } from '../store/store.ts';

// Which stored records a targeted resync re-plans: every record whose person may change. Starting from the changed
// records and their keys before and after the change, it follows keys through the stored state (GIN lookups) until
// nothing new turns up, so the set is a union of whole clusters and the plan of it equals a full run's for them.
//
// Child records link through the keys `matchOn` uses (both kinds for `email_and_phone`: a superset of its pairs);
// a corporate record links to every child record sharing any key with it, as copies are found by any key
// (DESIGN.md 2.5), so every person leading to a copy is re-planned with it. Junk keys link nothing; they are judged
// on each child account's whole stored state, never on the records at hand.

export interface AffectedInput {
  store: Store;
  tenantId: string;
  childIds: readonly string[];
  corporateId: string | null;
  matchOn: MatchOn;
  maxContactsPerKey: number;
  /** Records certainly affected (read live, or whose deals changed). */
  seeds: readonly LocatedRecord[];
  /** Keys whose carriers are all affected (the changed records' keys before and after, junk now or not). */
  seedKeys: readonly string[];
  /** Gives up (returns null) past this many records. */
  limit: number;
}

export interface Affected {
  records: LocatedRecord[];
  /** Junk keys among the records' keys. */
  junkKeys: Set<string>;
}

const idOf = (r: { accountId: string; contact: { id: string } }) => `${r.accountId}\u0000${r.contact.id}`;

export async function affectedRecords(input: AffectedInput): Promise<Affected | null> {
  const { store, tenantId, childIds, corporateId, matchOn } = input;
  const found = new Map<string, LocatedRecord>();
  const judged = new Map<string, boolean>();
  /** Keys whose carriers were looked up: all of them, or the corporate ones only. */
  const expanded = new Set<string>();
  const expandedToCorporate = new Set<string>();
  const junkOf = async (keys: Iterable<string>) => {
    const unknown = [...new Set(keys)].filter((k) => !judged.has(k));
    if (unknown.length === 0) return;
    const junk = await store.records.junkKeys(tenantId, childIds, unknown, input.maxContactsPerKey);
    for (const key of unknown) judged.set(key, junk.has(key));
  };
  const linking = (record: LocatedRecord): string[] => {
    const { emails, phones } = record.contact.keys;
    if (record.accountId === corporateId) return [...emails, ...phones];
    if (matchOn === 'email') return emails;
    if (matchOn === 'phone') return phones;
    return [...emails, ...phones];
  };
  /** Keys a child record reaches corporate records by, beyond the ones it links children by. */
  const toCorporate = (record: LocatedRecord): string[] => {
    if (record.accountId === corporateId || corporateId === null) return [];
    const linked = new Set(linking(record));
    return [...record.contact.keys.emails, ...record.contact.keys.phones].filter((k) => !linked.has(k));
  };

  let pending: LocatedRecord[] = [...input.seeds];
  let everyCarrier = [...new Set(input.seedKeys)];
  let corporateOnly: string[] = [];
  while (pending.length > 0 || everyCarrier.length > 0 || corporateOnly.length > 0) {
    const fresh: LocatedRecord[] = [];
    for (const record of pending) {
      if (found.has(idOf(record))) continue;
      found.set(idOf(record), record);
      fresh.push(record);
    }
    if (found.size > input.limit) return null;
    const nextAll = new Set<string>();
    const nextCorporate = new Set<string>();
    for (const record of fresh) {
      for (const key of linking(record)) if (!expanded.has(key)) nextAll.add(key);
      for (const key of toCorporate(record))
        if (!expanded.has(key) && !expandedToCorporate.has(key)) nextCorporate.add(key);
    }
    await junkOf([...nextAll, ...nextCorporate]);
    const usable = (key: string) => judged.get(key) === false;
    const all = [...everyCarrier, ...[...nextAll].filter(usable)].filter((k) => !expanded.has(k));
    for (const key of all) expanded.add(key);
    const corporate = [...corporateOnly, ...[...nextCorporate].filter(usable)].filter(
      (k) => !expanded.has(k) && !expandedToCorporate.has(k),
    );
    for (const key of corporate) expandedToCorporate.add(key);
    pending = [];
    if (all.length > 0) pending.push(...(await store.records.withKeys(tenantId, all)));
    if (corporate.length > 0 && corporateId !== null) {
      const carriers = await store.records.withKeys(tenantId, corporate);
      pending.push(...carriers.filter((r) => r.accountId === corporateId));
    }
    pending = pending.filter((r) => !found.has(idOf(r)));
    everyCarrier = [];
    corporateOnly = [];
  }

  const records = [...found.values()];
  await junkOf(records.flatMap((r) => [...r.contact.keys.emails, ...r.contact.keys.phones]));
  const junkKeys = new Set([...judged].filter(([, junk]) => junk).map(([key]) => key));
  return { records, junkKeys };
}

/** A record's keys, email and phone. */
export const keysOf = (contact: Pick<Contact, 'keys'>): string[] => [
  ...(contact.keys?.emails ?? []),
  ...(contact.keys?.phones ?? []),
];

export type { StoredContact };
