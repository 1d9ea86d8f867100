import type { AccountConnection, Logger } from '../connector.ts';
import type { CallTally } from '../shared/call-tally.ts';
import type { SalesforceClient } from './client.ts';
import type { AccountLayout, SalesforceOptions } from './options.ts';
import type { ParentRelationRow } from './relation-rows.ts';
import type { SchemaCache } from './schema.ts';

/** What the parts of one account session share. */
export interface SessionContext {
  connection: AccountConnection;
  layout: AccountLayout;
  options: SalesforceOptions;
  client: SalesforceClient;
  schema: SchemaCache;
  tally: CallTally;
  logger: Logger;
  /** Relations to the corporate parent as pullCorporate read them (relationship mode), by ContactId. */
  parentRelations: Map<string, ParentRelationRow> | null;
}

/** One-org layout: the Account this session serves; null when the account is a whole org. */
export const scopedAccountId = (ctx: SessionContext): string | null =>
  ctx.layout.layout === 'one-org' ? (ctx.layout.salesforceAccountId ?? ctx.connection.accountId) : null;

/** Relationship mode: one-org layout, corporate account, option on. */
export const inRelationshipMode = (ctx: SessionContext): boolean =>
  ctx.layout.layout === 'one-org' && ctx.connection.role === 'corporate' && ctx.options.relationshipMode;

/** Leads have no Account, so they are read only where the account is a whole org. */
export const readsLeads = (ctx: SessionContext): boolean =>
  ctx.options.leads && ctx.layout.layout === 'org-per-account' && ctx.connection.role === 'child';
