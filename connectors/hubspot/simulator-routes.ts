import { randomUUID } from 'node:crypto';
import { routeObject } from './simulator-objects.ts';
import { routeRecordReads } from './simulator-record-reads.ts';
import {
  type SimContact,
  type SimPortal,
  type SimProperty,
  STANDARD_CONTACT_PROPERTIES,
} from './simulator-state.ts';
import type { SimChange } from './simulator-webhooks.ts';

// The CRM v3 endpoints the connector uses, answered from one portal's state with HubSpot's shapes:
// list paging with `after`, batch read, update and upsert (100 inputs at most), search (lagging behind writes),
// contact properties and groups, deal pipelines, deal-to-contact associations.

export interface Answer {
  status: number;
  body?: unknown;
}

export interface RouteContext {
  now: number;
  searchLagMs: number;
  /** Every change a request made, as webhook events will tell it. */
  changes?: SimChange[];
}

const MAX_PAGE = 100;
const MAX_BATCH = 100;
export const MAX_SEARCH_RESULTS = 10_000;

/** HubSpot's error body (the `Error` schema: status, message, correlationId, category). */
export function errorBody(category: string, message: string, extra: Record<string, unknown> = {}) {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export const invalid = (message: string): Answer => ({
  status: 400,
  body: errorBody('VALIDATION_ERROR', message),
});
export const notFound = (message: string): Answer => ({
  status: 404,
  body: errorBody('OBJECT_NOT_FOUND', message),
});

export function contactOut(
  contact: SimContact,
  names: readonly string[] | null,
  properties = contact.properties,
) {
  const shown: Record<string, string | null> = {
    createdate: properties.createdate ?? contact.createdAt,
    hs_object_id: contact.id,
    lastmodifieddate: contact.updatedAt,
  };
  for (const name of names ?? []) shown[name] = properties[name] ?? null;
  return {
    id: contact.id,
    properties: shown,
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: false,
  };
}

function page<T>(items: T[], url: URL): Answer | { slice: T[]; next: string | null } {
  const limit = Number(url.searchParams.get('limit') ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    return invalid(`limit must be between 1 and ${MAX_PAGE}, got ${url.searchParams.get('limit')}`);
  const after = Number(url.searchParams.get('after') ?? 0);
  if (!Number.isInteger(after) || after < 0)
    return invalid('after must be a paging cursor returned by this API');
  const slice = items.slice(after, after + limit);
  return { slice, next: after + limit < items.length ? String(after + limit) : null };
}

export const listed = (url: URL, name: string) =>
  url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(','))
    .filter(Boolean);

export function paging(next: string | null, url: URL) {
  if (next === null) return {};
  return { paging: { next: { after: next, link: `${url.pathname}?after=${next}` } } };
}

function listContacts(portal: SimPortal, url: URL): Answer {
  const result = page([...portal.contacts.values()], url);
  if ('status' in result) return result;
  const names = listed(url, 'properties');
  return {
    status: 200,
    body: { results: result.slice.map((c) => contactOut(c, names)), ...paging(result.next, url) },
  };
}

function listDeals(portal: SimPortal, url: URL): Answer {
  const result = page([...portal.deals.values()], url);
  if ('status' in result) return result;
  const names = listed(url, 'properties');
  const withContacts = listed(url, 'associations').includes('contacts');
  const results = result.slice.map((deal) => {
    const properties: Record<string, string | null> = { hs_object_id: deal.id, createdate: deal.createdAt };
    for (const name of names) properties[name] = deal.properties[name] ?? null;
    return {
      id: deal.id,
      properties,
      createdAt: deal.createdAt,
      updatedAt: deal.createdAt,
      archived: false,
      ...(withContacts && deal.contactIds.length > 0
        ? { associations: { contacts: inlineAssociations(deal.id, deal.contactIds) } }
        : {}),
    };
  });
  return { status: 200, body: { results, ...paging(result.next, url) } };
}

/** Associations listed with an object: the first 100, then a cursor for the v4 associations API. */
function inlineAssociations(dealId: string, contactIds: readonly string[]) {
  const results = contactIds.slice(0, MAX_PAGE).map((id) => ({ id, type: 'deal_to_contact' }));
  if (contactIds.length <= MAX_PAGE) return { results };
  const link = `/crm/v4/objects/deals/${dealId}/associations/contacts?after=${MAX_PAGE}`;
  return { results, paging: { next: { after: String(MAX_PAGE), link } } };
}

function pipelinesOut(portal: SimPortal): Answer {
  const at = '2020-01-01T00:00:00.000Z';
  return {
    status: 200,
    body: {
      results: portal.pipelines.map((p) => ({
        id: p.id,
        label: p.label,
        displayOrder: p.displayOrder,
        archived: false,
        createdAt: at,
        updatedAt: at,
        stages: p.stages.map((s) => ({
          ...s,
          archived: false,
          createdAt: at,
          updatedAt: at,
          writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
        })),
      })),
    },
  };
}

/** HubSpot refuses a value of an enumeration property that is not one of its options. */
export function checkValues(portal: SimPortal, properties: Record<string, unknown>): string | null {
  const problems: object[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const property = portal.properties.get(name);
    if (!property) {
      problems.push({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: 'PROPERTY_DOESNT_EXIST',
        name,
      });
      continue;
    }
    if (property.type !== 'enumeration' || raw === null || raw === '') continue;
    const allowed = new Set(property.options.map((o) => o.value));
    for (const value of String(raw).split(';')) {
      if (!allowed.has(value))
        problems.push({
          isValid: false,
          message: `${value} was not one of the allowed options: [${[...allowed].join(', ')}]`,
          error: 'INVALID_OPTION',
          name,
        });
    }
  }
  return problems.length ? `Property values were not valid: ${JSON.stringify(problems)}` : null;
}

type Inputs = { id?: unknown; idProperty?: unknown; properties?: unknown }[];

function batchInputs(body: unknown): Answer | Inputs {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) return invalid('Invalid input JSON: expected an object with "inputs"');
  if (inputs.length > MAX_BATCH)
    return invalid(`Batch input size ${inputs.length} is greater than the maximum of ${MAX_BATCH}`);
  for (const input of inputs) {
    if (typeof input?.id !== 'string' || typeof input?.properties !== 'object' || input.properties === null)
      return invalid('Invalid input JSON: each input needs a string "id" and an object "properties"');
  }
  return inputs as Inputs;
}

