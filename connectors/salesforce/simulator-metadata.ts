import type { IncomingMessage } from 'node:http';
import type { SimOrg } from './simulator-org.ts';
import type { SimRecord } from './simulator-soql.ts';
import { child, childrenNamed, escapeXml, parseXml, textOf, toXml, type XmlNode } from './simulator-xml.ts';

// The simulator's Metadata API (SOAP, `/services/Soap/m/<version>`, as jsforce's `conn.metadata` calls it) for
// ListView only: createMetadata, readMetadata, updateMetadata, deleteMetadata and listMetadata with Salesforce's
// envelopes, faults and SaveResults; and the REST list view resources (`/sobjects/<object>/listviews`,
// `.../listviews/<id>/results`) that evaluate a view's filters on the org's records, so tests and the sandbox can
// count members. Documented limits: at most 10 components per create/read/update/delete call, labels of at most
// 40 characters, developer names of at most 40 (letters, digits, single underscores). A user without "Modify
// Metadata" (or "Customize Application") gets the INSUFFICIENT_ACCESS fault on every call.

export const METADATA_CALL_LIMIT = 10;
export const LIST_VIEW_LABEL_MAX = 40;
const NS = 'http://soap.sforce.com/2006/04/metadata';

export interface SimListViewFilter {
  field: string;
  operation: string;
  value: string;
}

export interface SimListView {
  /** `Contact.Community_Sync_shared`. */
  fullName: string;
  /** 00B…, as the REST list view resources name it. */
  id: string;
  object: string;
  label: string;
  filterScope: string;
  filters: SimListViewFilter[];
  columns: string[];
  /** The sharing as sent: `allInternalUsers`, `group:<name>` … */
  sharedTo: string[];
  createdById: string;
}

/** One org's list views and who may change its metadata. */
export class OrgMetadata {
  readonly listViews = new Map<string, SimListView>();
  /** Org-wide: whether the integration user holds Modify Metadata; tests turn it off. */
  modifyMetadata = true;
  /** Users without Modify Metadata, whatever `modifyMetadata` says. */
  readonly usersWithout = new Set<string>();
  /** List views the org takes in all (a stand-in for an edition's or storage limit); null for no limit. */
  listViewLimit: number | null = null;
  #next = 0;

  constructor(readonly org: SimOrg) {}

  nextId(): string {
    return `00B${this.org.index.toString(36).padStart(3, '0')}${(++this.#next).toString(36).padStart(9, '0')}`;
  }

  mayModify(userId: string): boolean {
    return this.modifyMetadata && !this.usersWithout.has(userId);
  }
}

