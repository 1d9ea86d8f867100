import { type Answer, errorBody, invalid, notFound } from './simulator-routes.ts';
import type { SimPortal } from './simulator-state.ts';

// Lists API v3 as the simulator serves it (issue 12): create, get by id and by name, search, memberships, and an
// admin's rename and delete. A DYNAMIC list's members are evaluated from the records' current properties on every
// read (HubSpot keeps them up to date itself); its `processingStatus` is PROCESSING for `processingMs` after it is
// made, and its memberships are empty until then. Each portal has a cap on lists, as HubSpot's tiers do.

/** Marketing Hub Professional's cap on active (dynamic) lists; Starter allows far fewer. */
export const DEFAULT_LIST_LIMIT = 1_000;

export interface SimList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: 'DYNAMIC' | 'MANUAL' | 'SNAPSHOT';
  filterBranch: FilterBranch | null;
  createdAt: string;
  updatedAt: string;
  listVersion: number;
  /** When membership is computed (processingStatus COMPLETE). */
  readyAt: number;
  manualMembers: string[];
}

interface PropertyOperation {
  operationType: string;
  operator: string;
  values?: unknown;
  value?: unknown;
}

interface PropertyFilter {
  filterType: string;
  property: string;
  operation: PropertyOperation;
}

interface FilterBranch {
  filterBranchType: string;
  filterBranchOperator?: string;
  filters: PropertyFilter[];
  filterBranches: FilterBranch[];
}

export interface ListState {
  lists: Map<string, SimList>;
  limit: number;
  nextId: number;
}

const states = new WeakMap<SimPortal, ListState>();

