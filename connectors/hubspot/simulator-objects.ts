import {
  type Answer,
  checkValues,
  contactOut,
  invalid,
  listed,
  newContact,
  notFound,
  paging,
  type RouteContext,
  stringProperties,
  uniqueConflict,
  write,
} from './simulator-routes.ts';
import type { SimContact, SimDeal, SimPortal } from './simulator-state.ts';

// The single-object endpoints a community's staff cause when they work in HubSpot (the simulator's stand-in for
// its UI): create, read, update and archive one contact or deal, merge two contacts, and the v4 associations of a
// deal, paged. Each change is reported in `context.changes` so it becomes a webhook event.

const CONTACT = /^\/crm\/v3\/objects\/contacts\/([^/]+)$/;
const DEAL = /^\/crm\/v3\/objects\/deals\/([^/]+)$/;
const DEAL_CONTACTS = /^\/crm\/v4\/objects\/deals?\/([^/]+)\/associations\/contacts?$/;
const MAX_ASSOCIATIONS_PAGE = 500;

export function routeObject(
  portal: SimPortal,
  method: string,
  path: string,
  url: URL,
  body: unknown,
  context: RouteContext,
): Answer | null {
  if (method === 'POST' && path === '/crm/v3/objects/contacts') return createContact(portal, body, context);
  if (method === 'POST' && path === '/crm/v3/objects/contacts/merge')
    return mergeContacts(portal, body, context);
  if (method === 'POST' && path === '/crm/v3/objects/deals') return createDeal(portal, body, context);
  const contact = CONTACT.exec(path);
  const contactId = contact ? decodeURIComponent(contact[1] as string) : null;
  if (contactId !== null) {
    const found = portal.contacts.get(contactId);
    if (!found) return notFound(`Object not found. objectId are usually numeric.`);
    if (method === 'GET') {
      const body = contactOut(found, listed(url, 'properties'));
      if (!listed(url, 'associations').includes('deals')) return { status: 200, body };
      return { status: 200, body: { ...body, associations: contactDeals(portal, contactId) } };
    }
    if (method === 'PATCH') return updateContact(portal, found, body, context);
    if (method === 'DELETE') {
      portal.contacts.delete(contactId);
      for (const deal of portal.deals.values())
        deal.contactIds = deal.contactIds.filter((id) => id !== contactId);
      context.changes?.push({ portalId: '', action: 'deletion', objectTypeId: '0-1', objectId: contactId });
      return { status: 204 };
    }
  }
  const deal = DEAL.exec(path);
  const dealId = deal ? decodeURIComponent(deal[1] as string) : null;
  if (dealId !== null) {
    const found = portal.deals.get(dealId);
    if (!found) return notFound(`Object not found. objectId are usually numeric.`);
    if (method === 'GET') return { status: 200, body: dealOut(found, listed(url, 'properties')) };
    if (method === 'PATCH') return updateDeal(found, body, context);
    if (method === 'DELETE') {
      portal.deals.delete(dealId);
      context.changes?.push({ portalId: '', action: 'deletion', objectTypeId: '0-3', objectId: dealId });
      return { status: 204 };
    }
  }
  const associations = DEAL_CONTACTS.exec(path);
  if (associations && method === 'GET') {
    const found = portal.deals.get(decodeURIComponent(associations[1] as string));
    if (!found) return notFound('Object not found. objectId are usually numeric.');
    return dealContacts(found, url);
  }
  return null;
}

/** A contact's deals listed with it (`associations=deals`): the first 100, then a cursor for the v4 API. */
function contactDeals(portal: SimPortal, contactId: string) {
  const ids = [...portal.deals.values()].filter((d) => d.contactIds.includes(contactId)).map((d) => d.id);
  if (ids.length === 0) return {};
  const results = ids.slice(0, 100).map((id) => ({ id, type: 'contact_to_deal' }));
  if (ids.length <= 100) return { deals: { results } };
  const link = `/crm/v4/objects/contacts/${contactId}/associations/deals?after=100`;
  return { deals: { results, paging: { next: { after: '100', link } } } };
}

const propertiesOf = (body: unknown): Record<string, unknown> | null => {
  const properties = (body as { properties?: unknown } | undefined)?.properties;
  return typeof properties === 'object' && properties !== null
    ? (properties as Record<string, unknown>)
    : null;
};

function createContact(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const properties = propertiesOf(body);
  if (!properties) return invalid('Invalid input JSON: expected an object with "properties"');
  const problem = checkValues(portal, properties);
  if (problem) return invalid(problem);
  const changes = stringProperties(properties);
  const conflict = uniqueConflict(portal, null, changes);
  if (conflict) return { status: 409, body: { ...(invalid(conflict).body as object), category: 'CONFLICT' } };
  const contact = newContact(portal, context);
  write(portal, contact, changes, context);
  contact.indexedProperties = null;
  return { status: 201, body: contactOut(contact, Object.keys(changes)) };
}

function updateContact(portal: SimPortal, contact: SimContact, body: unknown, context: RouteContext): Answer {
  const properties = propertiesOf(body);
  if (!properties) return invalid('Invalid input JSON: expected an object with "properties"');
  const problem = checkValues(portal, properties);
  if (problem) return invalid(problem);
  const changes = stringProperties(properties);
  const conflict = uniqueConflict(portal, contact.id, changes);
  if (conflict) return { status: 409, body: { ...(invalid(conflict).body as object), category: 'CONFLICT' } };
  write(portal, contact, changes, context);
  return { status: 200, body: contactOut(contact, Object.keys(changes)) };
}

