import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSnapshot, type Snapshot } from '../../src/core/index.ts';
import {
  CallLog,
  createServer,
  type FaultOptions,
  Faults,
  listen,
  readForm,
  readJson,
  sendJson,
} from '../shared/simulator-kit.ts';
import { type ChangeType, MAX_SELECTED_ENTITIES, SimChangeStream } from './simulator-cdc.ts';
import { readText, SimMetadata, sessionIdOf, soapFault } from './simulator-metadata.ts';
import { SimOAuth } from './simulator-oauth.ts';
import { type CustomFieldDef, SimOrg, type SimUser, seedChild, seedCorporate } from './simulator-org.ts';
import { type ParsedQuery, parseSoql, runQuery, type SimRecord, SoqlError } from './simulator-soql.ts';
import { createOne, failure, updateOne } from './simulator-writes.ts';

// A local stand-in for the Salesforce REST API surface the adapter uses: OAuth (simulator-oauth.ts), SOQL query with
// nextRecordsUrl paging at 2,000, describe, sObject Collections (200 a call, allOrNone false), single-record
// create, read, update and delete (what a community's staff would do), queryAll (deleted and merged records),
// Composite (up to 25 subrequests, 5 of them queries, one API call), Tooling API CustomField and
// PlatformEventChannelMember, Change Data Capture over CometD (simulator-cdc.ts), Bulk API 2.0 query jobs,
// Sforce-Limit-Info, the daily allocation, session expiry and fault injection. Every call is recorded. The Metadata
// API (SOAP, ListView) and the REST list view resources live in simulator-metadata.ts.

export const QUERY_PAGE = 2_000;
export const COLLECTION_LIMIT = 200;
export const COMPOSITE_LIMIT = 25;
export const COMPOSITE_QUERY_LIMIT = 5;

export interface SalesforceSimulator {
  url: string;
  calls: CallLog;
  faults: Faults;
  /** The org that serves an account (in the one-org layout every account names the same org). */
  org(accountId: string): SimOrg;
  orgs(): SimOrg[];
  /** Every access token issued so far becomes invalid (INVALID_SESSION_ID) until refreshed. */
  expireSessions(accountId?: string): void;
  /** Records per Bulk 2.0 result page (default 50,000). */
  bulkPageSize: number;
  /** Change Data Capture: the events each org emitted, and the CometD endpoint's clients. */
  changeStream: SimChangeStream;
  /** The Metadata API's list views per org, who may change them, and their members. */
  metadata: SimMetadata;
  /** An access token of another user of the account's org (a community's staff), for writes the app did not make. */
  staffToken(accountId: string, username?: string): string;
  /** Merges records as a user would in Salesforce's UI (no REST resource merges); emits the change events. */
  merge(accountId: string, object: 'Contact' | 'Lead', masterId: string, mergedIds: string[]): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  snapshot: Snapshot;
  oneOrg?: boolean;
  port?: number;
  faults?: Partial<FaultOptions>;
}

