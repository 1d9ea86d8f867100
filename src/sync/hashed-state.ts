import {
  type ChildAccount,
  type Contact,
  type CorporateAccount,
  KeyReader,
  PhoneReader,
} from '../core/index.ts';

// DESIGN.md 2.7 without raw emails or phones: the store keeps each record's keys as keyed hashes, and a run that
// plans with stored state hashes every live account's keys the same way, so stored and live records match.

export type Hasher = (value: string) => string;

/** Stored keys carry a prefix no normalised email or phone can start with. */
const HASHED = 'h:';

/** A normalised email or phone key as stored. */
export const hashedKey = (key: string, hash: Hasher): string => HASHED + hash(key);

export function hashedKeys(contact: Contact, reader: KeyReader, hash: Hasher): NonNullable<Contact['keys']> {
  if (contact.keys) return contact.keys;
  const keys = reader.contact(contact);
  return {
    emails: keys.emails.map((k) => hashedKey(k, hash)),
    phones: keys.phones.map((k) => hashedKey(k, hash)),
  };
}

/**
 * An email address or phone number typed in full, as the stored hashes of its key: read as runs read records
 * (a phone in each of `countries`); none when the text is no valid email or phone.
 */
export function typedKeyHashes(text: string, countries: readonly string[], hash: Hasher): string[] {
  const phones = new PhoneReader();
  const keys = new Set<string>();
  for (const country of countries) {
    const reader = new KeyReader('search', country, [], phones);
    const key = text.includes('@') ? reader.email(text, 'search') : reader.phone(text, 'search');
    if (key !== null) keys.add(hashedKey(key, hash));
  }
  return [...keys];
}

/** The account with every contact's keys hashed (raw values kept, for copies made from its records). */
export function withHashedKeys<A extends ChildAccount | CorporateAccount>(
  account: A,
  country: string,
  hash: Hasher,
  phones: PhoneReader,
): A {
  const reader = new KeyReader(account.id, country, [], phones);
  return {
    ...account,
    contacts: account.contacts.map((contact) => ({ ...contact, keys: hashedKeys(contact, reader, hash) })),
  };
}

/**
 * withHashedKeys a slice of contacts at a time, giving the event loop back between slices: an account of 20,000
 * contacts takes the server's thread for over 100 ms in one go (an HMAC per key, a phone read per number).
 */
export async function withHashedKeysInSlices<A extends ChildAccount | CorporateAccount>(
  account: A,
  country: string,
  hash: Hasher,
  phones: PhoneReader,
  slice = 1_000,
): Promise<A> {
  const reader = new KeyReader(account.id, country, [], phones);
  const contacts: Contact[] = [];
  for (let i = 0; i < account.contacts.length; i += slice) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const contact of account.contacts.slice(i, i + slice))
      contacts.push({ ...contact, keys: hashedKeys(contact, reader, hash) });
  }
  return { ...account, contacts };
}

/** A name an admin recognises in the audit and the admin page. */
export function displayName(contact: Contact): string {
  const p = contact.properties;
  const pick = (...names: string[]) =>
    names.map((n) => p[n]).find((v) => typeof v === 'string' && v.trim() !== '');
  const name = [pick('firstname', 'FirstName', 'first_name'), pick('lastname', 'LastName', 'last_name')]
    .filter((part) => part !== undefined)
    .join(' ');
  // Stored state keeps the name it was shown by.
  return name || (pick('name', 'Name') as string | undefined) || `record ${contact.id}`;
}