export function stringProperties(properties: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = v === null || v === '' ? null : String(v);
  return out;
}

/** A new, empty contact in the portal (its creation is a change); search does not see it until the lag passed. */
export function newContact(portal: SimPortal, context: RouteContext): SimContact {
  const id = portal.newId();
  const at = new Date(context.now).toISOString();
  const contact: SimContact = {
    id,
    properties: { createdate: at, hs_object_id: id },
    createdAt: at,
    updatedAt: at,
    indexedProperties: null,
    searchSeesAt: context.now + context.searchLagMs,
  };
  portal.contacts.set(id, contact);
  context.changes?.push({ portalId: '', action: 'creation', objectTypeId: '0-1', objectId: id });
  return contact;
}

export function write(
  portal: SimPortal,
  contact: SimContact,
  changes: Record<string, string | null>,
  context: RouteContext,
): void {
  // Search keeps showing what it had indexed until the lag has passed.
  if (context.now >= contact.searchSeesAt) contact.indexedProperties = { ...contact.properties };
  const before = { ...contact.properties };
  Object.assign(contact.properties, changes);
  if (changes.email) contact.properties.email = changes.email.trim().toLowerCase();
  portal.contacts.reindex(contact);
  for (const name of Object.keys(changes)) {
    const value = contact.properties[name] ?? null;
    if ((before[name] ?? null) !== value)
      context.changes?.push({
        portalId: '',
        action: 'propertyChange',
        objectTypeId: '0-1',
        objectId: contact.id,
        propertyName: name,
        propertyValue: value,
      });
  }
  contact.updatedAt = new Date(context.now).toISOString();
  contact.searchSeesAt = context.now + context.searchLagMs;
}

function batchResult(results: unknown[], errors: unknown[], context: RouteContext): Answer {
  const at = new Date(context.now).toISOString();
  const body = {
    status: 'COMPLETE',
    results,
    startedAt: at,
    completedAt: at,
    ...(errors.length ? { errors, numErrors: errors.length } : {}),
  };
  return { status: errors.length ? 207 : 200, body };
}

