import type { CorporateAction, Plan, TagOption } from '../../src/core/index.ts';
import type {
  AccountConnection,
  AccountSession,
  ApplyReport,
  InnerAccount,
  SessionHooks,
} from '../connector.ts';
import { silentLogger } from '../connector.ts';
import { CallTally } from '../shared/call-tally.ts';
import { applyTagChanges } from './apply-tags.ts';
import {
  type ChangeEvent,
  type ChangeSubscription,
  selectChangeEntities,
  subscribeChangeEvents,
} from './change-capture.ts';
import { type ChangedRow, readChangedRows } from './change-rows.ts';
import { type OrgLink, SalesforceClient } from './client.ts';
import { readContactDetails } from './contact-details.ts';
import { inRelationshipMode, type SessionContext } from './context.ts';
import { applyCopies } from './corporate.ts';
import { ApiBudget } from './limits.ts';
import { refreshTokens } from './oauth.ts';
import type { AccountLayout, SalesforceOptions } from './options.ts';
import { pullChild, pullCorporate } from './pull.ts';
import { readRecords } from './record-reads.ts';
import { applyRelationships } from './relationships.ts';
import { SchemaCache } from './schema.ts';
import { ensureSegments } from './segments.ts';
import { ensureTagField } from './tag-field.ts';

// One account, one run: the AccountSession every provider implements, on the parts in this folder.

export interface SalesforceSession extends AccountSession {
  /** Share of the org's daily API allocation this run has spent so far. */
  apiShare(): number;
  /** The org's Accounts, for an admin to pick the corporate parent and the communities (one-org layout). */
  listAccounts(): Promise<InnerAccount[]>;
  /** The org's daily API allocation as its latest answer told it; null before any answer. */
  dailyLimit(): number | null;
  /** Rows of the objects the rules read changed, deleted or merged after `since` (one Composite call). */
  readChangedRows(since: Date): Promise<ChangedRow[]>;
  /** Change Data Capture: selects this account's entities; throws `unsupported` saying why it cannot. */
  selectChangeEntities(): Promise<string[]>;
  subscribeChangeEvents(
    replayId: number,
    onEvent: (event: ChangeEvent) => void,
    onFailure: (reason: string) => void,
  ): ChangeSubscription;
}

export function openSession(
  connection: AccountConnection,
  layout: AccountLayout,
  org: OrgLink,
  options: SalesforceOptions,
  hooks: SessionHooks = {},
): SalesforceSession {
  const tally = new CallTally();
  const budget = new ApiBudget(options.apiBudgetShare, connection.accountId, org);
  const logger = hooks.logger ?? silentLogger;
  const client = new SalesforceClient({
    accountId: connection.accountId,
    instanceUrl: layout.instanceUrl,
    org,
    options,
    tally,
    budget,
    hooks,
    logger,
    refresh: (refreshToken) => refreshTokens(options, refreshToken),
  });
  const ctx: SessionContext = {
    connection,
    layout,
    options,
    client,
    schema: new SchemaCache(client, connection.accountId),
    tally,
    logger,
    parentRelations: null,
  };
  return {
    accountId: connection.accountId,
    ensureTagField: (tagOptions: readonly TagOption[]) => ensureTagField(ctx, tagOptions),
    pullChild: () => pullChild(ctx),
    pullCorporate: () => pullCorporate(ctx),
    applyTagChanges: (changes) => applyTagChanges(ctx, changes),
    applyCorporate: (actions: readonly CorporateAction[], plan: Plan): Promise<ApplyReport> =>
      inRelationshipMode(ctx) ? applyRelationships(ctx, actions, plan) : applyCopies(ctx, actions),
    readContactDetails: (ids) => readContactDetails(ctx, ids),
    readRecords: (wanted) => readRecords(ctx, wanted),
    ensureSegments: (request) => ensureSegments(ctx, request),
    calls: () => tally.stats(),
    apiShare: () => budget.spentShare(),
    dailyLimit: () => budget.dailyLimit(),
    readChangedRows: (since) => readChangedRows(ctx, since),
    selectChangeEntities: () => selectChangeEntities(ctx),
    subscribeChangeEvents: (replayId, onEvent, onFailure) =>
      subscribeChangeEvents(ctx, replayId, onEvent, onFailure),
    listAccounts: async () => {
      const rows = await client.queryAll<{ Id: string; Name: string; ParentId: string | null }>(
        'list accounts',
        'SELECT Id, Name, ParentId FROM Account ORDER BY Id',
      );
      return rows
        .map((row) => ({ id: row.Id, name: row.Name, parentId: row.ParentId ?? null }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    },
  };
}
