import type { Contact } from '../../src/core/index.ts';

// Mapping Salesforce people (Contact, Lead) to the snapshot's contact shape, and tag values to stored text.

export interface PersonRow {
  Id: string;
  FirstName?: string | null;
  LastName?: string | null;
  Email?: string | null;
  Phone?: string | null;
  MobilePhone?: string | null;
  CreatedDate: string;
  [field: string]: unknown;
}

export interface Conversions {
  count: number;
  first: string | null;
}

/** A multi-select picklist value (`a;b`) as its option values. */
export const splitPicklist = (stored: unknown): string[] =>
  typeof stored === 'string' && stored !== '' ? stored.split(';').filter(Boolean) : [];

/** Option values as a multi-select picklist value; null clears the field. */
export const joinPicklist = (values: readonly string[]): string | null => {
  if (values.some((v) => v.includes(';'))) throw new Error('a picklist value cannot contain ;');
  return values.length > 0 ? values.join(';') : null;
};

export const iso = (date: string): string => new Date(date).toISOString();

/** A person's emails and phones as Salesforce holds them (Email; Phone and MobilePhone). */
export const emailsAndPhones = (row: Pick<PersonRow, 'Email' | 'Phone' | 'MobilePhone'>) => ({
  emails: row.Email ? [row.Email] : [],
  phones: [row.Phone, row.MobilePhone].filter((p): p is string => typeof p === 'string' && p !== ''),
});

export function toContact(
  row: PersonRow,
  tagField: string | null,
  labels: ReadonlyMap<string, string>,
  conversions: Conversions | undefined,
): Contact {
  const tagValues = tagField ? splitPicklist(row[tagField]) : [];
  return {
    id: row.Id,
    ...emailsAndPhones(row),
    createdAt: iso(row.CreatedDate),
    conversions: conversions?.count ?? 0,
    firstConversionAt: conversions?.first ? iso(conversions.first) : null,
    properties: { FirstName: row.FirstName ?? null, LastName: row.LastName ?? null },
    tags: tagValues.map((value) => labels.get(value) ?? value),
    tagValues,
  };
}

export interface MemberRow {
  ContactId: string | null;
  LeadId: string | null;
  FirstRespondedDate: string | null;
}

/** Responded campaign members per person: how many, and the earliest first response. */
export function countConversions(members: readonly MemberRow[]): Map<string, Conversions> {
  const byPerson = new Map<string, Conversions>();
  for (const member of members) {
    const personId = member.ContactId ?? member.LeadId;
    if (!personId) continue;
    const entry = byPerson.get(personId) ?? { count: 0, first: null };
    entry.count += 1;
    const date = member.FirstRespondedDate;
    if (date && (!entry.first || date < entry.first)) entry.first = date;
    byPerson.set(personId, entry);
  }
  return byPerson;
}

const PLACEHOLDER_LAST_NAME = '(name unknown - Community Sync)';

/** The name fields of a new Contact: Salesforce requires LastName, so fall back to a clear placeholder. */
export function nameFields(properties: Record<string, string | number | boolean | null>): {
  FirstName: string | null;
  LastName: string;
} {
  const text = (...keys: string[]) => {
    for (const key of keys) {
      const value = properties[key];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return null;
  };
  return {
    FirstName: text('FirstName', 'firstname', 'first_name'),
    LastName: text('LastName', 'lastname', 'last_name', 'Name', 'name') ?? PLACEHOLDER_LAST_NAME,
  };
}
