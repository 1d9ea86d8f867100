import type { ChildAccount, CorporateAccount, TagOption } from '../../src/core/index.ts';
import type {
  AccountConnection,
  AccountSession,
  ApplyReport,
  Connector,
  SessionHooks,
} from '../connector.ts';
import { CallTally } from '../shared/call-tally.ts';
import { MemoryState } from '../shared/memory-state.ts';
import { writeTags } from './apply-tags.ts';
import { readContactDetails } from './contact-details.ts';
import { applyCorporate } from './corporate.ts';
import { PortalLimiter } from './limiter.ts';
import { authorizeUrl, exchangeCode, refreshTokens, revokeTokens } from './oauth.ts';
import { type HubspotOptionsInput, resolveOptions } from './options.ts';
import { PortalCaller } from './portal-caller.ts';
import { pullContacts, pullDeals, pullPipelines } from './pull.ts';
import { readRecords } from './record-reads.ts';
import { ensureSegments } from './segments.ts';
import { ensureTagOptions, readProperty, type TagField } from './tag-property.ts';
import { TokenKeeper } from './tokens.ts';

// The HubSpot connector: one limiter and one token keeper per connected portal, shared by every session (and,
// through the shared state, by every worker).

export type { HubspotOptions, HubspotOptionsInput, LimiterSettings } from './options.ts';

/**
 * How long a portal's tag property, as last read or written, stands in for reading it again in a targeted resync
 * (two to three of a resync's calls otherwise). Pulls always read it afresh.
 */
export const TAG_FIELD_FRESH_MS = 60 * 60_000;

export function hubspotConnector(input: HubspotOptionsInput = {}): Connector {
  const options = resolveOptions(input);
  const shared = options.sharedState ?? new MemoryState();
  const limiters = new Map<string, PortalLimiter>();
  const tagFields = new Map<string, { field: Promise<TagField | null>; at: number }>();
  const remember = (accountId: string, field: Promise<TagField | null>) => {
    tagFields.set(accountId, { field, at: options.now() });
    field.catch(() => tagFields.get(accountId)?.field === field && tagFields.delete(accountId));
  };
  const keeper = new TokenKeeper(
    (token, tally) => refreshTokens(options, token, tally),
    options.now,
    options.refreshAheadMs,
    shared,
  );
  const limiterFor = (accountId: string) => {
    let limiter = limiters.get(accountId);
    if (!limiter) {
      limiter = new PortalLimiter(accountId, options.limiter, shared);
      limiters.set(accountId, limiter);
    }
    return limiter;
  };

  return {
    provider: 'hubspot',
    authorizeUrl: (params) => authorizeUrl(options, params),
    exchangeCode: (params) => exchangeCode(options, params),
    refreshTokens: (refreshToken) => refreshTokens(options, refreshToken),
    revokeTokens: (tokens) => revokeTokens(options, tokens),
    close: () => shared.close(),
    recordUrl: (connection, recordId) =>
      `https://app.hubspot.com/contacts/${encodeURIComponent(connection.accountId)}/record/0-1/${encodeURIComponent(recordId)}`,
    open(connection: AccountConnection, hooks: SessionHooks = {}): AccountSession {
      const tally = new CallTally();
      const caller = new PortalCaller(
        connection.accountId,
        connection.tokens,
        options,
        limiterFor(connection.accountId),
        keeper,
        tally,
        hooks,
      );
      // The tag property is read once per session: the pull needs its labels, ensureTagField its options. A
      // targeted resync's session takes it as the portal's last session left it, when that is recent.
      const id = connection.accountId;
      let field: Promise<TagField | null> | null = null;
      const tagField = (fresh = false) => {
        if (!field) {
          const known = fresh ? undefined : tagFields.get(id);
          if (known && options.now() - known.at < TAG_FIELD_FRESH_MS) field = known.field;
          else {
            field = readProperty(caller, options.tagProperty);
            remember(id, field);
          }
        }
        return field;
      };
      const labels = async (fresh = false) =>
        new Map(((await tagField(fresh))?.options ?? []).map((o) => [o.value, o.label] as const));
      const contacts = async () => pullContacts(caller, options.tagProperty, await labels(true));
      /** A write refused in part may be an option someone removed: the property is read again next time. */
      const forgetOnFailure = (report: ApplyReport) => {
        if (report.failures.length > 0) tagFields.delete(id);
        return report;
      };
      return {
        accountId: connection.accountId,
        async ensureTagField(wanted: readonly TagOption[]) {
          const current = await tagField();
          const updated = ensureTagOptions(
            caller,
            current,
            options.tagProperty,
            options.propertyGroup,
            wanted,
          );
          field = updated;
          remember(id, updated);
          await updated;
        },
        async pullChild(): Promise<ChildAccount> {
          const [people, deals, pipelines] = await Promise.all([
            contacts(),
            pullDeals(caller),
            pullPipelines(caller),
          ]);
          return {
            id: connection.accountId,
            name: connection.name,
            country: connection.country as ChildAccount['country'],
            contacts: people,
            deals,
            pipelines,
          };
        },
        async pullCorporate(): Promise<CorporateAccount> {
          return {
            id: connection.accountId,
            name: connection.name,
            country: connection.country as CorporateAccount['country'],
            contacts: await contacts(),
          };
        },
        async applyTagChanges(changes): Promise<ApplyReport> {
          return forgetOnFailure(
            await writeTags(
              caller,
              options.tagProperty,
              changes.map((c) => ({ contactId: c.contactId, values: c.afterValues, sharedId: c.sharedId })),
            ),
          );
        },
        applyCorporate: async (actions, plan) =>
          forgetOnFailure(
            await applyCorporate(caller, actions, plan, {
              tagProperty: options.tagProperty,
              sharedIdProperty: options.sharedIdProperty,
              propertyGroup: options.propertyGroup,
            }),
          ),
        readContactDetails: (ids) => readContactDetails(caller, ids),
        readRecords: (wanted) => readRecords(caller, wanted, options.tagProperty, labels),
        ensureSegments: (request) => ensureSegments(caller, options.tagProperty, request),
        calls: () => tally.stats(),
      };
    },
  };
}
