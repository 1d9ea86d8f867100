import { randomUUID } from 'node:crypto';
import type { SimPortal } from './simulator-state.ts';

// What a targeted resync reads from a portal besides contacts: deals by id (CRM v3 batch read) and associations
// between contacts and deals (v4 batch read, one page of at most ASSOCIATIONS_PAGE per object, `after` to go on).
// Answers follow HubSpot's published shapes: a 207 whose `errors` name the ids it has nothing for.

export interface ReadAnswer {
  status: number;
  body?: unknown;
}

const MAX_BATCH = 100;
/** Associations per object per page (HubSpot pages them; a deal with more contacts than this pages). */
export const ASSOCIATIONS_PAGE = 100;

const invalid = (message: string): ReadAnswer => ({
  status: 400,
  body: { status: 'error', message, correlationId: randomUUID(), category: 'VALIDATION_ERROR' },
});

function batchAnswer(results: unknown[], missing: string[], what: string, now: number): ReadAnswer {
  const at = new Date(now).toISOString();
  const errors = missing.length
    ? [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${what} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
          errors: [],
          links: {},
        },
      ]
    : [];
  return {
    status: errors.length ? 207 : 200,
    body: {
      status: 'COMPLETE',
      results,
      startedAt: at,
      completedAt: at,
      ...(errors.length ? { errors, numErrors: errors.length } : {}),
    },
  };
}

function inputsOf(body: unknown): { id: string; after?: string }[] | ReadAnswer {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) return invalid('Invalid input JSON: expected an object with "inputs"');
  if (inputs.length > MAX_BATCH)
    return invalid(`Batch input size ${inputs.length} is greater than the maximum of ${MAX_BATCH}`);
  if (inputs.some((input) => typeof input?.id !== 'string'))
    return invalid('Invalid input JSON: each input needs a string "id"');
  return inputs as { id: string; after?: string }[];
}

/** POST /crm/v3/objects/deals/batch/read */
export function readDeals(portal: SimPortal, body: unknown, now: number): ReadAnswer {
  const inputs = inputsOf(body);
  if (!Array.isArray(inputs)) return inputs;
  const names = (body as { properties?: unknown }).properties;
  const wanted = Array.isArray(names) ? names.map(String) : [];
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const { id } of inputs) {
    const deal = portal.deals.get(id);
    if (!deal) {
      missing.push(id);
      continue;
    }
    const properties: Record<string, string | null> = { hs_object_id: deal.id, createdate: deal.createdAt };
    for (const name of wanted) properties[name] = deal.properties[name] ?? null;
    results.push({
      id: deal.id,
      properties,
      createdAt: deal.createdAt,
      updatedAt: deal.createdAt,
      archived: false,
    });
  }
  return batchAnswer(results, missing, 'DEAL', now);
}

const TYPES = {
  'contacts/deals': { typeId: 4, label: null },
  'deals/contacts': { typeId: 3, label: null },
} as const;

/** POST /crm/v4/associations/{contacts|deals}/{deals|contacts}/batch/read */
export function readAssociations(
  portal: SimPortal,
  from: 'contacts' | 'deals',
  body: unknown,
  now: number,
): ReadAnswer {
  const inputs = inputsOf(body);
  if (!Array.isArray(inputs)) return inputs;
  const type = TYPES[from === 'contacts' ? 'contacts/deals' : 'deals/contacts'];
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const { id, after } of inputs) {
    const related =
      from === 'deals'
        ? (portal.deals.get(id)?.contactIds ?? [])
        : [...portal.deals.values()].filter((d) => d.contactIds.includes(id)).map((d) => d.id);
    const start = Number(after ?? 0);
    if (!Number.isInteger(start) || start < 0)
      return invalid('after must be a paging cursor returned by this API');
    if (related.length === 0) {
      missing.push(id);
      continue;
    }
    const next = start + ASSOCIATIONS_PAGE;
    results.push({
      from: { id },
      to: related.slice(start, next).map((toObjectId) => ({
        toObjectId: Number(toObjectId),
        associationTypes: [{ category: 'HUBSPOT_DEFINED', ...type }],
      })),
      ...(next < related.length ? { paging: { next: { after: String(next) } } } : {}),
    });
  }
  return batchAnswer(results, missing, from === 'contacts' ? 'CONTACT' : 'DEAL', now);
}

/** The answer to one of these reads, or null when the request is none of them. */
export function routeRecordReads(
  portal: SimPortal,
  method: string,
  path: string,
  body: unknown,
  now: number,
): ReadAnswer | null {
  if (method !== 'POST') return null;
  if (path === '/crm/v3/objects/deals/batch/read') return readDeals(portal, body, now);
  const association = /^\/crm\/v4\/associations\/(contacts|deals)\/(deals|contacts)\/batch\/read$/.exec(path);
  if (association && association[1] !== association[2])
    return readAssociations(portal, association[1] as 'contacts' | 'deals', body, now);
  return null;
}
