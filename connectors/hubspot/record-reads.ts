import { type Contact, chunks, type Deal } from '../../src/core/index.ts';
import type { RecordsRead, RecordsWanted } from '../connector.ts';
import { BATCH } from './batch-write.ts';
import type { PortalCaller } from './portal-caller.ts';
import { CONTACT_PROPERTIES, pullPipelines, toContact } from './pull.ts';

// A targeted resync's reads: contacts and deals by id (CRM v3 batch read, 100 ids a call), the deals of contacts
// and the contacts of deals (v4 association batch read, following each object's `after` paging). Ids HubSpot no
// longer has come back as a 207's errors and are left out.

type Direction = 'contacts/deals' | 'deals/contacts';

/** Every associated id of each object, by object id (objects with none are left out). */
async function associated(caller: PortalCaller, direction: Direction, ids: readonly string[]) {
  const [from, to] = direction.split('/') as [string, string];
  const found = new Map<string, string[]>();
  let pending: { id: string; after?: string }[] = [...new Set(ids)].map((id) => ({ id }));
  while (pending.length > 0) {
    const answers = await Promise.all(
      chunks(pending, BATCH).map((inputs) =>
        caller.call('read', `read ${from} to ${to} associations`, (client) =>
          client.crm.associations.v4.batchApi.getPageWithHttpInfo(from, to, { inputs }),
        ),
      ),
    );
    pending = [];
    for (const result of answers.flatMap((answer) => answer.results)) {
      const id = result._from.id;
      found.set(id, [...(found.get(id) ?? []), ...result.to.map((t) => String(t.toObjectId))]);
      const after = result.paging?.next?.after;
      if (after) pending.push({ id, after });
    }
  }
  return found;
}

async function readDeals(caller: PortalCaller, ids: readonly string[]): Promise<Deal[]> {
  if (ids.length === 0) return [];
  const [answers, contactsOf] = await Promise.all([
    Promise.all(
      chunks([...new Set(ids)], BATCH).map((chunk) =>
        caller.call('read', 'read deals', (client) =>
          client.crm.deals.batchApi.readWithHttpInfo({
            inputs: chunk.map((id) => ({ id })),
            properties: ['pipeline', 'dealstage'],
            propertiesWithHistory: [],
          }),
        ),
      ),
    ),
    associated(caller, 'deals/contacts', ids),
  ]);
  return answers.flatMap((answer) =>
    answer.results.flatMap((deal) => {
      const pipelineId = deal.properties.pipeline;
      const stageId = deal.properties.dealstage;
      if (!pipelineId || !stageId) return [];
      return [{ id: deal.id, pipelineId, stageId, contactIds: [...new Set(contactsOf.get(deal.id) ?? [])] }];
    }),
  );
}

async function readContacts(
  caller: PortalCaller,
  ids: readonly string[],
  tagProperty: string,
  labels: ReadonlyMap<string, string>,
): Promise<Contact[]> {
  const answers = await Promise.all(
    chunks([...new Set(ids)], BATCH).map((chunk) =>
      caller.call('read', 'read contacts', (client) =>
        client.crm.contacts.batchApi.readWithHttpInfo({
          inputs: chunk.map((id) => ({ id })),
          properties: [...CONTACT_PROPERTIES, tagProperty],
          propertiesWithHistory: [],
        }),
      ),
    ),
  );
  return answers.flatMap((answer) => answer.results.map((o) => toContact(o, tagProperty, labels)));
}

export async function readRecords(
  caller: PortalCaller,
  wanted: RecordsWanted,
  tagProperty: string,
  labels: () => Promise<ReadonlyMap<string, string>>,
): Promise<RecordsRead> {
  const withDeals = wanted.dealsOfContacts !== false && wanted.contacts.length > 0;
  // The contacts asked for and their deals' ids at once; then the deals, then any contact of theirs not read yet.
  const [tagLabels, contacts, dealsOf, pipelines] = await Promise.all([
    labels(),
    wanted.contacts.length > 0
      ? labels().then((l) => readContacts(caller, wanted.contacts, tagProperty, l))
      : ([] as Contact[]),
    withDeals ? associated(caller, 'contacts/deals', wanted.contacts) : new Map<string, string[]>(),
    wanted.pipelines ? pullPipelines(caller) : undefined,
  ]);
  const deals = await readDeals(caller, [...new Set([...wanted.deals, ...[...dealsOf.values()].flat()])]);
  const read = new Set(contacts.map((c) => c.id));
  const more = [...new Set(deals.flatMap((d) => d.contactIds))].filter((id) => !read.has(id));
  if (more.length > 0) contacts.push(...(await readContacts(caller, more, tagProperty, tagLabels)));
  return { contacts, deals, ...(pipelines ? { pipelines } : {}) };
}
