import { IntList } from './int-list.ts';
import { emailKey, emailProblem, maskEmail, maskPhone, type PhoneReader } from './normalise.ts';
import type { Warning } from './plan-types.ts';
import type { ChildAccount, Contact } from './snapshot.ts';

// DESIGN.md 2.1: every child record's match keys, and the junk keys that no rule may use.

export interface ContactKeys {
  emails: string[];
  phones: string[];
}

/** Turns one account's contacts into keys; each unusable value becomes a warning on the contact. */
export class KeyReader {
  private readonly readPhone: (raw: string) => string | null;

  constructor(
    private readonly accountId: string,
    private readonly country: string,
    private readonly warnings: Warning[],
    phones?: PhoneReader,
  ) {
    this.readPhone = phones ? phones.forCountry(country) : () => null;
  }

  email(raw: string, contactId: string): string | null {
    if (raw.trim() === '') return null;
    const key = emailKey(raw);
    if (key === null) {
      this.warnings.push({
        code: 'invalid-email',
        accountId: this.accountId,
        contactId,
        detail: `email "${maskEmail(raw)}" is not an address: ${emailProblem(raw)}; it is not used for matching`,
      });
    }
    return key;
  }

  phone(raw: string, contactId: string): string | null {
    if (raw.trim() === '') return null;
    const key = this.readPhone(raw);
    if (key === null) {
      this.warnings.push({
        code: 'invalid-phone',
        accountId: this.accountId,
        contactId,
        detail: `phone ending ${maskPhone(raw)} is not a valid number for ${this.country}; it is not used for matching`,
      });
    }
    return key;
  }

  /** A contact's distinct email and phone keys, each in the order first seen. */
  contact(contact: Contact): ContactKeys {
    if (contact.keys)
      return { emails: [...new Set(contact.keys.emails)], phones: [...new Set(contact.keys.phones)] };
    const emails = new Set<string>();
    const phones = new Set<string>();
    for (const raw of contact.emails) {
      const key = this.email(raw, contact.id);
      if (key !== null) emails.add(key);
    }
    for (const raw of contact.phones) {
      const key = this.phone(raw, contact.id);
      if (key !== null) phones.add(key);
    }
    return { emails: [...emails], phones: [...phones] };
  }
}

/** One kind of key of every record: record `r` has `list[start[r] .. start[r + 1])`, as ids into `keyText`. */
export interface KeyColumn {
  start: Int32Array;
  list: Int32Array;
}

/**
 * Every child record of a tenant in one flat table: record `r` is `contactOf[r]` in `children[accountOf[r]]`.
 * Email and phone keys are read in two passes (phones can be parsed elsewhere meanwhile), one column each.
 */
export interface RecordTable {
  children: readonly ChildAccount[];
  accountOf: Int32Array;
  contactOf: Contact[];
  emails: KeyColumn;
  phones: KeyColumn;
  keyText: string[];
  /** 1 for a key carried by more than `maxContactsPerKey` contacts in one child account. */
  junk: Uint8Array;
  /** Records that carry tags now (only these can need clearing). */
  tagged: Int32Array;
}

interface JunkHit {
  key: number;
  account: number;
  contacts: number;
}

/**
 * Gives each distinct key an id and counts, per account, the contacts carrying it. Contacts are read account
 * by account, so a key's count restarts whenever its account changes.
 */
class KeyInterner {
  readonly keyText: string[] = [];
  readonly junkHits: JunkHit[] = [];
  private readonly keyIds = new Map<string, number>();
  private readonly keyAccount = new IntList();
  private readonly keyCount = new IntList();
  /** Per key, the visit (one contact's emails, or its phones) that last counted it: finds repeats in O(1). */
  private readonly keyVisit = new IntList();
  private openHits = new Map<number, JunkHit>();
  private account = -1;
  private visit = -1;

  constructor(private readonly maxContactsPerKey: number) {}

  startAccount(account: number): void {
    this.account = account;
    this.openHits = new Map();
  }

  /** Starts reading one kind of key of one contact. */
  startContact(): void {
    this.visit++;
  }

  /** The key's id, counting one more contact for it; -1 when this contact already counted it. */
  count(text: string): number {
    const { account, visit } = this;
    const known = this.keyIds.get(text);
    if (known === undefined) {
      const id = this.keyText.length;
      this.keyIds.set(text, id);
      this.keyText.push(text);
      this.keyAccount.push(account);
      this.keyCount.push(1);
      this.keyVisit.push(visit);
      return id;
    }
    if (this.keyVisit.get(known) === visit) return -1;
    this.keyVisit.set(known, visit);
    if (this.keyAccount.get(known) !== account) {
      this.keyAccount.set(known, account);
      this.keyCount.set(known, 1);
      return known;
    }
    const contacts = this.keyCount.get(known) + 1;
    this.keyCount.set(known, contacts);
    if (contacts > this.maxContactsPerKey) {
      const hit = this.openHits.get(known);
      if (hit) hit.contacts = contacts;
      else {
        const opened = { key: known, account, contacts };
        this.openHits.set(known, opened);
        this.junkHits.push(opened);
      }
    }
    return known;
  }
}

