import type { Contact, Deal, Pipeline } from '../../src/core/index.ts';
import type { PortalCaller } from './portal-caller.ts';

// Reading a portal: contacts and deals through the list API (100 per page, `after` cursors), deal pipelines
// with their stages, mapped onto the snapshot contract.

const PAGE = 100;

export const CONTACT_PROPERTIES = [
  'email',
  'hs_additional_emails',
  'phone',
  'mobilephone',
  'createdate',
  'num_conversion_events',
  'first_conversion_date',
  'firstname',
  'lastname',
] as const;

/** The deal properties the rules read. */
export const DEAL_PROPERTIES = ['pipeline', 'dealstage'] as const;

interface ListedObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date;
  associations?: { [key: string]: { results: { id: string }[]; paging?: { next?: { after: string } } } };
}

/**
 * Every page of a list endpoint, in order, each page's objects mapped as it arrives: mapping a portal's 20,000
 * contacts at the end held the event loop for half a second.
 */
async function allPages<T>(
  fetchPage: (
    after: string | undefined,
  ) => Promise<{ results: ListedObject[]; paging?: { next?: { after: string } } }>,
  map: (object: ListedObject) => T,
): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    for (const object of page.results) all.push(map(object));
    after = page.paging?.next?.after;
  } while (after);
  return all;
}

const split = (value: string | null | undefined) =>
  (value ?? '')
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean);

/** Every email (`email` and `hs_additional_emails`) and phone (`phone`, `mobilephone`) of a contact. */
export function emailsAndPhones(p: Record<string, string | null>): { emails: string[]; phones: string[] } {
  return {
    emails: [p.email, ...split(p.hs_additional_emails)].filter((e): e is string => Boolean(e)),
    phones: [p.phone, p.mobilephone].filter((e): e is string => Boolean(e)),
  };
}

const isoOf = (value: string | null | undefined, fallback: Date) => {
  if (value && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return fallback.toISOString();
};

/** Maps a HubSpot contact onto the contract; tag values are shown by their option labels. */
export function toContact(
  object: ListedObject,
  tagProperty: string,
  labels: ReadonlyMap<string, string>,
): Contact {
  const p = object.properties;
  const tagValues = split(p[tagProperty]);
  const properties: Contact['properties'] = {};
  if (p.firstname) properties.firstname = p.firstname;
  if (p.lastname) properties.lastname = p.lastname;
  const conversions = Number(p.num_conversion_events);
  return {
    id: object.id,
    ...emailsAndPhones(p),
    createdAt: isoOf(p.createdate, object.createdAt),
    // HubSpot leaves the count empty for contacts that never converted.
    conversions: Number.isInteger(conversions) && conversions > 0 ? conversions : 0,
    firstConversionAt: p.first_conversion_date ? isoOf(p.first_conversion_date, object.createdAt) : null,
    properties,
    tags: tagValues.map((value) => labels.get(value) ?? value),
    tagValues,
  };
}

export async function pullContacts(
  caller: PortalCaller,
  tagProperty: string,
  labels: ReadonlyMap<string, string>,
): Promise<Contact[]> {
  const properties = [...CONTACT_PROPERTIES, tagProperty];
  return allPages(
    (after) =>
      caller.call('read', 'list contacts', (client) =>
        client.crm.contacts.basicApi.getPageWithHttpInfo(PAGE, after, properties),
      ),
    (o) => toContact(o, tagProperty, labels),
  );
}

export async function pullDeals(caller: PortalCaller): Promise<Deal[]> {
  const objects = await allPages(
    (after) =>
      caller.call('read', 'list deals', (client) =>
        client.crm.deals.basicApi.getPageWithHttpInfo(PAGE, after, [...DEAL_PROPERTIES], undefined, [
          'contacts',
        ]),
      ),
    (deal) => deal,
  );
  const deals: Deal[] = [];
  for (const deal of objects) {
    const pipelineId = deal.properties.pipeline;
    const stageId = deal.properties.dealstage;
    if (!pipelineId || !stageId) continue;
    const listed = deal.associations?.contacts;
    const contactIds = (listed?.results ?? []).map((a) => a.id);
    // A list shows a deal's first 100 contacts; the rest come from the associations API, page by page.
    const after = listed?.paging?.next?.after;
    if (after) contactIds.push(...(await moreDealContacts(caller, deal.id, after)));
    deals.push({ id: deal.id, pipelineId, stageId, contactIds: [...new Set(contactIds)] });
  }
  return deals;
}

const ASSOCIATIONS_PAGE = 500;

/** A deal's contacts from the v4 associations API, from `after` on. */
async function moreDealContacts(caller: PortalCaller, dealId: string, after: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined = after;
  while (cursor) {
    const from: string = cursor;
    const page = await caller.call('read', 'read deal contacts', (client) =>
      client.crm.associations.v4.basicApi.getPageWithHttpInfo(
        'deals',
        dealId,
        'contacts',
        from,
        ASSOCIATIONS_PAGE,
      ),
    );
    ids.push(...page.results.map((r) => String(r.toObjectId)));
    cursor = page.paging?.next?.after;
  }
  return ids;
}

/** Won and lost come from the stage metadata: closed with probability 1 is won, any other closed stage lost. */
export async function pullPipelines(caller: PortalCaller): Promise<Pipeline[]> {
  const answer = await caller.call('read', 'read deal pipelines', (client) =>
    client.crm.pipelines.pipelinesApi.getAllWithHttpInfo('deals'),
  );
  return answer.results.map((pipeline) => ({
    id: pipeline.id,
    label: pipeline.label,
    stages: [...pipeline.stages]
      .sort((a, b) => a.displayOrder - b.displayOrder)
      .map((stage) => {
        const closed = stage.metadata?.isClosed === 'true';
        const probability = Number(stage.metadata?.probability);
        return {
          id: stage.id,
          label: stage.label,
          order: stage.displayOrder,
          outcome: closed ? (probability >= 1 ? ('won' as const) : ('lost' as const)) : null,
        };
      }),
  }));
}
