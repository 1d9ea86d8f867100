import { compareIds, timeOf } from './compare-ids.ts';
import { KeyReader } from './match-keys.ts';
import { emailKey, type PhoneReader } from './normalise.ts';
import type { CorporateAction, CorporateCreate, CorporateUpdate, Member, Warning } from './plan-types.ts';
import type { ChildAccount, Contact, CorporateAccount } from './snapshot.ts';
import { engagingTag, type TagOption, tagChange } from './tags.ts';

// DESIGN.md 2.5: each shared person's copy in the corporate account, found by any of its keys or created.

/** A shared person as the corporate step needs it. */
export interface SharedPerson {
  id: string;
  /** Its child accounts, the primary among them. */
  accounts: readonly ChildAccount[];
  primary: ChildAccount;
  /** The primary account's records of the person. */
  primaryRecords: readonly Contact[];
  /** Every non-junk email and phone key of its records, whatever `matchOn` is. */
  keys: readonly string[];
  /** Keys that no rule may use (to avoid writing one onto a copy, which then could not be found again). */
  junkKeys: ReadonlySet<string>;
}

interface CorporateInput {
  corporate: CorporateAccount;
  defaultCountry: string;
  phones: PhoneReader;
  warnings: Warning[];
  people: readonly SharedPerson[];
  userTags: readonly TagOption[];
  /** Keys of privacy-deleted records: a person carrying one gets no new copy (an existing one is still tagged). */
  suppressed?: ReadonlySet<string>;
  /** How a normalised key reads among the people's keys (a keyed hash when the snapshot carried hashed keys). */
  storedKey?: (key: string) => string;
}

const olderFirst = (a: Contact, b: Contact) =>
  (timeOf(a.createdAt) ?? 0) - (timeOf(b.createdAt) ?? 0) || compareIds(a.id, b.id);

export function planCorporateCopies(input: CorporateInput): CorporateAction[] {
  const { corporate, defaultCountry, phones, warnings, people, userTags } = input;
  const suppressed = input.suppressed ?? new Set<string>();
  const storedKey = input.storedKey ?? ((key: string) => key);
  const contactsByKey = new Map<string, Contact[]>();
  const reader = new KeyReader(corporate.id, corporate.country ?? defaultCountry, warnings, phones);
  for (const contact of corporate.contacts) {
    const keys = reader.contact(contact);
    for (const key of [...keys.emails, ...keys.phones]) {
      const holders = contactsByKey.get(key);
      if (holders) holders.push(contact);
      else contactsByKey.set(key, [contact]);
    }
  }

  const creates = new PendingCreates(phones, storedKey);
  const wanted = new Map<string, { contact: Contact; sharedIds: string[]; tags: Map<string, TagOption> }>();
  for (const person of people) {
    const tags = [
      ...userTags,
      ...person.accounts.map((account) => engagingTag(account, account === person.primary)),
    ];
    const copy = person.keys
      .flatMap((key) => contactsByKey.get(key) ?? [])
      .reduce<Contact | undefined>(
        (oldest, c) => (!oldest || olderFirst(c, oldest) < 0 ? c : oldest),
        undefined,
      );
    if (!copy) {
      if (person.keys.some((key) => suppressed.has(key))) continue;
      creates.add(
        createCopy(person, tags, defaultCountry, phones, storedKey),
        tags,
        person.primary.country ?? defaultCountry,
        person.keys,
      );
      continue;
    }
    const entry = wanted.get(copy.id) ?? {
      contact: copy,
      sharedIds: [] as string[],
      tags: new Map<string, TagOption>(),
    };
    entry.sharedIds.push(person.id);
    for (const tag of tags) entry.tags.set(tag.value, tag);
    wanted.set(copy.id, entry);
  }

  const updates: CorporateUpdate[] = [];
  for (const contact of corporate.contacts) {
    const entry = wanted.get(contact.id);
    const change = tagChange(contact, entry ? [...entry.tags.values()] : []);
    if (!change) continue;
    const sharedIds = entry ? entry.sharedIds.sort() : [];
    updates.push({
      action: 'update',
      sharedId: sharedIds[0] ?? null,
      sharedIds,
      contactId: contact.id,
      ...change,
    });
  }
  updates.sort((a, b) => compareIds(a.contactId, b.contactId));
  return [...creates.list(), ...updates];
}

