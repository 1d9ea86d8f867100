import type { Connection } from 'jsforce';
import { chunks } from '../../src/core/index.ts';
import {
  ConnectorError,
  type SegmentReport,
  type SegmentRequest,
  type SegmentSpec,
  type SegmentState,
} from '../connector.ts';
import { readsLeads, type SessionContext, scopedAccountId } from './context.ts';
import { errorCodeOf } from './errors.ts';
import { soqlString } from './soql.ts';

// The app's ready-made segments (issue 12) in Salesforce: per segment, a Contact list view and (where the account
// reads Leads) a Lead list view filtered on the tag field with `includes`, created through the Metadata API and
// shared with all internal users. In the one-org layout, Contact list views only, one set per community Account,
// filtered by that Account's name as well (`ACCOUNT.NAME`: a list view filter cannot name an Account by id).
// Found by the full name stored at creation, then by the app's own full name, then by label; an admin's renaming is
// kept; nothing but the app's own list views is ever created, and nothing is changed or deleted.

/** The Metadata API takes at most 10 components per create or read call. */
const PER_CALL = 10;
/** A list view's label holds at most 40 characters. */
export const LABEL_MAX = 40;
/** What Salesforce answers a user who may not use the Metadata API. */
const NO_ACCESS = new Set([
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
]);
const LIMIT = new Set(['LIMIT_EXCEEDED', 'STORAGE_LIMIT_EXCEEDED']);

export const PERMISSION_WARNING =
  'The connected Salesforce user may not change metadata (it needs "Modify Metadata" or "Customize Application"), so the shared-prospect list views were not created';

interface ListViewFilter {
  field: string;
  operation: string;
  value?: string | null;
}

interface ListView {
  fullName: string;
  label: string;
  filterScope: string;
  filters: ListViewFilter[];
  columns: string[];
  sharedTo?: Record<string, unknown> | null;
}

const COLUMNS: Record<string, string[]> = {
  Contact: ['FULL_NAME', 'ACCOUNT.NAME', 'CONTACT.EMAIL', 'CONTACT.PHONE1'],
  Lead: ['FULL_NAME', 'LEAD.COMPANY', 'LEAD.EMAIL', 'LEAD.PHONE'],
};

/** Objects that get list views: Contact, and Lead where the session reads Leads (its tag field is there). */
export const segmentObjects = (ctx: SessionContext): string[] =>
  readsLeads(ctx) ? ['Contact', 'Lead'] : ['Contact'];

/** The app's own API name for a segment's list view; one-org views name their Account (at most 40 characters). */
export const developerName = (key: SegmentSpec['key'], accountId: string | null): string =>
  accountId ? `CS_Segment_${key}_${accountId}` : `CS_Segment_${key}`;

/**
 * The label a view is created with: the segment's name (with the community's in the one-org layout, where every
 * community's views share one list). Past 40 characters the prefix before the first " · " goes, then the end.
 */
export function viewLabel(name: string, accountName: string | null): string {
  const suffix = accountName ? ` · ${accountName}` : '';
  if (name.length + suffix.length <= LABEL_MAX) return `${name}${suffix}`;
  const at = name.indexOf(' · ');
  const shorter = `${at >= 0 ? name.slice(at + 3) : name}${suffix}`;
  return shorter.length <= LABEL_MAX ? shorter : `${shorter.slice(0, LABEL_MAX - 1).trimEnd()}…`;
}

const isNoAccess = (error: unknown) =>
  error instanceof ConnectorError && NO_ACCESS.has(errorCodeOf(error.cause) ?? '');

export async function ensureSegments(ctx: SessionContext, request: SegmentRequest): Promise<SegmentReport> {
  const report: SegmentReport = { segments: [], created: [], warnings: [] };
  try {
    const accountId = scopedAccountId(ctx);
    const accountName = accountId ? await accountNameOf(ctx, accountId) : null;
    // A list view filter separates values by commas: such a name would filter on its parts, listing other people.
    if (accountName?.includes(',')) {
      report.segments.push(...request.known);
      report.warnings.push({
        code: 'segments-limit',
        detail: `A Salesforce list view cannot filter on an Account name with a comma ("${accountName}"), so no lists were made for it; rename the Account to have them made.`,
      });
      return report;
    }
    for (const object of segmentObjects(ctx))
      await ensureForObject(ctx, request, { object, accountId, accountName }, report);
    return report;
  } catch (error) {
    if (!isNoAccess(error)) throw error;
    ctx.logger.warn({ accountId: ctx.connection.accountId }, 'segments: no metadata access');
    // Keep what earlier runs stored: the views may well still be there.
    const seen = new Set(report.segments.map((s) => `${s.object}|${s.key}`));
    return {
      segments: [...report.segments, ...request.known.filter((k) => !seen.has(`${k.object}|${k.key}`))],
      created: report.created,
      warnings: [
        {
          code: 'segments-permission',
          detail: `${PERMISSION_WARNING} (${(error as ConnectorError).providerMessage}).`,
        },
      ],
    };
  }
}

async function accountNameOf(ctx: SessionContext, accountId: string): Promise<string> {
  const rows = await ctx.client.queryAll<{ Name: string }>(
    'read community account',
    `SELECT Id, Name FROM Account WHERE Id = ${soqlString(accountId)}`,
  );
  const name = rows[0]?.Name;
  if (!name)
    throw new ConnectorError(
      'unsupported',
      ctx.connection.accountId,
      'ensure segments',
      `the community Account ${accountId} is gone or not visible to the connected user`,
    );
  return name;
}

interface Scope {
  object: string;
  accountId: string | null;
  accountName: string | null;
}

