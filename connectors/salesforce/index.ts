import type { AccountConnection, Connector, SessionHooks, Tokens } from '../connector.ts';
import { MemoryState } from '../shared/memory-state.ts';
import { SingleFlight } from '../shared/single-flight.ts';
import { objectOfId } from './apply-tags.ts';
import type { OrgLink } from './client.ts';
import { authorizeUrl, exchangeCode, refreshTokens, revokeTokens } from './oauth.ts';
import { type AccountLayout, DEFAULT_OPTIONS, type SalesforceOptions } from './options.ts';
import { openSession, type SalesforceSession } from './session.ts';

// The Salesforce connector: one adapter for both layouts (one org per account, or one org with one Account per
// community under a corporate parent), chosen per connection by `details.layout`.

export type { ChangeEvent, ChangeEventHeader, ChangeSubscription } from './change-capture.ts';
export type { ChangedRow } from './change-rows.ts';
export type { SalesforceOptions } from './options.ts';
export { ACR_DISABLED_MESSAGE } from './relationships.ts';
export type { SalesforceSession } from './session.ts';

/** Reads layout and ids from the connection's details (see README.md). */
export function layoutOf(connection: AccountConnection): AccountLayout {
  const { details } = connection;
  const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null);
  const instanceUrl = text('instanceUrl');
  if (!instanceUrl) throw new Error(`account ${connection.accountId}: details.instanceUrl is required`);
  const layout = text('layout') === 'one-org' ? 'one-org' : 'org-per-account';
  return {
    instanceUrl,
    layout,
    orgId: text('orgId') ?? (layout === 'one-org' ? instanceUrl : connection.accountId),
    salesforceAccountId: text('salesforceAccountId'),
  };
}

/** The org a connection is on: accounts of one org share its tokens, its request bound and its change feed. */
export function orgKeyOf(connection: AccountConnection): string {
  const layout = layoutOf(connection);
  return `${layout.instanceUrl}|${layout.orgId}`;
}

/** A record's Lightning page: ids starting `00Q` are Leads, the rest (`003`) Contacts. */
export function recordUrl(instanceUrl: string, recordId: string): string {
  return `${instanceUrl.replace(/\/+$/, '')}/lightning/r/${objectOfId(recordId)}/${encodeURIComponent(recordId)}/view`;
}

export interface SalesforceConnector extends Connector {
  open(connection: AccountConnection, hooks?: SessionHooks): SalesforceSession;
}

/** The Salesforce connector behind a `Connector`, for what only Salesforce has (its change feeds). */
export const asSalesforce = (connector: Connector): SalesforceConnector | null =>
  connector.provider === 'salesforce' && 'open' in connector ? (connector as SalesforceConnector) : null;

export function salesforceConnector(settings: Partial<SalesforceOptions> = {}): SalesforceConnector {
  const options: SalesforceOptions = { ...DEFAULT_OPTIONS, ...settings };
  const orgs = new Map<string, OrgLink>();
  const shared = options.sharedState ?? new MemoryState();
  // Sessions on one org share its request bound, and its tokens so that one refresh serves them all.
  const orgLink = (key: string, tokens: Tokens): OrgLink => {
    let org = orgs.get(key);
    if (!org) {
      org = {
        key,
        tokens: { ...tokens },
        shared,
        maxConcurrent: options.maxConcurrentPerOrg,
        refusal: null,
        tagFieldPasses: new SingleFlight<void>(),
        schemaVersion: 0,
      };
      orgs.set(key, org);
    } else if (org.tokens.refreshToken !== tokens.refreshToken || !org.tokens.accessToken)
      org.tokens = { ...tokens };
    return org;
  };
  const open = (connection: AccountConnection, hooks?: SessionHooks): SalesforceSession => {
    const layout = layoutOf(connection);
    const org = orgLink(orgKeyOf(connection), connection.tokens);
    return openSession(connection, layout, org, options, hooks);
  };
  return {
    provider: 'salesforce',
    authorizeUrl: (params) => authorizeUrl(options, params),
    exchangeCode: (params) => exchangeCode(options, params),
    refreshTokens: (refreshToken) => refreshTokens(options, refreshToken),
    revokeTokens: (tokens) => revokeTokens(options, tokens),
    close: () => shared.close(),
    open,
    recordUrl: (connection, recordId) => recordUrl(layoutOf(connection).instanceUrl, recordId),
    listInnerAccounts: (connection, hooks) => open(connection, hooks).listAccounts(),
  };
}