/** A portal's lists (made on first use). */
export function listsOf(portal: SimPortal, limit = DEFAULT_LIST_LIMIT): ListState {
  let state = states.get(portal);
  if (!state) {
    state = { lists: new Map(), limit, nextId: 1 };
    states.set(portal, state);
  }
  return state;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function checkBranch(portal: SimPortal, branch: unknown, depth: number): string | null {
  const b = branch as Partial<FilterBranch> | null;
  if (!b || typeof b !== 'object') return 'filterBranch must be an object';
  const expected = depth === 0 ? 'OR' : 'AND';
  if (depth <= 1 && b.filterBranchType !== expected)
    return `the ${depth === 0 ? 'root' : 'second-level'} filter branch must be of type ${expected}, got ${String(b.filterBranchType)}`;
  if (!Array.isArray(b.filters) || !Array.isArray(b.filterBranches))
    return 'a filter branch needs filters and filterBranches arrays';
  for (const filter of b.filters as Partial<PropertyFilter>[]) {
    if (filter?.filterType !== 'PROPERTY')
      return `filterType ${String(filter?.filterType)} is not supported here`;
    if (typeof filter.property !== 'string' || !portal.properties.has(filter.property))
      return `Unable to find property ${String(filter.property)} for object type 0-1`;
    const operation = filter.operation as Partial<PropertyOperation> | undefined;
    if (operation?.operationType === 'ENUMERATION') {
      if (!['IS_ANY_OF', 'IS_NONE_OF', 'IS_EXACTLY', 'CONTAINS_ALL'].includes(String(operation.operator)))
        return `operator ${String(operation.operator)} is not valid for ENUMERATION`;
      if (!Array.isArray(operation.values) || operation.values.length === 0)
        return 'an ENUMERATION operation needs a non-empty values array';
    } else return `operationType ${String(operation?.operationType)} is not supported by this simulator`;
  }
  for (const child of b.filterBranches) {
    const problem = checkBranch(portal, child, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function passes(portal: SimPortal, contactId: string, branch: FilterBranch): boolean {
  const filterOk = (filter: PropertyFilter) => {
    const held = new Set(portal.valuesOf(contactId, filter.property));
    const values = (filter.operation.values as string[]).map(String);
    switch (filter.operation.operator) {
      case 'IS_ANY_OF':
        return values.some((v) => held.has(v));
      case 'IS_NONE_OF':
        return !values.some((v) => held.has(v));
      case 'CONTAINS_ALL':
        return values.every((v) => held.has(v));
      default:
        return held.size === values.length && values.every((v) => held.has(v));
    }
  };
  const results = [
    ...branch.filters.map(filterOk),
    ...branch.filterBranches.map((b) => passes(portal, contactId, b)),
  ];
  return branch.filterBranchType === 'OR' ? results.some(Boolean) : results.every(Boolean);
}

/** The list's members now (record ids in id order); none while it is processing. */
export function membersOf(portal: SimPortal, list: SimList, now: number): string[] {
  if (now < list.readyAt) return [];
  if (list.processingType !== 'DYNAMIC' || !list.filterBranch) return [...list.manualMembers];
  const branch = list.filterBranch;
  return [...portal.contacts.keys()]
    .filter((id) => passes(portal, id, branch))
    .sort((a, b) => Number(a) - Number(b));
}

function listOut(portal: SimPortal, list: SimList, now: number) {
  const ready = now >= list.readyAt;
  return {
    listId: list.listId,
    listVersion: list.listVersion,
    name: list.name,
    objectTypeId: list.objectTypeId,
    processingType: list.processingType,
    processingStatus: ready ? 'COMPLETE' : 'PROCESSING',
    createdAt: list.createdAt,
    updatedAt: list.updatedAt,
    filtersUpdatedAt: list.createdAt,
    createdById: '7000001',
    updatedById: '7000001',
    size: membersOf(portal, list, now).length,
    ...(list.filterBranch ? { filterBranch: list.filterBranch } : {}),
  };
}

function create(
  portal: SimPortal,
  state: ListState,
  body: unknown,
  now: number,
  processingMs: number,
): Answer {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof input.name !== 'string' || input.name.trim() === '') return invalid('name is required');
  if (input.objectTypeId !== '0-1')
    return invalid(`objectTypeId ${String(input.objectTypeId)} is not supported here`);
  const type = input.processingType;
  if (type !== 'DYNAMIC' && type !== 'MANUAL' && type !== 'SNAPSHOT')
    return invalid('processingType must be one of DYNAMIC, MANUAL, SNAPSHOT');
  if (type !== 'MANUAL') {
    const problem = checkBranch(portal, input.filterBranch, 0);
    if (problem) return invalid(problem);
  }
  if ([...state.lists.values()].some((l) => sameName(l.name, input.name as string)))
    return invalid(`A list named ${input.name} already exists for object type 0-1.`);
  if (state.lists.size >= state.limit)
    return {
      status: 400,
      body: errorBody(
        'VALIDATION_ERROR',
        `You have reached the limit of ${state.limit} lists for this account.`,
        {
          subCategory: 'ILSListError.LIST_LIMIT_EXCEEDED',
        },
      ),
    };
  const at = new Date(now).toISOString();
  const list: SimList = {
    listId: String(state.nextId++),
    name: input.name.trim(),
    objectTypeId: '0-1',
    processingType: type,
    filterBranch: type === 'MANUAL' ? null : (input.filterBranch as FilterBranch),
    createdAt: at,
    updatedAt: at,
    listVersion: 1,
    readyAt: now + processingMs,
    manualMembers: [],
  };
  state.lists.set(list.listId, list);
  return { status: 200, body: { list: listOut(portal, list, now) } };
}

function search(portal: SimPortal, state: ListState, body: unknown, now: number): Answer {
  const input = (body ?? {}) as { query?: unknown; offset?: unknown; count?: unknown };
  const query = typeof input.query === 'string' ? input.query.toLowerCase() : '';
  const offset = Number(input.offset ?? 0);
  const count = Number(input.count ?? 20);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 1 || count > 500)
    return invalid('offset must be 0 or more and count between 1 and 500');
  const matching = [...state.lists.values()].filter((l) => l.name.toLowerCase().includes(query));
  const lists = matching.slice(offset, offset + count).map((l) => listOut(portal, l, now));
  return {
    status: 200,
    body: {
      lists,
      hasMore: offset + count < matching.length,
      offset: offset + lists.length,
      total: matching.length,
    },
  };
}

function memberships(portal: SimPortal, list: SimList, url: URL, now: number): Answer {
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const after = Number(url.searchParams.get('after') ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) return invalid('limit must be between 1 and 250');
  if (!Number.isInteger(after) || after < 0)
    return invalid('after must be a paging cursor returned by this API');
  const members = membersOf(portal, list, now);
  const slice = members.slice(after, after + limit);
  const at = new Date(list.readyAt).toISOString();
  return {
    status: 200,
    body: {
      results: slice.map((recordId) => ({ recordId, membershipTimestamp: at })),
      ...(after + limit < members.length ? { paging: { next: { after: String(after + limit) } } } : {}),
    },
  };
}

/** Answers a Lists v3 request, or null when the path is not one. */
export function routeLists(
  portal: SimPortal,
  method: string,
  path: string,
  url: URL,
  body: unknown,
  context: { now: number; listProcessingMs: number; listLimit: number },
): Answer | null {
  if (!path.startsWith('/crm/v3/lists')) return null;
  const state = listsOf(portal, context.listLimit);
  const { now } = context;
  if (path === '/crm/v3/lists' && method === 'POST')
    return create(portal, state, body, now, context.listProcessingMs);
  if (path === '/crm/v3/lists/search' && method === 'POST') return search(portal, state, body, now);
  const byName = /^\/crm\/v3\/lists\/object-type-id\/([^/]+)\/name\/([^/]+)$/.exec(path);
  if (byName && method === 'GET') {
    const name = decodeURIComponent(byName[2] as string);
    const list = [...state.lists.values()].find(
      (l) => l.objectTypeId === byName[1] && sameName(l.name, name),
    );
    return list
      ? { status: 200, body: { list: listOut(portal, list, now) } }
      : notFound(`List does not exist with name ${name} and object type ${byName[1]}.`);
  }
  const one = /^\/crm\/v3\/lists\/([^/]+)(\/memberships|\/update-list-name)?$/.exec(path);
  const list = one ? state.lists.get(one[1] as string) : undefined;
  if (!one) return notFound(`No route for ${method} ${path}`);
  if (!list) return notFound(`List does not exist with ID ${one[1]}.`);
  if (!one[2] && method === 'GET') return { status: 200, body: { list: listOut(portal, list, now) } };
  if (!one[2] && method === 'DELETE') {
    state.lists.delete(list.listId);
    return { status: 204 };
  }
  if (one[2] === '/memberships' && method === 'GET') return memberships(portal, list, url, now);
  if (one[2] === '/update-list-name' && method === 'PUT') {
    const name = url.searchParams.get('listName')?.trim();
    if (!name) return invalid('listName is required');
    if ([...state.lists.values()].some((l) => l !== list && sameName(l.name, name)))
      return invalid(`A list named ${name} already exists for object type 0-1.`);
    list.name = name;
    list.updatedAt = new Date(now).toISOString();
    list.listVersion += 1;
    return { status: 200, body: { updatedList: listOut(portal, list, now) } };
  }
  return notFound(`No route for ${method} ${path}`);
}

/** The scope a Lists v3 request needs (reads and search: read; the rest: write). */
export function listScopeFor(method: string, path: string): string | null {
  if (!path.startsWith('/crm/v3/lists')) return null;
  return method === 'GET' || path === '/crm/v3/lists/search' ? 'crm.lists.read' : 'crm.lists.write';
}

/** HubSpot's 403 for a token without a needed scope. */
export function missingScopes(scope: string): Answer {
  return {
    status: 403,
    body: errorBody(
      'MISSING_SCOPES',
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      {
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: [scope] },
          },
        ],
        links: { scopes: 'https://developers.hubspot.com/scopes' },
      },
    ),
  };
}