/** A unique-value property held by another contact (HubSpot refuses the write). */
export function uniqueConflict(
  portal: SimPortal,
  contactId: string | null,
  changes: Record<string, string | null>,
): string | null {
  for (const [name, value] of Object.entries(changes)) {
    const property = portal.properties.get(name);
    if (value === null || !(name === 'email' || property?.hasUniqueValue)) continue;
    const holder = portal.findBy(name, value);
    if (holder && holder.id !== contactId)
      return `A contact with the ${name} value already exists. Existing ID: ${holder.id}`;
  }
  return null;
}

function batchUpdate(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const inputs = batchInputs(body);
  if ('status' in inputs) return inputs;
  for (const input of inputs) {
    const problem = checkValues(portal, input.properties as Record<string, unknown>);
    if (problem) return invalid(problem);
  }
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of inputs) {
    const contact = portal.contacts.get(input.id as string);
    const changes = stringProperties(input.properties as Record<string, unknown>);
    const conflict = contact ? uniqueConflict(portal, contact.id, changes) : null;
    if (!contact || conflict) {
      errors.push({
        status: 'error',
        category: contact ? 'CONFLICT' : 'OBJECT_NOT_FOUND',
        message:
          conflict ??
          `Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.`,
        context: { ids: [input.id] },
        errors: [],
        links: {},
      });
      continue;
    }
    write(portal, contact, changes, context);
    results.push(contactOut(contact, Object.keys(changes)));
  }
  return batchResult(results, errors, context);
}

function batchUpsert(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const inputs = batchInputs(body);
  if ('status' in inputs) return inputs;
  for (const input of inputs) {
    const idProperty = input.idProperty;
    const property = typeof idProperty === 'string' ? portal.properties.get(idProperty) : undefined;
    if (!property || !(idProperty === 'email' || property.hasUniqueValue))
      return invalid(`idProperty must name a unique-value property, got ${String(idProperty)}`);
    const problem = checkValues(portal, input.properties as Record<string, unknown>);
    if (problem) return invalid(problem);
  }
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of inputs) {
    const idProperty = input.idProperty as string;
    const changes = {
      ...stringProperties(input.properties as Record<string, unknown>),
      [idProperty]: input.id as string,
    };
    let contact = portal.findBy(idProperty, input.id as string);
    const created = !contact;
    const conflict = uniqueConflict(portal, contact?.id ?? null, changes);
    if (conflict) {
      errors.push({
        status: 'error',
        category: 'CONFLICT',
        message: conflict,
        context: { ids: [input.id] },
        errors: [],
        links: {},
      });
      continue;
    }
    contact ??= newContact(portal, context);
    write(portal, contact, changes, context);
    if (created) contact.indexedProperties = null;
    results.push({ ...contactOut(contact, Object.keys(changes)), new: created });
  }
  return batchResult(results, errors, context);
}

/** Batch read by id: contacts it no longer has are a 207's OBJECT_NOT_FOUND error naming their ids. */
function batchRead(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const request = (body ?? {}) as { inputs?: unknown; properties?: unknown; idProperty?: unknown };
  const inputs = request.inputs;
  if (!Array.isArray(inputs)) return invalid('Invalid input JSON: expected an object with "inputs"');
  if (inputs.length > MAX_BATCH)
    return invalid(`Batch input size ${inputs.length} is greater than the maximum of ${MAX_BATCH}`);
  if (inputs.some((input) => typeof input?.id !== 'string'))
    return invalid('Invalid input JSON: each input needs a string "id"');
  if (request.idProperty !== undefined && request.idProperty !== 'hs_object_id')
    return invalid('this simulator reads contacts by id only');
  const names = Array.isArray(request.properties) ? request.properties.map(String) : [];
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const { id } of inputs as { id: string }[]) {
    const contact = portal.contacts.get(id);
    if (contact) results.push(contactOut(contact, names));
    else missing.push(id);
  }
  const errors = missing.length
    ? [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message:
            'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
          context: { ids: missing },
          errors: [],
          links: {},
        },
      ]
    : [];
  return batchResult(results, errors, context);
}

const OPERATORS: Record<string, (held: string | null, value: string) => boolean> = {
  EQ: (held, value) => held !== null && held.toLowerCase() === value.toLowerCase(),
  NEQ: (held, value) => held === null || held.toLowerCase() !== value.toLowerCase(),
  HAS_PROPERTY: (held) => held !== null && held !== '',
  NOT_HAS_PROPERTY: (held) => held === null || held === '',
  CONTAINS_TOKEN: (held, value) => held?.toLowerCase().split(/[;\s]/).includes(value.toLowerCase()) ?? false,
};

