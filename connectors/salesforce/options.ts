import type { SharedState } from '../shared/shared-state.ts';

// The connector's settings, with the defaults the issue names.

export interface RelationshipRoles {
  /** `Roles` on the relation to the corporate parent Account. */
  corporate: string[];
  /** `Roles` on relations to the other community Accounts. */
  community: string[];
}

export interface SalesforceOptions {
  /** Where OAuth starts (login.salesforce.com, test.salesforce.com, a My Domain, or the simulator). */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  /** REST API version; jsforce would default to 50.0. */
  apiVersion: string;
  /** Share (0-1) of the org's daily API allocation one run may spend. */
  apiBudgetShare: number;
  /** Requests in flight at once per org. */
  maxConcurrentPerOrg: number;
  /** A query whose totalSize exceeds this runs as a Bulk API 2.0 query job instead of REST pages. */
  bulkThreshold: number;
  /** Read unconverted Leads as people too (org-per-account layout). */
  leads: boolean;
  /** The tag field's API name on Contact, Lead (and AccountContactRelation in relationship mode). */
  tagField: string;
  /** Create the tag field and its permission set when missing; false when the admin names an existing field. */
  createTagField: boolean;
  /** One-org layout: relate the primary record with AccountContactRelation instead of creating copies. */
  relationshipMode: boolean;
  relationshipRoles: RelationshipRoles;
  /** The permission set granting the integration user access to the tag field. */
  permissionSetName: string;
  /** Limits and tokens shared by every worker (connectors/shared/shared-state.ts); in memory when not given. */
  sharedState?: SharedState;
  /** Injected in tests so retries never wait on the wall clock. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_OPTIONS: SalesforceOptions = {
  loginUrl: 'https://login.salesforce.com',
  clientId: '',
  clientSecret: '',
  apiVersion: '59.0',
  apiBudgetShare: 0.2,
  maxConcurrentPerOrg: 4,
  bulkThreshold: 10_000,
  leads: true,
  tagField: 'Community_Sync_Tags__c',
  createTagField: true,
  relationshipMode: true,
  relationshipRoles: { corporate: [], community: [] },
  permissionSetName: 'Community_Sync_Tag_Access',
};

/** Layout and ids of one connected account, read from `AccountConnection.details`. */
export interface AccountLayout {
  instanceUrl: string;
  /** `one-org`: a community is an Account under the corporate parent in a shared org. */
  layout: 'org-per-account' | 'one-org';
  /** The org, to share token refreshes and the request bound between its accounts. */
  orgId: string;
  /** One-org layout: the Account this connection is (a community, or the corporate parent). */
  salesforceAccountId: string | null;
}