/** HubSpot's merge: the primary keeps its id and values, takes the other's empty ones, emails and deals. */
function mergeContacts(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const request = (body ?? {}) as { primaryObjectId?: unknown; objectIdToMerge?: unknown };
  const primary = portal.contacts.get(String(request.primaryObjectId ?? ''));
  const merged = portal.contacts.get(String(request.objectIdToMerge ?? ''));
  if (!primary || !merged || primary === merged)
    return invalid('primaryObjectId and objectIdToMerge must name two existing contacts');
  const before = context.changes?.length ?? 0;
  const filled: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(merged.properties)) {
    if (value !== null && (primary.properties[name] ?? null) === null && name !== 'hs_object_id')
      filled[name] = value;
  }
  const emails = [
    primary.properties.hs_additional_emails,
    merged.properties.email,
    merged.properties.hs_additional_emails,
  ]
    .flatMap((v) => (v ? v.split(';') : []))
    .filter((e) => e && e !== primary.properties.email);
  if (emails.length > 0) filled.hs_additional_emails = [...new Set(emails)].join(';');
  delete filled.email;
  portal.contacts.delete(merged.id);
  write(portal, primary, filled, context);
  for (const deal of portal.deals.values()) {
    if (!deal.contactIds.includes(merged.id)) continue;
    deal.contactIds = [...new Set(deal.contactIds.map((id) => (id === merged.id ? primary.id : id)))];
  }
  // HubSpot tells a merge as one event; the values it moved are part of it.
  context.changes?.splice(before);
  context.changes?.push({
    portalId: '',
    action: 'merge',
    objectTypeId: '0-1',
    objectId: primary.id,
    primaryObjectId: primary.id,
    mergedObjectIds: [merged.id],
  });
  return { status: 200, body: contactOut(primary, null) };
}

function dealOut(deal: SimDeal, names: readonly string[]) {
  const properties: Record<string, string | null> = { hs_object_id: deal.id, createdate: deal.createdAt };
  for (const name of names) properties[name] = deal.properties[name] ?? null;
  return { id: deal.id, properties, createdAt: deal.createdAt, updatedAt: deal.createdAt, archived: false };
}

function dealChanges(deal: SimDeal, changes: Record<string, string | null>, context: RouteContext): void {
  for (const [name, value] of Object.entries(changes)) {
    if ((deal.properties[name] ?? null) === value) continue;
    deal.properties[name] = value;
    context.changes?.push({
      portalId: '',
      action: 'propertyChange',
      objectTypeId: '0-3',
      objectId: deal.id,
      propertyName: name,
      propertyValue: value,
    });
  }
}

/** A deal, with `associations: [{to: {id}, types: [...]}]` to contacts as the v3 create takes them. */
function createDeal(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const properties = propertiesOf(body);
  if (!properties) return invalid('Invalid input JSON: expected an object with "properties"');
  const associations = (body as { associations?: { to?: { id?: unknown } }[] }).associations ?? [];
  const contactIds = associations.map((a) => String(a.to?.id ?? ''));
  const missing = contactIds.filter((id) => !portal.contacts.has(id));
  if (missing.length > 0) return invalid(`No contacts with ids ${missing.join(', ')}`);
  const id = portal.newId();
  const deal: SimDeal = {
    id,
    properties: { hs_object_id: id },
    contactIds: [...new Set(contactIds)],
    createdAt: new Date(context.now).toISOString(),
  };
  portal.deals.set(id, deal);
  context.changes?.push({ portalId: '', action: 'creation', objectTypeId: '0-3', objectId: id });
  dealChanges(deal, stringProperties(properties), context);
  for (const contactId of deal.contactIds)
    context.changes?.push({
      portalId: '',
      action: 'associationChange',
      objectTypeId: '0-3',
      objectId: id,
      toObjectTypeId: '0-1',
      toObjectId: contactId,
    });
  return { status: 201, body: dealOut(deal, Object.keys(properties)) };
}

function updateDeal(deal: SimDeal, body: unknown, context: RouteContext): Answer {
  const properties = propertiesOf(body);
  if (!properties) return invalid('Invalid input JSON: expected an object with "properties"');
  const changes = stringProperties(properties);
  dealChanges(deal, changes, context);
  return { status: 200, body: dealOut(deal, Object.keys(changes)) };
}

/** v4: a deal's contacts, 500 a page at most, with `after` cursors. */
function dealContacts(deal: SimDeal, url: URL): Answer {
  const limit = Number(url.searchParams.get('limit') ?? MAX_ASSOCIATIONS_PAGE);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ASSOCIATIONS_PAGE)
    return invalid(`limit must be between 1 and ${MAX_ASSOCIATIONS_PAGE}`);
  const after = Number(url.searchParams.get('after') ?? 0);
  if (!Number.isInteger(after) || after < 0)
    return invalid('after must be a paging cursor returned by this API');
  const next = after + limit < deal.contactIds.length ? String(after + limit) : null;
  return {
    status: 200,
    body: {
      results: deal.contactIds.slice(after, after + limit).map((id) => ({
        toObjectId: Number(id) || id,
        associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }],
      })),
      ...paging(next, url),
    },
  };
}
