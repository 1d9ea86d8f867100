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
}

const olderFirst = (a: Contact, b: Contact) =>
  (timeOf(a.createdAt) ?? 0) - (timeOf(b.createdAt) ?? 0) || compareIds(a.id, b.id);

export function planCorporateCopies(input: CorporateInput): CorporateAction[] {
  const { corporate, defaultCountry, phones, warnings, people, userTags } = input;
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

  const creates: CorporateCreate[] = [];
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
      creates.push(createCopy(person, tags, defaultCountry, phones));
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
  return [...creates, ...updates];
}

function createCopy(
  person: SharedPerson,
  tags: TagOption[],
  defaultCountry: string,
  phones: PhoneReader,
): CorporateCreate {
  const source = [...person.primaryRecords].sort(olderFirst)[0];
  if (!source) throw new Error(`shared person ${person.id} has no record in its primary account`);
  const from: Member = { accountId: person.primary.id, contactId: source.id };
  const readPhone = phones.forCountry(person.primary.country ?? defaultCountry);
  // The first valid value as written; one that is not a junk key first, as the copy must be findable by its
  // keys on the next run.
  const firstUsable = (values: string[], keyOf: (raw: string) => string | null) => {
    const valid = values.filter((raw) => keyOf(raw) !== null);
    const chosen = valid.find((raw) => !person.junkKeys.has(keyOf(raw) ?? '')) ?? valid[0];
    return chosen?.trim() ?? null;
  };
  const change = tagChange({ tags: [] }, tags);
  return {
    action: 'create',
    sharedId: person.id,
    from,
    properties: { ...source.properties },
    email: firstUsable(source.emails, emailKey),
    phone: firstUsable(source.phones, readPhone),
    after: change?.after ?? [],
    afterValues: change?.afterValues ?? [],
  };
}