function search(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const request = (body ?? {}) as {
    filterGroups?: { filters?: { propertyName?: string; operator?: string; value?: string }[] }[];
    properties?: string[];
    limit?: number;
    after?: string;
  };
  const limit = request.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) return invalid('limit must be between 1 and 200');
  const groups = request.filterGroups ?? [];
  for (const group of groups)
    for (const filter of group.filters ?? [])
      if (!filter.operator || !OPERATORS[filter.operator])
        return invalid(`Unsupported operator ${filter.operator}`);
  const seen = [...portal.contacts.values()].flatMap((contact) => {
    const properties = context.now >= contact.searchSeesAt ? contact.properties : contact.indexedProperties;
    return properties ? [{ contact, properties }] : [];
  });
  const hits = seen.filter(
    ({ properties }) =>
      groups.length === 0 ||
      groups.some((group) =>
        (group.filters ?? []).every((f) =>
          (OPERATORS[f.operator as string] as (h: string | null, v: string) => boolean)(
            properties[f.propertyName ?? ''] ?? null,
            f.value ?? '',
          ),
        ),
      ),
  );
  const after = Number(request.after ?? 0);
  if (!Number.isInteger(after) || after < 0)
    return invalid('after must be a paging cursor returned by this API');
  // HubSpot's search stops at 10,000 results: paging past them is refused.
  if (after + limit > MAX_SEARCH_RESULTS)
    return invalid(
      `The search API returns at most ${MAX_SEARCH_RESULTS} results; narrow the filters instead of paging further`,
    );
  const slice = hits.slice(after, after + limit);
  const next = after + limit < hits.length ? String(after + limit) : null;
  return {
    status: 200,
    body: {
      total: hits.length,
      results: slice.map(({ contact, properties }) =>
        contactOut(contact, request.properties ?? [], properties),
      ),
      ...(next ? { paging: { next: { after: next } } } : {}),
    },
  };
}

function propertyOut(property: SimProperty) {
  return {
    ...property,
    options: property.options.map((o) => ({ ...o })),
    archived: false,
    hidden: false,
    formField: false,
    calculated: false,
    externalOptions: false,
    hubspotDefined: STANDARD.has(property.name),
  };
}
const STANDARD = new Set(STANDARD_CONTACT_PROPERTIES);

interface OptionIn {
  label?: unknown;
  value?: unknown;
  displayOrder?: unknown;
  hidden?: unknown;
}

function options(input: unknown): SimProperty['options'] | string {
  if (input === undefined) return [];
  if (!Array.isArray(input)) return 'options must be a list';
  const out: SimProperty['options'] = [];
  for (const [i, o] of (input as OptionIn[]).entries()) {
    if (typeof o.label !== 'string' || typeof o.value !== 'string')
      return 'each option needs a string label and value';
    if (o.value.includes(';')) return `option value ${o.value} may not contain ';'`;
    out.push({
      label: o.label,
      value: o.value,
      displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
      hidden: o.hidden === true,
    });
  }
  return out;
}

function createProperty(portal: SimPortal, body: unknown, context: RouteContext): Answer {
  const input = (body ?? {}) as Record<string, unknown>;
  for (const field of ['name', 'label', 'type', 'fieldType', 'groupName'])
    if (typeof input[field] !== 'string') return invalid(`Missing required field ${field}`);
  const name = input.name as string;
  if (portal.properties.has(name))
    return {
      status: 409,
      body: errorBody('OBJECT_ALREADY_EXISTS', `Property named ${name} already exists.`),
    };
  if (!portal.groups.has(input.groupName as string))
    return invalid(`group ${String(input.groupName)} does not exist`);
  if (
    input.type === 'enumeration' &&
    input.fieldType !== 'checkbox' &&
    input.fieldType !== 'select' &&
    input.fieldType !== 'radio' &&
    input.fieldType !== 'booleancheckbox'
  )
    return invalid(`fieldType ${String(input.fieldType)} does not fit type enumeration`);
  const parsed = options(input.options);
  if (typeof parsed === 'string') return invalid(parsed);
  const at = new Date(context.now).toISOString();
  const property: SimProperty = {
    name,
    label: input.label as string,
    type: input.type as string,
    fieldType: input.fieldType as string,
    groupName: input.groupName as string,
    description: typeof input.description === 'string' ? input.description : '',
    options: parsed,
    hasUniqueValue: input.hasUniqueValue === true,
    createdAt: at,
    updatedAt: at,
  };
  portal.properties.set(name, property);
  return { status: 201, body: propertyOut(property) };
}