export type KeyKind = 'email' | 'phone';

/** Reads one kind of key of every record into a column; a contact counts once per key. */
function readColumn(
  kind: KeyKind,
  children: readonly ChildAccount[],
  interner: KeyInterner,
  readers: readonly KeyReader[],
): KeyColumn {
  const start = new IntList();
  const list = new IntList();
  start.push(0);
  children.forEach((child, account) => {
    interner.startAccount(account);
    const reader = readers[account] as KeyReader;
    for (const contact of child.contacts) {
      interner.startContact();
      const given = contact.keys?.[kind === 'email' ? 'emails' : 'phones'];
      for (const raw of given ?? (kind === 'email' ? contact.emails : contact.phones)) {
        const key = given
          ? raw
          : kind === 'email'
            ? reader.email(raw, contact.id)
            : reader.phone(raw, contact.id);
        if (key === null) continue;
        const id = interner.count(key);
        if (id !== -1) list.push(id);
      }
      start.push(list.length);
    }
  });
  return { start: start.toArray(), list: list.toArray() };
}

/** The first stage of reading a tenant: its records and their email keys (no phone parsing). */
export interface EmailPass {
  children: readonly ChildAccount[];
  accountOf: Int32Array;
  contactOf: Contact[];
  tagged: Int32Array;
  emails: KeyColumn;
  interner: KeyInterner;
  countries: string[];
  maxContactsPerKey: number;
}

export function readRecordsAndEmails(
  children: readonly ChildAccount[],
  defaultCountry: string,
  maxContactsPerKey: number,
  warnings: Warning[],
): EmailPass {
  const total = children.reduce((sum, child) => sum + child.contacts.length, 0);
  const accountOf = new Int32Array(total);
  const contactOf: Contact[] = new Array(total);
  const tagged = new IntList();
  let r = 0;
  children.forEach((child, account) => {
    for (const contact of child.contacts) {
      if (contact.tags.length > 0 || (contact.tagValues?.length ?? 0) > 0) tagged.push(r);
      accountOf[r] = account;
      contactOf[r++] = contact;
    }
  });
  const countries = children.map((child) => child.country ?? defaultCountry);
  const readers = children.map((child, i) => new KeyReader(child.id, countries[i] as string, warnings));
  const interner = new KeyInterner(maxContactsPerKey);
  const emails = readColumn('email', children, interner, readers);
  return {
    children,
    accountOf,
    contactOf,
    tagged: tagged.toArray(),
    emails,
    interner,
    countries,
    maxContactsPerKey,
  };
}

/** The second stage: phone keys (parsed, or looked up in verdicts computed meanwhile), then junk keys. */
export function addPhones(pass: EmailPass, phoneReader: PhoneReader, warnings: Warning[]): RecordTable {
  const { children, interner, maxContactsPerKey } = pass;
  const readers = children.map(
    (child, i) => new KeyReader(child.id, pass.countries[i] as string, warnings, phoneReader),
  );
  const phones = readColumn('phone', children, interner, readers);
  const { keyText } = interner;
  const junk = new Uint8Array(keyText.length);
  for (const hit of interner.junkHits) {
    junk[hit.key] = 1;
    const child = children[hit.account] as ChildAccount;
    const text = keyText[hit.key] as string;
    const what = text.includes('@') ? `email "${maskEmail(text)}"` : `phone ending ${maskPhone(text)}`;
    warnings.push({
      code: 'junk-key',
      accountId: child.id,
      detail: `${what} is on ${hit.contacts} contacts in ${child.name} (more than ${maxContactsPerKey}); it is not used for matching anywhere`,
    });
  }
  return {
    children,
    accountOf: pass.accountOf,
    contactOf: pass.contactOf,
    emails: pass.emails,
    phones,
    keyText,
    junk,
    tagged: pass.tagged,
  };
}

/** Both stages at once. */
export function buildRecordTable(
  children: readonly ChildAccount[],
  defaultCountry: string,
  maxContactsPerKey: number,
  phones: PhoneReader,
  warnings: Warning[],
): RecordTable {
  const pass = readRecordsAndEmails(children, defaultCountry, maxContactsPerKey, warnings);
  return addPhones(pass, phones, warnings);
}
