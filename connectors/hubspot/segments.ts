import type { Client } from '@hubspot/api-client';
import {
  ConnectorError,
  type SegmentReport,
  type SegmentRequest,
  type SegmentSpec,
  type SegmentState,
} from '../connector.ts';
import type { PortalCaller } from './portal-caller.ts';

// Issue 12 in HubSpot: the app's lists are Lists API v3 DYNAMIC contact lists (objectTypeId 0-1) whose filter is
// "the tag property is any of these values", so HubSpot keeps their members itself. A list is found by the id the
// app stored, then by name; a found list is never renamed or changed. A missing scope (403) or the portal's cap on
// lists (400) is a warning: the rest of the run goes on.

const CONTACTS = '0-1';

type Warning = SegmentReport['warnings'][number];

const statusOf = (error: unknown) => (error instanceof ConnectorError ? error.status : null);

/** The 400 HubSpot answers when the portal's tier allows no more lists (its message names the limit). */
function isListCap(error: unknown): boolean {
  if (statusOf(error) !== 400 || !(error instanceof ConnectorError)) return false;
  const body = (error.cause as { body?: { subCategory?: unknown } } | undefined)?.body;
  return (
    (typeof body?.subCategory === 'string' && /LIMIT/i.test(body.subCategory)) ||
    /\blimit\b/i.test(error.providerMessage)
  );
}

/** OR root with one AND branch: records whose multi-checkbox tag property holds any of the values. */
export function tagFilter(tagProperty: string, values: readonly string[]) {
  return {
    filterBranchType: 'OR',
    filterBranchOperator: 'OR',
    filters: [],
    filterBranches: [
      {
        filterBranchType: 'AND',
        filterBranchOperator: 'AND',
        filterBranches: [],
        filters: [
          {
            filterType: 'PROPERTY',
            property: tagProperty,
            operation: {
              operationType: 'ENUMERATION',
              operator: 'IS_ANY_OF',
              values: [...values],
              includeObjectsWithNoValueSet: false,
            },
          },
        ],
      },
    ],
  };
}

async function getList(
  caller: PortalCaller,
  operation: string,
  send: (
    client: Client,
  ) => Promise<{ data: { list: { listId: string; name: string } }; headers?: Record<string, string> }>,
): Promise<{ listId: string; name: string } | null> {
  try {
    return (await caller.call('read', operation, send, [404])).list;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

export async function ensureSegments(
  caller: PortalCaller,
  tagProperty: string,
  request: SegmentRequest,
): Promise<SegmentReport> {
  const report: SegmentReport = { segments: [], created: [], warnings: [] };
  const warn = (code: Warning['code'], detail: string) => report.warnings.push({ code, detail });
  let capped = false;
  const found = (spec: SegmentSpec, list: { listId: string; name: string }): SegmentState => ({
    key: spec.key,
    id: String(list.listId),
    name: list.name,
  });
  try {
    for (const spec of request.specs) {
      const known = request.known.find((k) => k.key === spec.key);
      if (known) {
        const byId = await getList(caller, 'read list', (client) =>
          client.crm.lists.listsApi.getByIdWithHttpInfo(known.id),
        );
        if (byId) {
          report.segments.push(found(spec, byId));
          continue;
        }
        if (!request.recreateMissing) {
          warn(
            'segments-missing',
            `the list "${known.name}" (${known.id}) was deleted in HubSpot; turn the lists setting off and on to make it again`,
          );
          continue;
        }
      }
      const byName = await getList(caller, 'find list by name', (client) =>
        client.crm.lists.listsApi.getByNameWithHttpInfo(spec.name, CONTACTS),
      );
      if (byName) {
        report.segments.push(found(spec, byName));
        continue;
      }
      if (capped) continue;
      try {
        const made = await caller.call('write', 'create list', (client) =>
          client.crm.lists.listsApi.createWithHttpInfo({
            name: spec.name,
            objectTypeId: CONTACTS,
            processingType: 'DYNAMIC',
            // biome-ignore lint/suspicious/noExplicitAny: the generated union type of filter branches
            filterBranch: tagFilter(tagProperty, spec.tagValues) as any,
          }),
        );
        const state = found(spec, made.list);
        report.segments.push(state);
        report.created.push(state);
      } catch (error) {
        if (!isListCap(error)) throw error;
        capped = true;
        warn(
          'segments-limit',
          `HubSpot allows no more lists in this account (${(error as ConnectorError).providerMessage}): "${spec.name}" was not made`,
        );
      }
    }
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
    warn(
      'segments-permission',
      'the app may not read or make lists in this account (scopes crm.lists.read and crm.lists.write): reconnect it to grant them',
    );
  }
  return report;
}