type ErrorBody = { message: string; errorCode: string }[];
const apiError = (errorCode: string, message: string): ErrorBody => [{ message, errorCode }];

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSalesforceSimulator(options: SimulatorOptions): Promise<SalesforceSimulator> {
  const { snapshot } = options;
  const orgByAccount = new Map<string, SimOrg>();
  if (options.oneOrg) {
    const org = new SimOrg('one-org');
    const parentId = snapshot.corporate?.id ?? null;
    if (snapshot.corporate) {
      org.insert('Account', { Name: snapshot.corporate.name, ParentId: null }, snapshot.corporate.id);
      seedCorporate(org, snapshot.corporate, snapshot.corporate.id);
      orgByAccount.set(snapshot.corporate.id, org);
    }
    for (const child of snapshot.children) {
      org.insert('Account', { Name: child.name, ParentId: parentId }, child.id);
      seedChild(org, child, child.id);
      orgByAccount.set(child.id, org);
    }
  } else {
    for (const child of snapshot.children) {
      const org = new SimOrg(child.id);
      seedChild(org, child, null);
      orgByAccount.set(child.id, org);
    }
    if (snapshot.corporate) {
      const org = new SimOrg(snapshot.corporate.id);
      seedCorporate(org, snapshot.corporate, null);
      orgByAccount.set(snapshot.corporate.id, org);
    }
  }

  const auth = new SimOAuth(
    (accountId) => orgByAccount.get(accountId),
    () => baseUrl,
    snapshot.corporate?.id ?? snapshot.children[0]?.id ?? '',
  );
  const calls = new CallLog();
  const changeStream = new SimChangeStream();
  const metadata = new SimMetadata();
  const faults = new Faults(options.faults);
  const cursors = new Map<string, { rows: Record<string, unknown>[]; offset: number }>();
  const bulkJobs = new Map<string, { rows: Record<string, unknown>[]; fields: string[]; object: string }>();
  let cursorCounter = 0;
  let baseUrl = '';
  const simulator: SalesforceSimulator = {
    url: '',
    calls,
    faults,
    bulkPageSize: 50_000,
    changeStream,
    metadata,
    staffToken: (accountId, username) => auth.grantFor(accountId, username ?? `staff@${accountId}.example`),
    merge(accountId, object, masterId, mergedIds) {
      const org = simulator.org(accountId);
      const user = org.user(`staff@${accountId}.example`).id;
      org.merge(object, masterId, mergedIds, user);
      for (const id of mergedIds) {
        const merged = org.recycleBin.get(object)?.get(id);
        if (merged) changeStream.emit(org, object, 'DELETE', merged, user, []);
      }
      const master = org.find(object, masterId);
      if (master) changeStream.emit(org, object, 'UPDATE', master, user, ['LastModifiedDate']);
    },
    org(accountId) {
      const org = orgByAccount.get(accountId);
      if (!org) throw new Error(`no simulated org for account ${accountId}`);
      return org;
    },
    orgs: () => [...new Set(orgByAccount.values())],
    expireSessions(accountId) {
      const orgs = accountId ? [simulator.org(accountId)] : simulator.orgs();
      for (const org of orgs) org.sessionGeneration += 1;
    },
    close: async () => {},
  };

  /** The OAuth endpoints and identity services; null for any other path. */
  async function oauth(request: IncomingMessage, url: URL): Promise<Answer | null> {
    const { pathname: path } = url;
    const { authorization } = request.headers;
    if (path.startsWith('/id/') && request.method === 'GET') return auth.identity(path, authorization);
    if (!path.startsWith('/services/oauth2/')) return null;
    if (path === '/services/oauth2/authorize' && request.method === 'GET') return auth.authorize(url);
    if (path === '/services/oauth2/userinfo') return auth.userinfo(authorization);
    if (path === '/services/oauth2/token' && request.method === 'POST')
      return auth.token(await readForm(request));
    if (path === '/services/oauth2/revoke' && request.method === 'POST')
      return auth.revoke(await readForm(request));
    throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  function queryRows(
    org: SimOrg,
    soql: string,
    tooling: boolean,
    all = false,
  ): { query: ParsedQuery; rows: Record<string, unknown>[] } {
    const query = parseSoql(soql);
    if (tooling && query.object === 'PlatformEventChannelMember') {
      const records: SimRecord[] = [...org.cdcEntities].map((entity) => ({
        Id: `0v8${entity}`,
        EventChannel: 'ChangeEvents',
        SelectedEntity: entity,
      }));
      return { query, rows: runQuery(query, records, () => undefined) };
    }
    if (tooling) {
      if (query.object !== 'CustomField')
        throw new SoqlError('INVALID_TYPE', `sObject type '${query.object}' is not supported.`);
      const records: SimRecord[] = [...org.customFields.values()].map((f) => ({
        Id: f.id,
        DeveloperName: f.name.replace(/__c$/, ''),
        TableEnumOrId: f.object,
      }));
      return { query, rows: runQuery(query, records, () => undefined) };
    }
    if (!org.objectSupported(query.object))
      throw new SoqlError('INVALID_TYPE', `sObject type '${query.object}' is not supported.`);
    const known = org.fieldNames(query.object);
    for (const field of [...query.fields, ...query.where.map((c) => c.path)]) {
      const base = field.split('.')[0] as string;
      const valid = field.includes('.') ? known.has(`${base}Id`) : known.has(field) || field === 'IsDirect';
      if (!valid)
        throw new SoqlError('INVALID_FIELD', `No such column '${field}' on entity '${query.object}'.`);
    }
    const records = all ? org.everyRecord(query.object) : org.table(query.object).values();
    const rows = runQuery(
      query,
      records,
      (object, id) => org.find(object, id) ?? org.recycleBin.get(object)?.get(id),
    );
    return { query, rows };
  }

  function page(rows: Record<string, unknown>[], offset: number, version: string, cursorId: string | null) {
    const records = rows.slice(offset, offset + QUERY_PAGE);
    const done = offset + QUERY_PAGE >= rows.length;
    let next: string | undefined;
    if (!done) {
      const id = cursorId ?? `01g${(++cursorCounter).toString(36).padStart(12, '0')}`;
      cursors.set(id, { rows, offset: offset + QUERY_PAGE });
      next = `/services/data/${version}/query/${id}-${offset + QUERY_PAGE}`;
    } else if (cursorId) cursors.delete(cursorId);
    return { totalSize: rows.length, done, records, ...(next ? { nextRecordsUrl: next } : {}) };
  }

  function describe(org: SimOrg, object: string): Answer {
    if (!org.objectSupported(object))
      throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const custom = new Map(org.visibleCustomFields(object).map((f) => [f.name, f]));
    const fields = [...org.fieldNames(object)].map((name) => {
      const def = custom.get(name);
      return {
        name,
        label: def?.label ?? name,
        type: def ? 'multipicklist' : name === 'Id' ? 'id' : 'string',
        custom: Boolean(def),
        picklistValues: def ? def.values.map((v) => ({ ...v, active: true, defaultValue: false })) : [],
      };
    });
    return { status: 200, body: { name: object, label: object, fields } };
  }

  async function collections(
    org: SimOrg,
    method: string,
    request: IncomingMessage,
    user: SimUser,
  ): Promise<Answer> {
    const body = (await readJson(request)) as { allOrNone?: boolean; records?: Record<string, unknown>[] };
    const records = body?.records ?? [];
    if (records.length > COLLECTION_LIMIT)
      throw new HttpError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`,
      );
    const results = records.map((record) => {
      const object = (record.attributes as { type?: string } | undefined)?.type ?? '';
      if (!org.objectSupported(object))
        return failure('INVALID_TYPE', `sObject type '${object}' is not supported.`);
      const result =
        method === 'POST' ? createOne(org, object, record, user.id) : updateOne(org, object, record, user.id);
      const fields = Object.keys(record).filter((f) => f !== 'attributes');
      if (result.success)
        changed(org, object, method === 'POST' ? 'CREATE' : 'UPDATE', result.id, user, fields);
      return result;
    });
    return { status: 200, body: results };
  }

  function customFieldFromMetadata(body: Record<string, unknown>, existing?: CustomFieldDef) {
    const fullName = String(body.FullName ?? `${existing?.object}.${existing?.name}`);
    const [object, name] = fullName.split('.') as [string, string];
    const metadata = (body.Metadata ?? {}) as {
      label?: string;
      type?: string;
      valueSet?: { valueSetDefinition?: { value?: { fullName: string; label: string }[] } };
    };
    if (!existing && metadata.type !== 'MultiselectPicklist')
      throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION', 'only MultiselectPicklist fields are simulated');
    const values = (metadata.valueSet?.valueSetDefinition?.value ?? []).map((v) => ({
      value: v.fullName,
      label: v.label,
    }));
    if (values.some((v) => v.value.includes(';')))
      throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION', 'picklist values cannot contain ;');
    return { object, name, label: metadata.label ?? existing?.label ?? name, values };
  }

  /** Tooling API: selects an entity for Change Data Capture on the ChangeEvents channel. */
  function selectEntity(org: SimOrg, body: Record<string, unknown>): Answer {
    if (!org.cdcSelectAllowed)
      throw new HttpError(
        403,
        'INSUFFICIENT_ACCESS',
        'insufficient access rights: Customize Application is required',
      );
    const metadata = (body.Metadata ?? {}) as { eventChannel?: string; selectedEntity?: string };
    const entity = String(metadata.selectedEntity ?? '');
    if (metadata.eventChannel !== 'ChangeEvents')
      throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION', 'only the ChangeEvents channel is simulated');
    if (!/^(\w+)ChangeEvent$/.test(entity) || !org.objectSupported(entity.replace(/ChangeEvent$/, '')))
      throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION', `${entity} is not a change event entity`);
    if (org.cdcEntities.has(entity))
      throw new HttpError(400, 'DUPLICATE_DEVELOPER_NAME', `${entity} is already selected`);
    if (org.cdcEntities.size >= MAX_SELECTED_ENTITIES)
      throw new HttpError(
        400,
        'LIMIT_EXCEEDED',
        `You can select up to ${MAX_SELECTED_ENTITIES} entities for Change Data Capture without the add-on license`,
      );
    org.cdcEntities.add(entity);
    return { status: 201, body: { id: `0v8${entity}`, success: true, errors: [] } };
  }

  async function tooling(
    org: SimOrg,
    method: string,
    rest: string,
    request: IncomingMessage,
  ): Promise<Answer> {
    if (rest === '/sobjects/PlatformEventChannelMember' && method === 'POST')
      return selectEntity(org, (await readJson(request)) as Record<string, unknown>);
    if (rest === '/sobjects/CustomField' && method === 'POST') {
      const parsed = customFieldFromMetadata((await readJson(request)) as Record<string, unknown>);
      const duplicate = [...org.customFields.values()].some(
        (f) => f.object === parsed.object && f.name === parsed.name,
      );
      if (duplicate)
        throw new HttpError(400, 'DUPLICATE_DEVELOPER_NAME', 'There is already a field with that API name');
      if (!org.objectSupported(parsed.object))
        throw new HttpError(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
      const id = org.newId('CustomField');
      org.customFields.set(id, { id, ...parsed });
      return { status: 201, body: { id, success: true, errors: [] } };
    }
    const patch = /^\/sobjects\/CustomField\/([^/]+)$/.exec(rest);
    if (patch && method === 'PATCH') {
      const existing = org.customFields.get(patch[1] as string);
      if (!existing) throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const parsed = customFieldFromMetadata((await readJson(request)) as Record<string, unknown>, existing);
      org.customFields.set(existing.id, { ...existing, label: parsed.label, values: parsed.values });
      return { status: 204, body: undefined };
    }
    throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  const csvCell = (value: unknown) =>
    value === null || value === undefined ? '' : `"${String(value).replace(/"/g, '""')}"`;

  async function bulk(
    org: SimOrg,
    method: string,
    rest: string,
    request: IncomingMessage,
    url: URL,
  ): Promise<Answer> {
    if (rest === '' && method === 'POST') {
      const body = (await readJson(request)) as { query?: string; operation?: string };
      const { query, rows } = queryRows(org, body?.query ?? '', false);
      if (query.fields.some((f) => f.includes('.')))
        throw new HttpError(400, 'INVALIDJOB', 'related fields are not simulated in Bulk queries');
      const id = `750${(++cursorCounter).toString(36).padStart(12, '0')}`;
      bulkJobs.set(id, { rows, fields: query.fields, object: query.object });
      return {
        status: 200,
        body: { id, operation: body.operation ?? 'query', object: query.object, state: 'UploadComplete' },
      };
    }
    const job = /^\/([^/]+)(\/results)?$/.exec(rest);
    const found = job ? bulkJobs.get(job[1] as string) : undefined;
    if (!job || !found) throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const id = job[1] as string;
    if (!job[2] && method === 'GET')
      return {
        status: 200,
        body: { id, state: 'JobComplete', object: found.object, numberRecordsProcessed: found.rows.length },
      };
    if (!job[2] && method === 'DELETE') {
      bulkJobs.delete(id);
      return { status: 204, body: undefined };
    }
    const offset = Number(url.searchParams.get('locator') ?? 0);
    const size = Number(url.searchParams.get('maxRecords') ?? simulator.bulkPageSize);
    const slice = found.rows.slice(offset, offset + size);
    const lines = [found.fields.map(csvCell).join(',')];
    for (const row of slice) lines.push(found.fields.map((f) => csvCell(row[f])).join(','));
    const next = offset + size < found.rows.length ? String(offset + size) : 'null';
    return {
      status: 200,
      body: undefined,
      raw: `${lines.join('\n')}\n`,
      headers: {
        'content-type': 'text/csv',
        'sforce-locator': next,
        'sforce-numberofrecords': String(slice.length),
      },
    };
  }

  /** A record change made through the API, stamped as its user, and its change event. */
  function changed(
    org: SimOrg,
    object: string,
    type: ChangeType,
    id: string | null,
    user: SimUser,
    fields: string[],
  ) {
    const record = id ? (org.find(object, id) ?? org.recycleBin.get(object)?.get(id)) : undefined;
    if (record) changeStream.emit(org, object, type, record, user.id, [...fields, 'LastModifiedDate']);
  }

  /** POST /composite: GET subrequests (queries, records), answered one by one; one API call in all. */
  async function composite(
    org: SimOrg,
    request: IncomingMessage,
    version: string,
    user: SimUser,
  ): Promise<Answer> {
    const body = (await readJson(request)) as {
      compositeRequest?: { method: string; url: string; referenceId: string }[];
    };
    const subrequests = body?.compositeRequest ?? [];
    const queries = subrequests.filter((r) => /\/query(All)?(\/|\?|$)/.test(r.url)).length;
    if (subrequests.length === 0 || subrequests.length > COMPOSITE_LIMIT || queries > COMPOSITE_QUERY_LIMIT)
      throw new HttpError(
        400,
        'INVALID_BATCH_REQUEST',
        `a composite request holds 1 to ${COMPOSITE_LIMIT} subrequests, at most ${COMPOSITE_QUERY_LIMIT} of them queries`,
      );
    const compositeResponse = [];
    for (const sub of subrequests) {
      const url = new URL(sub.url, 'http://localhost');
      const versioned = /^\/services\/data\/(v\d+\.0)(\/.*)$/.exec(url.pathname);
      let answer: Answer;
      try {
        if (!versioned || versioned[1] !== version || sub.method !== 'GET')
          throw new HttpError(
            400,
            'INVALID_BATCH_REQUEST',
            'only GET subrequests of the same API version are simulated',
          );
        answer = await api(
          org,
          { method: 'GET', headers: {} } as IncomingMessage,
          url,
          version,
          versioned[2] as string,
          user,
        );
      } catch (error) {
        const known = error instanceof HttpError || error instanceof SoqlError;
        if (!known) throw error;
        answer = {
          status: error instanceof HttpError ? error.status : 400,
          body: apiError(error.errorCode, error.message),
        };
      }
      compositeResponse.push({
        body: answer.body ?? null,
        httpHeaders: {},
        httpStatusCode: answer.status,
        referenceId: sub.referenceId,
      });
    }
    return { status: 200, body: { compositeResponse } };
  }

  async function api(
    org: SimOrg,
    request: IncomingMessage,
    url: URL,
    version: string,
    rest: string,
    user: SimUser,
  ): Promise<Answer> {
    const method = request.method ?? 'GET';
    const listViews = metadata.rest(org, method, rest, version);
    if (listViews) return listViews;
    if ((rest === '/query' || rest === '/queryAll' || rest === '/tooling/query') && method === 'GET') {
      const soql = url.searchParams.get('q') ?? '';
      const { rows } = queryRows(org, soql, rest.startsWith('/tooling'), rest === '/queryAll');
      return { status: 200, body: page(rows, 0, version, null) };
    }
    const more = /^\/query(?:All)?\/([^/-]+)-(\d+)$/.exec(rest);
    if (more && method === 'GET') {
      const cursor = cursors.get(more[1] as string);
      if (!cursor) throw new HttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return { status: 200, body: page(cursor.rows, Number(more[2]), version, more[1] as string) };
    }
    if (rest === '/composite' && method === 'POST') return composite(org, request, version, user);
    const described = /^\/sobjects\/([A-Za-z_]+)\/describe$/.exec(rest);
    if (described && method === 'GET') return describe(org, described[1] as string);
    if (rest === '/composite/sobjects' && (method === 'POST' || method === 'PATCH'))
      return collections(org, method, request, user);
    const single = /^\/sobjects\/([A-Za-z_]+)$/.exec(rest);
    if (single && method === 'POST') {
      const object = single[1] as string;
      if (!org.objectSupported(object))
        throw new HttpError(404, 'NOT_FOUND', `sObject type '${object}' is not supported.`);
      const fields = (await readJson(request)) as Record<string, unknown>;
      const result = createOne(org, object, fields, user.id);
      if (result.success) changed(org, object, 'CREATE', result.id, user, Object.keys(fields));
      if (!result.success)
        return {
          status: 400,
          body: (result.errors as { statusCode: string; message: string }[]).map((e) => ({
            message: e.message,
            errorCode: e.statusCode,
          })),
        };
      return { status: 201, body: result };
    }
    const one = /^\/sobjects\/([A-Za-z_]+)\/([^/]+)$/.exec(rest);
    if (one && one[2] !== 'describe')
      return singleRecord(org, request, method, one[1] as string, one[2] as string, user);
    if (rest.startsWith('/tooling/')) return tooling(org, method, rest.slice('/tooling'.length), request);
    if (rest.startsWith('/jobs/query'))
      return bulk(org, method, rest.slice('/jobs/query'.length), request, url);
    throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  /** GET, PATCH and DELETE of one record by id, as the REST API's sObject Rows resource. */
  async function singleRecord(
    org: SimOrg,
    request: IncomingMessage,
    method: string,
    object: string,
    id: string,
    user: SimUser,
  ): Promise<Answer> {
    const notFound = new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!org.objectSupported(object)) throw notFound;
    if (method === 'DELETE') {
      // The simulator's own bookkeeping objects have no recycle bin; record objects go there.
      const removed = org.find(object, id) ? org.remove(object, id, user.id) : null;
      if (!removed) throw notFound;
      changeStream.emit(org, object, 'DELETE', removed, user.id, []);
      return { status: 204, body: undefined };
    }
    if (method === 'PATCH') {
      const fields = (await readJson(request)) as Record<string, unknown>;
      if (!org.find(object, id)) throw notFound;
      const result = updateOne(org, object, { ...fields, Id: id }, user.id);
      if (!result.success) {
        const [error] = result.errors as { statusCode: string; message: string }[];
        throw new HttpError(400, error?.statusCode ?? 'UNKNOWN_EXCEPTION', error?.message ?? 'update failed');
      }
      changed(org, object, 'UPDATE', id, user, Object.keys(fields));
      return { status: 204, body: undefined };
    }
    if (method === 'GET') {
      const record = org.find(object, id);
      if (!record) throw notFound;
      const fields = [...org.fieldNames(object)].map((f) => [f, record[f] ?? null]);
      return { status: 200, body: { attributes: { type: object }, ...Object.fromEntries(fields) } };
    }
    throw notFound;
  }

  /** The Metadata API's SOAP endpoint: the session travels in the envelope, errors as SOAP faults. */
  async function metadataCall(request: IncomingMessage): Promise<[Answer, SimOrg | null]> {
    const source = await readText(request);
    const { org, user, valid } = auth.bearer(`Bearer ${sessionIdOf(source) ?? ''}`);
    if (!org || !user || !valid)
      return [soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader'), null];
    if (org.used >= org.dailyLimit)
      return [soapFault('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), org];
    org.used += 1;
    return [metadata.soap(org, user.id, source), org];
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const logged = { at: Date.now(), method: request.method ?? 'GET', path: request.url ?? '/' };
    const send = (answer: Answer, accountOrg: SimOrg | null, injected = false) => {
      calls.record({ ...logged, accountId: accountOrg?.id ?? null, status: answer.status, injected });
      const headers = {
        ...(accountOrg
          ? { 'sforce-limit-info': `api-usage=${accountOrg.used}/${accountOrg.dailyLimit}` }
          : {}),
        ...answer.headers,
      };
      if (answer.raw !== undefined) {
        response.writeHead(answer.status, headers);
        response.end(answer.raw);
      } else sendJson(response, answer.status, answer.body, headers);
    };
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    try {
      const authAnswer = await oauth(request, url);
      if (authAnswer) return send(authAnswer, null);
      if (/^\/services\/Soap\/m\/\d+\.0$/.test(path) && request.method === 'POST')
        return send(...(await metadataCall(request)));
      // jsforce's streaming client (Faye) names the token `OAuth <token>`.
      const authorization = request.headers.authorization?.replace(/^OAuth /, 'Bearer ');
      const cometd = /^\/cometd\/\d+\.0\/?$/.test(path) && request.method === 'POST';
      const versioned = /^\/services\/data\/(v\d+\.0)(\/.*)$/.exec(path);
      if (!versioned && !cometd)
        throw new HttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const { org, user, valid } = auth.bearer(authorization);
      if (!org || !valid)
        return send(
          { status: 401, body: apiError('INVALID_SESSION_ID', 'Session expired or invalid') },
          null,
        );
      const fault = faults.next();
      if (fault === 'server-error')
        return send(
          { status: 503, body: apiError('SERVER_UNAVAILABLE', 'Server temporarily unavailable') },
          org,
          true,
        );
      if (fault === 'rate-limit')
        return send(
          {
            status: 403,
            body: apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
          },
          org,
          true,
        );
      if (org.used >= org.dailyLimit)
        return send(
          { status: 403, body: apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.') },
          org,
        );
      if (!versioned) {
        // A streaming connection counts against its own allocation, not the daily API requests.
        const messages = (await readJson(request)) as Record<string, unknown>[];
        const replies = await changeStream.handle(org, Array.isArray(messages) ? messages : [messages]);
        calls.record({ ...logged, accountId: org.id, status: 200, injected: false });
        return sendJson(response, 200, replies);
      }
      org.used += 1;
      send(
        await api(org, request, url, versioned[1] as string, versioned[2] as string, user as SimUser),
        org,
      );
    } catch (error) {
      const { org } = auth.bearer(request.headers.authorization);
      if (error instanceof SoqlError)
        return send({ status: 400, body: apiError(error.errorCode, error.message) }, org);
      if (error instanceof HttpError)
        return send({ status: error.status, body: apiError(error.errorCode, error.message) }, org);
      if (error instanceof SyntaxError)
        return send({ status: 400, body: apiError('JSON_PARSER_ERROR', 'malformed JSON') }, org);
      return send({ status: 500, body: apiError('UNKNOWN_EXCEPTION', String(error)) }, org);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  const running = await listen(server, options.port ?? 0);
  baseUrl = running.url;
  simulator.url = running.url;
  simulator.close = async () => {
    changeStream.releaseAll();
    await running.close();
  };
  return simulator;
}

/** `simulator salesforce --snapshot FILE --port PORT [--one-org]` */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const file = flag('--snapshot');
  if (!file) {
    process.stderr.write('error: --snapshot FILE is required\n');
    process.exit(2);
  }
  const snapshot = parseSnapshot(JSON.parse(await readFile(file, 'utf8')));
  const simulator = await startSalesforceSimulator({
    snapshot,
    oneOrg: argv.includes('--one-org'),
    port: Number(flag('--port') ?? 0),
  });
  process.stdout.write(`listening on ${simulator.url}\n`);
}
