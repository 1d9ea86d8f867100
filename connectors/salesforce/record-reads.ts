import { type Contact, chunks, type Deal } from '../../src/core/index.ts';
import type { RecordsRead, RecordsWanted } from '../connector.ts';
import { readsLeads, type SessionContext, scopedAccountId } from './context.ts';
import { countConversions, type MemberRow, type PersonRow, toContact } from './people.ts';
import { soqlString, stagesQuery } from './soql.ts';
import { PIPELINE_ID, type StageRow, stagePipeline } from './stages.ts';

// A targeted resync's reads: Contacts and Leads (ids 003 and 00Q), Opportunities and their contact roles, and the
// responded campaign members of the people read, all by Id (SOQL `IN`), scoped to the community's Account in the
// one-org layout, as a pull maps them.

/** Ids per query: far under SOQL's statement and URL limits (see contact-details.ts). */
const IDS_PER_QUERY = 200;

const PERSON_FIELDS = ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'CreatedDate'];

type Row = Record<string, unknown>;

async function byIds<T extends Row>(
  ctx: SessionContext,
  operation: string,
  ids: readonly string[],
  query: (list: string) => string,
): Promise<T[]> {
  const groups = chunks([...new Set(ids)], IDS_PER_QUERY);
  const answers = await Promise.all(
    groups.map((group) => ctx.client.queryAll<T>(operation, query(group.map(soqlString).join(', ')))),
  );
  return answers.flat();
}

async function readPeople(ctx: SessionContext, ids: readonly string[]): Promise<Contact[]> {
  const accountId = scopedAccountId(ctx);
  const scope = accountId ? ` AND AccountId = ${soqlString(accountId)}` : '';
  const objects = [
    { object: 'Contact' as const, prefix: '003', where: scope },
    ...(readsLeads(ctx)
      ? [{ object: 'Lead' as const, prefix: '00Q', where: ' AND IsConverted = false' }]
      : []),
  ];
  const people: Contact[] = [];
  for (const { object, prefix, where } of objects) {
    const wanted = ids.filter((id) => id.startsWith(prefix));
    if (wanted.length === 0) continue;
    const field = await ctx.schema.field(object, ctx.options.tagField);
    const tag = field ? ctx.options.tagField : null;
    const labels = new Map((field?.picklistValues ?? []).map((v) => [v.value, v.label]));
    const fields = [...PERSON_FIELDS, ...(tag ? [tag] : [])].join(', ');
    const person = object === 'Contact' ? 'ContactId' : 'LeadId';
    const [rows, members] = await Promise.all([
      byIds<PersonRow>(
        ctx,
        `read ${object}s`,
        wanted,
        (list) => `SELECT ${fields} FROM ${object} WHERE Id IN (${list})${where}`,
      ),
      byIds<MemberRow & Row>(
        ctx,
        'read campaign members',
        wanted,
        (list) =>
          `SELECT ContactId, LeadId, FirstRespondedDate FROM CampaignMember WHERE HasResponded = true AND ${person} IN (${list})`,
      ),
    ]);
    const conversions = countConversions(members);
    people.push(...rows.map((row) => toContact(row, tag, labels, conversions.get(row.Id))));
  }
  return people;
}

async function readDeals(ctx: SessionContext, ids: readonly string[]) {
  const accountId = scopedAccountId(ctx);
  const scope = accountId ? ` AND AccountId = ${soqlString(accountId)}` : '';
  const [opportunities, roles] = await Promise.all([
    byIds<{ Id: string; StageName: string; ContactId: string | null }>(
      ctx,
      'read opportunities',
      ids,
      (list) => `SELECT Id, StageName, ContactId FROM Opportunity WHERE Id IN (${list})${scope}`,
    ),
    byIds<{ OpportunityId: string; ContactId: string }>(
      ctx,
      'read contact roles',
      ids,
      (list) =>
        `SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN (${list})`,
    ),
  ]);
  const contactsOf = new Map(opportunities.map((o) => [o.Id, new Set(o.ContactId ? [o.ContactId] : [])]));
  for (const role of roles) contactsOf.get(role.OpportunityId)?.add(role.ContactId);
  return opportunities.map((o) => ({
    id: o.Id,
    stageId: o.StageName,
    contactIds: [...(contactsOf.get(o.Id) ?? [])],
  }));
}

/** The Opportunities of these Contacts: as their ContactId or through a contact role. */
async function dealIdsOf(ctx: SessionContext, contactIds: readonly string[]): Promise<string[]> {
  const contacts = contactIds.filter((id) => id.startsWith('003'));
  if (contacts.length === 0) return [];
  const [direct, roles] = await Promise.all([
    byIds<{ Id: string }>(
      ctx,
      'read opportunities',
      contacts,
      (list) => `SELECT Id FROM Opportunity WHERE ContactId IN (${list})`,
    ),
    byIds<{ OpportunityId: string }>(
      ctx,
      'read contact roles',
      contacts,
      (list) => `SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId IN (${list})`,
    ),
  ]);
  return [...direct.map((o) => o.Id), ...roles.map((r) => r.OpportunityId)];
}

export async function readRecords(ctx: SessionContext, wanted: RecordsWanted): Promise<RecordsRead> {
  const withDeals = wanted.dealsOfContacts !== false;
  const [people, dealIds, stageRows] = await Promise.all([
    readPeople(ctx, wanted.contacts),
    withDeals ? dealIdsOf(ctx, wanted.contacts) : [],
    wanted.pipelines ? ctx.client.queryAll<StageRow>('read stages', stagesQuery()) : null,
  ]);
  const read = await readDeals(ctx, [...new Set([...wanted.deals, ...dealIds])]);
  const known = new Set(people.map((p) => p.id));
  const more = [...new Set(read.flatMap((d) => d.contactIds))].filter((id) => !known.has(id));
  if (more.length > 0) people.push(...(await readPeople(ctx, more)));
  // As a pull does: a deal counts with the people of this account only, and not at all without any.
  const present = new Set(people.map((p) => p.id));
  const deals: Deal[] = read.flatMap((d) => {
    const contactIds = d.contactIds.filter((id) => present.has(id));
    return contactIds.length > 0
      ? [{ id: d.id, pipelineId: PIPELINE_ID, stageId: d.stageId, contactIds }]
      : [];
  });
  return {
    contacts: people,
    deals,
    ...(stageRows ? { pipelines: [stagePipeline(stageRows, new Set(read.map((d) => d.stageId)))] } : {}),
  };
}