function updateProperty(portal: SimPortal, name: string, body: unknown, context: RouteContext): Answer {
  const property = portal.properties.get(name);
  if (!property) return notFound(`Unable to find property with name ${name}`);
  const input = (body ?? {}) as Record<string, unknown>;
  if (input.options !== undefined) {
    const parsed = options(input.options);
    if (typeof parsed === 'string') return invalid(parsed);
    property.options = parsed;
  }
  if (typeof input.label === 'string') property.label = input.label;
  property.updatedAt = new Date(context.now).toISOString();
  return { status: 200, body: propertyOut(property) };
}

function createGroup(portal: SimPortal, body: unknown): Answer {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof input.name !== 'string' || typeof input.label !== 'string')
    return invalid('Missing required field name or label');
  if (portal.groups.has(input.name))
    return {
      status: 409,
      body: errorBody('OBJECT_ALREADY_EXISTS', `Group named ${input.name} already exists.`),
    };
  const group = {
    name: input.name,
    label: input.label,
    displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
  };
  portal.groups.set(group.name, group);
  return { status: 201, body: { ...group, archived: false } };
}

/** Which kind of call a request is, as the connector and the benchmarks count them. */
export function callKindOf(method: string, path: string): 'read' | 'write' | 'search' | 'schema' | 'auth' {
  if (path.startsWith('/oauth/')) return 'auth';
  if (path.endsWith('/search')) return 'search';
  if (path.endsWith('/batch/read')) return 'read';
  if (path.startsWith('/crm/v3/properties/') || path.startsWith('/crm/v3/pipelines/'))
    return method === 'GET' && path.startsWith('/crm/v3/pipelines/') ? 'read' : 'schema';
  return method === 'GET' ? 'read' : 'write';
}

export function routeCrm(
  portal: SimPortal,
  method: string,
  url: URL,
  body: unknown,
  context: RouteContext,
): Answer {
  const path = url.pathname.replace(/\/+$/, '');
  const property = /^\/crm\/v3\/properties\/contacts\/([^/]+)$/.exec(path);
  const group = /^\/crm\/v3\/properties\/contacts\/groups\/([^/]+)$/.exec(path);
  const read = routeRecordReads(portal, method, path, body, context.now);
  if (read) return read;
  switch (`${method} ${path}`) {
    case 'GET /crm/v3/objects/contacts':
      return listContacts(portal, url);
    case 'GET /crm/v3/objects/deals':
      return listDeals(portal, url);
    case 'POST /crm/v3/objects/contacts/batch/read':
      return batchRead(portal, body, context);
    case 'POST /crm/v3/objects/contacts/batch/update':
      return batchUpdate(portal, body, context);
    case 'POST /crm/v3/objects/contacts/batch/upsert':
      return batchUpsert(portal, body, context);
    case 'POST /crm/v3/objects/contacts/search':
      return search(portal, body, context);
    case 'GET /crm/v3/pipelines/deals':
      return pipelinesOut(portal);
    case 'POST /crm/v3/properties/contacts':
      return createProperty(portal, body, context);
    case 'POST /crm/v3/properties/contacts/groups':
      return createGroup(portal, body);
  }
  if (group && method === 'GET') {
    const found = portal.groups.get(decodeURIComponent(group[1] as string));
    return found
      ? { status: 200, body: { ...found, archived: false } }
      : notFound(`Unable to find group ${group[1]}`);
  }
  if (property && method === 'GET') {
    const found = portal.properties.get(decodeURIComponent(property[1] as string));
    return found
      ? { status: 200, body: propertyOut(found) }
      : notFound(`Unable to find property with name ${property[1]}`);
  }
  if (property && method === 'PATCH')
    return updateProperty(portal, decodeURIComponent(property[1] as string), body, context);
  return routeObject(portal, method, path, url, body, context) ?? notFound(`No route for ${method} ${path}`);
}