function definition(ctx: SessionContext, spec: SegmentSpec, scope: Scope): ListView {
  const filters: ListViewFilter[] = [
    { field: ctx.options.tagField, operation: 'includes', value: spec.tagValues.join(',') },
  ];
  if (scope.accountName)
    filters.push({ field: 'ACCOUNT.NAME', operation: 'equals', value: scope.accountName });
  return {
    fullName: `${scope.object}.${developerName(spec.key, scope.accountId)}`,
    label: viewLabel(spec.name, scope.accountName),
    filterScope: 'Everything',
    filters,
    columns: [...(COLUMNS[scope.object] ?? ['FULL_NAME']), ctx.options.tagField],
    // Explicit sharing: every internal user sees the view (what each sees in it still follows record sharing).
    sharedTo: { allInternalUsers: '' },
  };
}

const stateOf = (spec: SegmentSpec, object: string, view: ListView): SegmentState => ({
  key: spec.key,
  id: view.fullName,
  name: view.label,
  object,
});

async function ensureForObject(
  ctx: SessionContext,
  request: SegmentRequest,
  scope: Scope,
  report: SegmentReport,
): Promise<void> {
  const { object } = scope;
  const known = new Map(
    request.known.filter((k) => (k.object ?? 'Contact') === object).map((k) => [k.key, k] as const),
  );
  const wanted = new Map(request.specs.map((spec) => [spec.key, definition(ctx, spec, scope)] as const));
  const byName = await readViews(ctx, [
    ...new Set([...[...known.values()].map((k) => k.id), ...[...wanted.values()].map((v) => v.fullName)]),
  ]);

  const unresolved: SegmentSpec[] = [];
  for (const spec of request.specs) {
    const view =
      byName.get(known.get(spec.key)?.id ?? '') ?? byName.get(wanted.get(spec.key)?.fullName ?? '');
    if (view) report.segments.push(stateOf(spec, object, view));
    else unresolved.push(spec);
  }
  if (unresolved.length === 0) return;

  const labelled = await findByLabel(
    ctx,
    scope,
    new Set(unresolved.map((spec) => wanted.get(spec.key)?.label ?? '')),
    new Set(byName.keys()),
  );
  const toCreate: [SegmentSpec, ListView][] = [];
  for (const spec of unresolved) {
    const view = labelled.get(wanted.get(spec.key)?.label ?? '');
    const stored = known.get(spec.key);
    if (view) report.segments.push(stateOf(spec, object, view));
    else if (stored && !request.recreateMissing) {
      // Deleted by an admin: made again only once the setting was turned off and on.
      report.segments.push(stored);
      report.warnings.push({
        code: 'segments-missing',
        detail: `The ${object} list view "${stored.name}" (${stored.id}) is gone; turn the setting off and on to create it again.`,
      });
    } else toCreate.push([spec, wanted.get(spec.key) as ListView]);
  }
  for (const batch of chunks(toCreate, PER_CALL)) {
    const results = await ctx.client.call('create list views', (conn) =>
      conn.metadata.create(
        'ListView',
        batch.map(([, view]) => view),
      ),
    );
    batch.forEach(([spec, view], i) => {
      const result = results[i];
      if (result?.success) {
        const state = stateOf(spec, object, view);
        report.segments.push(state);
        report.created.push(state);
        return;
      }
      const errors = result?.errors ?? [];
      const text = errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ') || 'no result';
      if (errors.some((e) => LIMIT.has(e.statusCode))) {
        report.warnings.push({
          code: 'segments-limit',
          detail: `Salesforce refused the ${object} list view "${view.label}": ${text}`,
        });
        return;
      }
      throw new ConnectorError('rejected', ctx.connection.accountId, 'create list views', text);
    });
  }
}

type MetadataConn = Pick<Connection, 'metadata'>;
const readBatch = (conn: MetadataConn, names: string[]) =>
  conn.metadata.read('ListView', names) as unknown as Promise<Partial<ListView>[]>;

/** The list views of these full names that exist, by full name (a name not there reads as an empty record). */
async function readViews(ctx: SessionContext, names: readonly string[]): Promise<Map<string, ListView>> {
  const found = new Map<string, ListView>();
  for (const batch of chunks([...names], PER_CALL)) {
    const records = await ctx.client.call('read list views', (conn) => readBatch(conn, batch));
    for (const record of records) if (record?.fullName) found.set(record.fullName, record as ListView);
  }
  return found;
}

/**
 * The object's list views with these labels (in the one-org layout only those filtered on this community's
 * Account), reading all the object's list views but `skip` in batches until each label is found.
 */
async function findByLabel(
  ctx: SessionContext,
  scope: Scope,
  labels: ReadonlySet<string>,
  skip: ReadonlySet<string>,
): Promise<Map<string, ListView>> {
  const listed = await ctx.client.call('list list views', (conn) =>
    conn.metadata.list([{ type: 'ListView' }]),
  );
  const names = (Array.isArray(listed) ? listed : [listed])
    .map((file) => file.fullName)
    .filter((name) => name.startsWith(`${scope.object}.`) && !skip.has(name))
    .sort();
  const found = new Map<string, ListView>();
  for (const batch of chunks(names, PER_CALL)) {
    if (found.size === labels.size) break;
    for (const view of (await readViews(ctx, batch)).values()) {
      const forThisAccount =
        !scope.accountName ||
        view.filters.some(
          (f) => f.field === 'ACCOUNT.NAME' && f.operation === 'equals' && f.value === scope.accountName,
        );
      if (labels.has(view.label) && forThisAccount && !found.has(view.label)) found.set(view.label, view);
    }
  }
  return found;
}
