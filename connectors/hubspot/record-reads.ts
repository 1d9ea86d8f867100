import { type Contact, chunks, type Deal } from '../../src/core/index.ts';
import { ConnectorError, type RecordsRead, type RecordsWanted } from '../connector.ts';
import { BATCH } from './batch-write.ts';
import type { PortalCaller } from './portal-caller.ts';
import { CONTACT_PROPERTIES, pullPipelines, toContact } from './pull.ts';

// A targeted resync's reads: one contact with its deals' ids in one call (the usual webhook), else contacts and
// deals by id (CRM v3 batch read, 100 ids a call), the deals of contacts
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

/**
 * One contact and its deals' ids in one call (a webhook's usual change: GET with `associations=deals`); null ids
 * when it has more deals than one page lists (the v4 read follows the paging), no contact when HubSpot has none.
 */
async function readContactWithDeals(
  caller: PortalCaller,
  id: string,
  tagProperty: string,
  labels: ReadonlyMap<string, string>,
): Promise<{ contact: Contact | null; dealIds: string[] | null }> {
  try {
    const object = await caller.call(
      'read',
      'read contact',
      (client) =>
        client.crm.contacts.basicApi.getByIdWithHttpInfo(
          id,
          [...CONTACT_PROPERTIES, tagProperty],
          undefined,
          ['deals'],
        ),
      [404],
    );
    const deals = object.associations?.deals;
    return {
      contact: toContact(object, tagProperty, labels),
      dealIds: deals?.paging?.next ? null : [...new Set((deals?.results ?? []).map((r) => r.id))],
    };
  } catch (error) {
    if (error instanceof ConnectorError && error.status === 404) return { contact: null, dealIds: [] };
    throw error;
  }
}

/** The contacts asked for and their deals' ids: one call for a single contact, batch reads for more. */
async function contactsAndDeals(
  caller: PortalCaller,
  wanted: RecordsWanted,
  tagProperty: string,
  labels: () => Promise<ReadonlyMap<string, string>>,
): Promise<[Contact[], Map<string, string[]>]> {
  const ids = [...new Set(wanted.contacts)];
  const withDeals = wanted.dealsOfContacts !== false && ids.length > 0;
  const [single] = ids;
  if (withDeals && ids.length === 1 && single !== undefined) {
    const { contact, dealIds } = await readContactWithDeals(caller, single, tagProperty, await labels());
    const dealsOf =
      dealIds === null ? await associated(caller, 'contacts/deals', ids) : new Map([[single, dealIds]]);
    return [contact ? [contact] : [], dealsOf];
  }
  return Promise.all([
    ids.length > 0 ? labels().then((l) => readContacts(caller, ids, tagProperty, l)) : ([] as Contact[]),
    withDeals ? associated(caller, 'contacts/deals', ids) : new Map<string, string[]>(),
  ]);
}

export async function readRecords(
  caller: PortalCaller,
  wanted: RecordsWanted,
  tagProperty: string,
  labels: () => Promise<ReadonlyMap<string, string>>,
): Promise<RecordsRead> {
  // The contacts asked for and their deals' ids at once; then the deals, then any contact of theirs not read yet.
  const [tagLabels, [contacts, dealsOf], pipelines] = await Promise.all([
    labels(),
    contactsAndDeals(caller, wanted, tagProperty, labels),
    wanted.pipelines ? pullPipelines(caller) : undefined,
  ]);
  const deals = await readDeals(caller, [...new Set([...wanted.deals, ...[...dealsOf.values()].flat()])]);
  const read = new Set(contacts.map((c) => c.id));
  const more = [...new Set(deals.flatMap((d) => d.contactIds))].filter((id) => !read.has(id));
  if (more.length > 0) contacts.push(...(await readContacts(caller, more, tagProperty, tagLabels)));
  return { contacts, deals, ...(pipelines ? { pipelines } : {}) };
}