/**
 * New copies, merged when the next run would find one for two people. People who are separate under `matchOn`
 * (two phones) can still share an email; two copies with one email would be one contact to the provider (HubSpot
 * upserts by email). And a person finds its copy by any of its keys, not only those written on it: were one of its
 * keys written on an earlier person's new copy, the next run would find both copies for it, take the older (of two
 * made at once, the provider's order decides) and move tags between them. Such people get one copy, which carries
 * the union of their tags, as an existing copy found by two people does. (A key written on a later person's copy
 * can still be one of an earlier person's keys; in 300 random tenants, 3 took a second run to settle, 24 before.)
 */
class PendingCreates {
  readonly #creates: CorporateCreate[] = [];
  readonly #tags: Map<string, TagOption>[] = [];
  /** The keys written on the creates (as the people's keys read), each to the first create carrying it. */
  readonly #byKey = new Map<string, number>();
  readonly #phones: PhoneReader;
  readonly #storedKey: (key: string) => string;

  constructor(phones: PhoneReader, storedKey: (key: string) => string) {
    this.#phones = phones;
    this.#storedKey = storedKey;
  }

  /** `country` reads the create's phone as its source account does; `personKeys` are its person's keys. */
  add(
    create: CorporateCreate,
    tags: readonly TagOption[],
    country: string,
    personKeys: readonly string[],
  ): void {
    const written = this.#keysOf(create, country);
    // Of the creates it would find, the first made.
    let at: number | undefined;
    for (const key of [...personKeys, ...written]) {
      const index = this.#byKey.get(key);
      if (index !== undefined && (at === undefined || index < at)) at = index;
    }
    if (at === undefined) {
      const index = this.#creates.push(create) - 1;
      this.#tags.push(new Map(tags.map((tag) => [tag.value, tag])));
      // None of its keys is taken yet: it would have been found above.
      for (const key of written) this.#byKey.set(key, index);
      return;
    }
    const kept = this.#creates[at] as CorporateCreate;
    const united = this.#tags[at] as Map<string, TagOption>;
    kept.sharedIds = [...kept.sharedIds, create.sharedId].sort();
    for (const tag of tags) united.set(tag.value, tag);
    const change = tagChange({ tags: [] }, [...united.values()]);
    kept.after = change?.after ?? [];
    kept.afterValues = change?.afterValues ?? [];
  }

  list(): CorporateCreate[] {
    return this.#creates;
  }

  /** The keys written on a create, as the people's keys read them. */
  #keysOf(create: CorporateCreate, country: string): string[] {
    const keys: string[] = [];
    const email = create.email === null ? null : emailKey(create.email);
    if (email) keys.push(this.#storedKey(email));
    const phone = create.phone === null ? null : this.#phones.forCountry(country)(create.phone);
    if (phone) keys.push(this.#storedKey(phone));
    return keys;
  }
}

function createCopy(
  person: SharedPerson,
  tags: TagOption[],
  defaultCountry: string,
  phones: PhoneReader,
  storedKey: (key: string) => string,
): CorporateCreate {
  const source = [...person.primaryRecords].sort(olderFirst)[0];
  if (!source) throw new Error(`shared person ${person.id} has no record in its primary account`);
  const from: Member = { accountId: person.primary.id, contactId: source.id };
  const readPhone = phones.forCountry(person.primary.country ?? defaultCountry);
  // The first valid value as written; one that is not a junk key first, as the copy must be findable by its
  // keys on the next run.
  const firstUsable = (values: string[], keyOf: (raw: string) => string | null) => {
    const valid = values.filter((raw) => keyOf(raw) !== null);
    const chosen = valid.find((raw) => !person.junkKeys.has(storedKey(keyOf(raw) ?? ''))) ?? valid[0];
    return chosen?.trim() ?? null;
  };
  const change = tagChange({ tags: [] }, tags);
  return {
    action: 'create',
    sharedId: person.id,
    sharedIds: [person.id],
    from,
    properties: { ...source.properties },
    email: firstUsable(source.emails, emailKey),
    phone: firstUsable(source.phones, readPhone),
    after: change?.after ?? [],
    afterValues: change?.afterValues ?? [],
  };
}
