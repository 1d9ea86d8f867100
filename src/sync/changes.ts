import type { Logger } from '../../connectors/connector.ts';

// What a change feed (HubSpot webhooks, Salesforce polling or Change Data Capture) hands to a targeted resync:
// which records of which accounts changed, never their data (the resync reads them itself). Every feed produces
// these; one resync consumes them, whatever the provider.

/** The changes of one connected account, by the plan's account id (the provider's id, as runs use it). */
export interface RecordChanges {
  accountId: string;
  /** Contacts (HubSpot contacts; Salesforce Contacts and Leads) created, changed or restored: read again. */
  contacts: string[];
  /** Contacts deleted or archived: forgotten, and no longer shared. */
  deletedContacts: string[];
  /** Merges: the surviving record and the ids merged into it (those are forgotten, the survivor read again). */
  merges: { primaryId: string; mergedIds: string[] }[];
  /** Deals (Salesforce Opportunities) created, changed or restored: read again with their contacts. */
  deals: string[];
  deletedDeals: string[];
}

/** Past this many changed records in one request, a targeted resync runs the tenant in full instead. */
export const TARGETED_MAX_RECORDS = 500;

export interface TargetedResyncRequest {
  tenantId: string;
  changes: RecordChanges[];
  /** What asked for it, as runs record it: `webhook`, `poll`, `cdc`. */
  trigger: string;
  logger?: Logger;
}

export interface TargetedResyncResult {
  /** The run it recorded; null when there was nothing to do (the changes touched no rule-relevant fact). */
  runId: number | null;
  /** `full`: too many records changed at once, so the affected accounts were run in full instead. */
  mode: 'targeted' | 'full' | 'unchanged';
  written: number;
  /** API calls it made, OAuth excluded. */
  calls: number;
}

/**
 * Brings the tags of every person the changed records belong to (before or after the change) up to date, as a
 * full run would, reading only those records. Throws RunInProgressError while the tenant's run lock is held.
 */
export type TargetedResync = (request: TargetedResyncRequest) => Promise<TargetedResyncResult>;

/** An empty change set of an account, to fill in. */
export const noChanges = (accountId: string): RecordChanges => ({
  accountId,
  contacts: [],
  deletedContacts: [],
  merges: [],
  deals: [],
  deletedDeals: [],
});