interface SoapAnswer {
  status: number;
  raw: string;
  headers: Record<string, string>;
}

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ` xmlns="${NS}" xmlns:sf="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const XML = { 'content-type': 'text/xml;charset=UTF-8' };

export const soapFault = (code: string, message: string): SoapAnswer => ({
  status: 500,
  raw: envelope(
    `<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${escapeXml(`${code}: ${message}`)}</faultstring></soapenv:Fault>`,
  ),
  headers: XML,
});

const answer = (method: string, results: unknown[]): SoapAnswer => ({
  status: 200,
  raw: envelope(
    `<${method}Response>${results.map((r) => (typeof r === 'string' ? r : toXml('result', r))).join('')}</${method}Response>`,
  ),
  headers: XML,
});

type SaveError = { statusCode: string; message: string; fields?: string[] };
const saved = (fullName: string) => ({ fullName, success: true });
const refused = (fullName: string, statusCode: string, message: string) => ({
  errors: { fields: [], message, statusCode } satisfies SaveError,
  fullName,
  success: false,
});

class SoapFault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const ACCESS_MESSAGE =
  'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions';

/** Reads a request body as text (a SOAP envelope). */
export async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The session id a SOAP request carries in its SessionHeader. */
export function sessionIdOf(source: string): string | null {
  try {
    const header = child(child(parseXml(source), 'Envelope'), 'Header');
    return textOf(child(header, 'SessionHeader'), 'sessionId') ?? null;
  } catch {
    return null;
  }
}

/** The Metadata API and list view resources of every simulated org. */
export class SimMetadata {
  readonly #orgs = new Map<SimOrg, OrgMetadata>();

  of(org: SimOrg): OrgMetadata {
    let state = this.#orgs.get(org);
    if (!state) {
      state = new OrgMetadata(org);
      this.#orgs.set(org, state);
    }
    return state;
  }

  /** POST /services/Soap/m/<version>: one Metadata API call by `userId`. */
  soap(org: SimOrg, userId: string, source: string): SoapAnswer {
    const state = this.of(org);
    let call: XmlNode | undefined;
    try {
      call = child(child(parseXml(source), 'Envelope'), 'Body')?.children[0];
    } catch {
      return soapFault('INVALID_XML', 'the request is not well-formed XML');
    }
    if (!call) return soapFault('INVALID_XML', 'no operation in the SOAP body');
    if (!state.mayModify(userId)) return soapFault('INSUFFICIENT_ACCESS', ACCESS_MESSAGE);
    try {
      return this.#operation(state, call, userId);
    } catch (error) {
      if (error instanceof SoapFault) return soapFault(error.code, error.message);
      throw error;
    }
  }

  #operation(state: OrgMetadata, call: XmlNode, userId: string): SoapAnswer {
    const components = (name: string) => {
      const nodes = childrenNamed(call, name);
      if (nodes.length > METADATA_CALL_LIMIT)
        throw new SoapFault(
          'INVALID_CROSS_REFERENCE_KEY',
          `a call takes at most ${METADATA_CALL_LIMIT} components (${nodes.length} sent)`,
        );
      return nodes;
    };
    const type = textOf(call, 'type');
    const listViewsOnly = () => {
      if (type !== 'ListView') throw new SoapFault('INVALID_TYPE', `only ListView is simulated (${type})`);
    };
    switch (call.name) {
      case 'createMetadata':
        return answer(
          'createMetadata',
          components('metadata').map((node) => this.#create(state, node, userId)),
        );
      case 'updateMetadata':
        return answer(
          'updateMetadata',
          components('metadata').map((node) => this.#update(state, node)),
        );
      case 'readMetadata': {
        listViewsOnly();
        const records = components('fullNames').map((node) => {
          const view = state.listViews.get(node.text.trim());
          // A name that is not there reads as an empty record, not an error.
          return view
            ? toXml('records', listViewXml(view), ' xsi:type="ListView"')
            : '<records xsi:nil="true"/>';
        });
        return answer('readMetadata', [`<result>${records.join('')}</result>`]);
      }
      case 'deleteMetadata': {
        listViewsOnly();
        return answer(
          'deleteMetadata',
          components('fullNames').map((node) => {
            const fullName = node.text.trim();
            if (!state.listViews.delete(fullName))
              return refused(fullName, 'INVALID_CROSS_REFERENCE_KEY', `no ListView named ${fullName} found`);
            return saved(fullName);
          }),
        );
      }
      case 'listMetadata': {
        const queries = childrenNamed(call, 'queries');
        if (queries.length > 3) throw new SoapFault('INVALID_TYPE', 'listMetadata takes at most 3 queries');
        const wanted = queries.some((q) => textOf(q, 'type') === 'ListView');
        const rows = wanted ? [...state.listViews.values()].map((v) => fileProperties(v)) : [];
        return answer('listMetadata', rows);
      }
      default:
        throw new SoapFault('INVALID_OPERATION', `${call.name} is not simulated`);
    }
  }

  #create(state: OrgMetadata, node: XmlNode, userId: string) {
    const parsed = readListView(state.org, node);
    if ('error' in parsed) return refused(parsed.fullName, parsed.error.statusCode, parsed.error.message);
    if (state.listViews.has(parsed.fullName))
      return refused(
        parsed.fullName,
        'DUPLICATE_DEVELOPER_NAME',
        `There is already a List View named ${parsed.fullName}`,
      );
    if (state.listViewLimit !== null && state.listViews.size >= state.listViewLimit)
      return refused(
        parsed.fullName,
        'LIMIT_EXCEEDED',
        `the org holds at most ${state.listViewLimit} list views`,
      );
    state.listViews.set(parsed.fullName, { ...parsed, id: state.nextId(), createdById: userId });
    return saved(parsed.fullName);
  }

  #update(state: OrgMetadata, node: XmlNode) {
    const parsed = readListView(state.org, node);
    if ('error' in parsed) return refused(parsed.fullName, parsed.error.statusCode, parsed.error.message);
    const existing = state.listViews.get(parsed.fullName);
    if (!existing)
      return refused(parsed.fullName, 'INVALID_CROSS_REFERENCE_KEY', `no ListView named ${parsed.fullName}`);
    state.listViews.set(parsed.fullName, { ...existing, ...parsed });
    return saved(parsed.fullName);
  }

  /** The records a list view shows now (Everything scope; filters ANDed). */
  members(org: SimOrg, fullName: string): SimRecord[] {
    const view = this.of(org).listViews.get(fullName);
    if (!view) throw new Error(`no list view ${fullName}`);
    return [...org.table(view.object).values()].filter((record) =>
      view.filters.every((filter) => matches(org, record, filter)),
    );
  }

  /**
   * REST: GET `/sobjects/<object>/listviews` and `/sobjects/<object>/listviews/<id>/results` (Salesforce's shapes,
   * trimmed); null for any other path.
   */
  rest(org: SimOrg, method: string, path: string, version: string): { status: number; body: unknown } | null {
    const match = /^\/sobjects\/([A-Za-z_]+)\/listviews(?:\/([^/]+)(\/results)?)?$/.exec(path);
    if (!match || method !== 'GET') return null;
    const [, object, id, results] = match as unknown as [string, string, string?, string?];
    const views = [...this.of(org).listViews.values()].filter((v) => v.object === object);
    const base = `/services/data/${version}/sobjects/${object}/listviews`;
    const summary = (v: SimListView) => ({
      describeUrl: `${base}/${v.id}/describe`,
      developerName: v.fullName.slice(object.length + 1),
      id: v.id,
      label: v.label,
      resultsUrl: `${base}/${v.id}/results`,
      soqlCompatible: true,
      url: `${base}/${v.id}`,
    });
    if (!id)
      return {
        status: 200,
        body: { done: true, listviews: views.map(summary), size: views.length, sobjectType: object },
      };
    const view = views.find((v) => v.id === id);
    if (!view)
      return {
        status: 404,
        body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
      };
    if (!results) return { status: 200, body: summary(view) };
    const rows = this.members(org, view.fullName);
    const columns = ['Id', ...view.columns.filter((c) => !c.includes('.') && c !== 'FULL_NAME')];
    return {
      status: 200,
      body: {
        columns: columns.map((c) => ({ fieldNameOrPath: c, label: c })),
        developerName: summary(view).developerName,
        done: true,
        id: view.id,
        label: view.label,
        records: rows.map((r) => ({
          columns: columns.map((c) => ({ fieldNameOrPath: c, value: r[c] ?? null })),
        })),
        size: rows.length,
      },
    };
  }
}

function listViewXml(view: SimListView) {
  const shared: Record<string, unknown> = {};
  for (const entry of view.sharedTo) {
    const [kind, name] = entry.split(':') as [string, string?];
    shared[kind] = name ?? '';
  }
  return {
    fullName: view.fullName,
    columns: view.columns,
    filterScope: view.filterScope,
    filters: view.filters,
    label: view.label,
    ...(view.sharedTo.length > 0 ? { sharedTo: shared } : {}),
  };
}

function fileProperties(view: SimListView) {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    createdById: view.createdById,
    createdByName: 'Integration User',
    createdDate: at,
    fileName: `objects/${view.object}.object`,
    fullName: view.fullName,
    id: view.id,
    lastModifiedById: view.createdById,
    lastModifiedByName: 'Integration User',
    lastModifiedDate: at,
    manageableState: 'unmanaged',
    type: 'ListView',
  };
}

type ParsedView = Omit<SimListView, 'id' | 'createdById'>;

/** A ListView component as sent, checked the way Salesforce checks it; the first problem found otherwise. */
function readListView(org: SimOrg, node: XmlNode): ParsedView | { fullName: string; error: SaveError } {
  const fullName = textOf(node, 'fullName') ?? '';
  const fail = (statusCode: string, message: string) => ({ fullName, error: { statusCode, message } });
  if (node.attrs['xsi:type'] !== 'ListView') return fail('INVALID_TYPE', 'only ListView is simulated');
  const [object, developerName] = fullName.split('.') as [string, string?];
  if (!developerName || !org.objectSupported(object))
    return fail('INVALID_CROSS_REFERENCE_KEY', `${fullName}: not an object's list view`);
  if (!/^[A-Za-z](?:_?[A-Za-z0-9])*$/.test(developerName) || developerName.length > 40)
    return fail(
      'FIELD_INTEGRITY_EXCEPTION',
      'The List View Unique Name can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.',
    );
  const label = textOf(node, 'label') ?? '';
  if (label === '' || label.length > LIST_VIEW_LABEL_MAX)
    return fail('STRING_TOO_LONG', `View Name: data value too large (max length=${LIST_VIEW_LABEL_MAX})`);
  const filterScope = textOf(node, 'filterScope') ?? '';
  if (
    !['Everything', 'Mine', 'Queue', 'Delegated', 'MyTerritory', 'MyTeamTerritory', 'Team'].includes(
      filterScope,
    )
  )
    return fail('FIELD_INTEGRITY_EXCEPTION', `filterScope: bad value '${filterScope}'`);
  const filters = childrenNamed(node, 'filters').map((f) => ({
    field: textOf(f, 'field') ?? '',
    operation: textOf(f, 'operation') ?? '',
    value: textOf(f, 'value') ?? '',
  }));
  const fields = org.fieldNames(object);
  for (const filter of filters) {
    const known = filter.field.includes('.') ? filter.field === 'ACCOUNT.NAME' : fields.has(filter.field);
    if (!known) return fail('FIELD_INTEGRITY_EXCEPTION', `invalid filter field: ${filter.field}`);
    if (!['equals', 'notEqual', 'includes', 'excludes', 'contains', 'startsWith'].includes(filter.operation))
      return fail('FIELD_INTEGRITY_EXCEPTION', `filter operation not simulated: ${filter.operation}`);
  }
  const sharedTo = (child(node, 'sharedTo')?.children ?? []).map((c) =>
    c.text.trim() === '' ? c.name : `${c.name}:${c.text.trim()}`,
  );
  return {
    fullName,
    object,
    label,
    filterScope,
    filters,
    columns: childrenNamed(node, 'columns').map((c) => c.text.trim()),
    sharedTo,
  };
}

/** One filter line: values are comma-separated; multi-select picklists hold `;`-separated values. */
function matches(org: SimOrg, record: SimRecord, filter: SimListViewFilter): boolean {
  const values = filter.value.split(',').map((v) => v.trim().toLowerCase());
  let held: unknown = record[filter.field];
  if (filter.field === 'ACCOUNT.NAME')
    held = record.AccountId ? org.find('Account', String(record.AccountId))?.Name : null;
  const text = held === null || held === undefined ? '' : String(held).toLowerCase();
  const picked = text === '' ? [] : text.split(';');
  switch (filter.operation) {
    case 'equals':
      return values.includes(text);
    case 'notEqual':
      return !values.includes(text);
    case 'includes':
      return picked.some((p) => values.includes(p));
    case 'excludes':
      return !picked.some((p) => values.includes(p));
    case 'contains':
      return values.some((v) => text.includes(v));
    case 'startsWith':
      return values.some((v) => text.startsWith(v));
    default:
      return false;
  }
}
