import type { ContactDetails } from '../connector.ts';
import type { SessionContext } from './context.ts';
import { emailsAndPhones, type PersonRow } from './people.ts';
import { detailsQuery, soqlString } from './soql.ts';

// An export's live emails and phones: SOQL by Id for Contacts (ids starting 003) and Leads (00Q), through the
// session's client (org request bound, API budget, retries). Ids are grouped so that each query stays far under
// Salesforce's limits on a SOQL statement (100,000 characters) and on a REST GET's URL (about 16 kB, which the
// percent-encoded query must fit in).

/** Characters of SOQL per query: about 15 kB of URL once percent-encoded. */
export const MAX_SOQL_CHARS = 10_000;

const OBJECTS = [
  { object: 'Contact', prefix: '003' },
  { object: 'Lead', prefix: '00Q' },
] as const;

/** Ids in groups whose query stays under `max` characters. */
export function idGroups(
  object: 'Contact' | 'Lead',
  ids: readonly string[],
  max = MAX_SOQL_CHARS,
): string[][] {
  const base = detailsQuery(object, []).length;
  const groups: string[][] = [];
  let group: string[] = [];
  let length = base;
  for (const id of ids) {
    const literal = soqlString(id).length;
    if (group.length > 0 && length + 2 + literal > max) {
      groups.push(group);
      group = [];
      length = base;
    }
    length += (group.length > 0 ? 2 : 0) + literal;
    group.push(id);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export async function readContactDetails(
  ctx: SessionContext,
  ids: readonly string[],
): Promise<ContactDetails[]> {
  const unique = [...new Set(ids)];
  const queries = OBJECTS.flatMap(({ object, prefix }) =>
    idGroups(
      object,
      unique.filter((id) => id.startsWith(prefix)),
    ).map((group) => ({ object, group })),
  );
  const answers = await Promise.all(
    queries.map(({ object, group }) =>
      ctx.client.queryAll<PersonRow>(`read ${object} details`, detailsQuery(object, group)),
    ),
  );
  return answers.flat().map((row) => ({ id: row.Id, ...emailsAndPhones(row) }));
}
