import type { ChildAccount, Contact, CorporateAccount, Deal } from '../../src/core/index.ts';
import { inRelationshipMode, readsLeads, type SessionContext, scopedAccountId } from './context.ts';
import { countConversions, iso, type MemberRow, type PersonRow, toContact } from './people.ts';
import type { ParentRelationRow } from './relation-rows.ts';
import {
  contactRolesQuery,
  contactsQuery,
  leadsQuery,
  opportunitiesQuery,
  parentRelationsQuery,
  respondedMembersQuery,
  stagesQuery,
} from './soql.ts';
import { PIPELINE_ID, type StageRow, stagePipeline } from './stages.ts';

// Pulling a snapshot: Contacts (and Leads), Opportunities with their contacts, stage order, responded campaign
// members. Queries run in parallel within the org's request bound.

/** The tag field on an object, when the integration user can see it, with its option labels. */
async function tagFieldOf(ctx: SessionContext, object: string) {
  const field = await ctx.schema.field(object, ctx.options.tagField);
  const labels = new Map((field?.picklistValues ?? []).map((v) => [v.value, v.label]));
  return { name: field ? ctx.options.tagField : null, labels };
}

async function readPeople(ctx: SessionContext, object: 'Contact' | 'Lead', accountId: string | null) {
  const tag = await tagFieldOf(ctx, object);
  const soql = object === 'Contact' ? contactsQuery(tag.name, accountId) : leadsQuery(tag.name);
  const rows = await ctx.client.queryLarge<PersonRow>(`read ${object}s`, soql);
  return { rows, tag };
}

export async function pullChild(ctx: SessionContext): Promise<ChildAccount> {
  await ctx.schema.refusePersonAccounts();
  const accountId = scopedAccountId(ctx);
  const q = <T>(operation: string, soql: string) => ctx.client.queryAll<T>(operation, soql);
  const [contacts, leads, stageRows, opportunities, roles, members] = await Promise.all([
    readPeople(ctx, 'Contact', accountId),
    readsLeads(ctx) ? readPeople(ctx, 'Lead', null) : null,
    q<StageRow>('read stages', stagesQuery()),
    q<{ Id: string; StageName: string; ContactId: string | null }>(
      'read opportunities',
      opportunitiesQuery(accountId),
    ),
    q<{ OpportunityId: string; ContactId: string }>('read contact roles', contactRolesQuery(accountId)),
    q<MemberRow>('read campaign members', respondedMembersQuery(accountId)),
  ]);

  const conversions = countConversions(members);
  const people: Contact[] = contacts.rows.map((row) =>
    toContact(row, contacts.tag.name, contacts.tag.labels, conversions.get(row.Id)),
  );
  if (leads)
    for (const row of leads.rows)
      people.push(toContact(row, leads.tag.name, leads.tag.labels, conversions.get(row.Id)));

  const known = new Set(people.map((p) => p.id));
  const contactIdsOf = new Map<string, Set<string>>();
  for (const opportunity of opportunities)
    contactIdsOf.set(opportunity.Id, new Set(opportunity.ContactId ? [opportunity.ContactId] : []));
  for (const role of roles) contactIdsOf.get(role.OpportunityId)?.add(role.ContactId);
  const deals: Deal[] = opportunities.flatMap((opportunity) => {
    const contactIds = [...(contactIdsOf.get(opportunity.Id) ?? [])].filter((id) => known.has(id));
    if (contactIds.length === 0) return [];
    return [{ id: opportunity.Id, pipelineId: PIPELINE_ID, stageId: opportunity.StageName, contactIds }];
  });
  const used = new Set(opportunities.map((o) => o.StageName));
  return {
    id: ctx.connection.accountId,
    name: ctx.connection.name,
    country: ctx.connection.country as ChildAccount['country'],
    pipelines: [stagePipeline(stageRows, used)],
    contacts: people,
    deals,
  };
}

export async function pullCorporate(ctx: SessionContext): Promise<CorporateAccount> {
  await ctx.schema.refusePersonAccounts();
  const accountId = scopedAccountId(ctx);
  const contacts = await readPeople(ctx, 'Contact', accountId);
  const people = contacts.rows.map((row) =>
    toContact(row, contacts.tag.name, contacts.tag.labels, undefined),
  );
  if (inRelationshipMode(ctx) && accountId && (await ctx.schema.describe('AccountContactRelation'))) {
    // Each relation to the parent stands for a corporate contact: the related record, with the relation's tags.
    const tag = await tagFieldOf(ctx, 'AccountContactRelation');
    const relations = await ctx.client.queryAll<ParentRelationRow>(
      'read relations',
      parentRelationsQuery(tag.name, accountId),
    );
    ctx.parentRelations = new Map(relations.map((r) => [r.ContactId, r]));
    for (const relation of relations) {
      const related = relation.Contact;
      const contact = toContact(
        {
          Id: relation.ContactId,
          Email: related?.Email ?? null,
          Phone: related?.Phone ?? null,
          MobilePhone: related?.MobilePhone ?? null,
          FirstName: related?.FirstName ?? null,
          LastName: related?.LastName ?? null,
          CreatedDate: relation.CreatedDate,
          ...(tag.name ? { [tag.name]: relation[tag.name] } : {}),
        },
        tag.name,
        tag.labels,
        undefined,
      );
      people.push({ ...contact, createdAt: iso(relation.CreatedDate) });
    }
  }
  return {
    id: ctx.connection.accountId,
    name: ctx.connection.name,
    country: ctx.connection.country as ChildAccount['country'],
    contacts: people,
  };
}
