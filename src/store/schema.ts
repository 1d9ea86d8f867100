import type { ColumnType, Generated, JSONColumnType } from 'kysely';

// The tables, as Kysely sees them. Emails and phone numbers are never stored: records keep keyed hashes.

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface TenantTable {
  id: string;
  name: string;
  /** DESIGN.md section 1 settings, validated with zod before every write. */
  settings: JSONColumnType<Record<string, unknown>>;
  /** The tenant's key for hashing emails and phones, encrypted under APP_SECRET. */
  hash_key: string;
  created_at: CreatedAt;
  /** The corporate account the tenant was installed on: one tenant per corporate account. */
  corporate_provider: string | null;
  corporate_account_id: string | null;
  uninstalled_at: NullableTimestamp;
  /** Bumped each time the admin turns `segments` on (issue 12): lists deleted meanwhile are made again once. */
  segments_generation: ColumnType<number, number | undefined, number>;
}

export interface AccountTable {
  id: string;
  tenant_id: string;
  provider: string;
  /** The provider's id of the account (portal id, Salesforce Account or org id): the plan's account id. */
  external_id: string;
  role: 'child' | 'corporate';
  name: string;
  country: string | null;
  status: 'connected' | 'needs-reconnect' | 'disconnected' | 'pending' | 'rejected';
  /** OAuth tokens, encrypted under APP_SECRET and bound to this row. */
  tokens: string;
  details: JSONColumnType<Record<string, string | number | boolean | null>>;
  connected_at: Timestamp;
  disconnected_at: NullableTimestamp;
  /** Who completed a connection that waits for an admin's approval (the provider's user label). */
  requested_by: string | null;
  /** Where the account stands in the order of first connection (the plan's last tie-break). */
  connection_order: Generated<string>;
}

export interface InstallStateTable {
  id: string;
  /** Null for a first install, which creates the tenant. */
  tenant_id: string | null;
  provider: string;
  role: 'child' | 'corporate' | 'signin';
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  /** A Reconnect link: the store's id of the account whose tokens the consent refreshes. */
  account_id: string | null;
}

export interface RunTable {
  id: Generated<number>;
  tenant_id: string;
  started_at: CreatedAt;
  ended_at: NullableTimestamp;
  /** `held`: the mass-change guard stopped it before any write. */
  status: 'running' | 'succeeded' | 'partial' | 'failed' | 'held';
  dry_run: boolean;
  trigger: string;
  calls: JSONColumnType<Record<string, unknown>>;
  changes: number;
  shared: number;
  warnings: JSONColumnType<unknown[]>;
  errors: JSONColumnType<unknown[]>;
  /** The process running it, and when it last said it is alive. */
  owner: string | null;
  heartbeat_at: NullableTimestamp;
  /** The run a revert undoes. */
  revert_of: ColumnType<number | null, number | null | undefined, number | null>;
  held_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * `unknown`: the account failed while the batch was being sent, so some of it may have been written. `planned`: a
 * change a preview or a held run would make, never sent.
 */
export type AuditStatus = 'pending' | 'written' | 'failed' | 'unknown' | 'planned';

export interface AuditTable {
  id: Generated<number>;
  tenant_id: string;
  run_id: number;
  account_id: string;
  record_id: string;
  action: string;
  before: JSONColumnType<string[]>;
  after: JSONColumnType<string[]>;
  reason: string;
  at: CreatedAt;
  status: ColumnType<AuditStatus, AuditStatus | undefined>;
  /** Why a write failed (the provider's message). */
  detail: string | null;
  /** The person's name as the record shows it, and the shared person the change is for (null: no longer shared). */
  name: string | null;
  shared_id: string | null;
}

export interface AdminTable {
  tenant_id: string;
  provider: string;
  user_id: string;
  label: string | null;
  first_seen_at: CreatedAt;
  last_seen_at: Timestamp;
}

export interface AdminActionTable {
  id: Generated<number>;
  tenant_id: string;
  /** `provider:userId` of the admin. */
  actor: string;
  actor_label: string | null;
  action: string;
  detail: JSONColumnType<Record<string, unknown>>;
  at: CreatedAt;
}

/** Webhook deliveries already handled (their signature), so a replay does no work twice. */
export interface WebhookReceiptTable {
  id: string;
  received_at: Timestamp;
}

/** Each account's last successfully read state, without raw emails or phones (DESIGN.md 2.7). */
export interface AccountStateTable {
  tenant_id: string;
  account_id: string;
  read_at: Timestamp;
  /** Pipelines with their stages. */
  pipelines: JSONColumnType<unknown[]>;
  /** Unused since 0007-targeted (deals have their own table); always empty. */
  deals: JSONColumnType<unknown[]>;
}

/** One deal of a child account (ids and stage only), found by contact for a targeted resync. */
export interface DealTable {
  tenant_id: string;
  account_id: string;
  deal_id: string;
  pipeline_id: string;
  stage_id: string;
  contact_ids: JSONColumnType<string[]>;
}

export interface RecordTable {
  tenant_id: string;
  account_id: string;
  record_id: string;
  name: string;
  created_at: string | null;
  conversions: number;
  first_conversion_at: string | null;
  tags: JSONColumnType<string[]>;
  tag_values: JSONColumnType<string[]>;
  email_hashes: JSONColumnType<string[]>;
  phone_hashes: JSONColumnType<string[]>;
}

/** One shared person of one run (previews too): what the admin page lists and searches. */
export interface RunPersonTable {
  tenant_id: string;
  /** The run that wrote the row. */
  run_id: number;
  /** The run whose set of people the row belongs to (see people_runs). */
  base_run_id: number;
  /** The run that replaced the row in its set; null while it is current. */
  until_run_id: number | null;
  shared_id: string;
  name: string;
  /** `name` lower-cased, for search and sort. */
  name_key: string;
  primary_account_id: string;
  reason: string;
  explanation: string;
  members: JSONColumnType<{ accountId: string; recordId: string; name: string; createdAt: string | null }[]>;
  /** The community that had the person first: its record created earliest (ties: connection order). */
  first_account_id: string;
  first_created_at: NullableTimestamp;
  tags: JSONColumnType<string[]>;
  /** The members' email and phone keys as keyed hashes (GIN-indexed for `@>`). */
  key_hashes: JSONColumnType<string[]>;
}

/** Each run whose people are kept, and the set they are read from (its own, or the one a targeted resync continued). */
export interface PeopleRunTable {
  tenant_id: string;
  run_id: number;
  base_run_id: number;
}

/** A Salesforce org's change feed position: the polling cursor and the Change Data Capture replay id. */
export interface SalesforceFeedTable {
  tenant_id: string;
  /** The org as the connector keys it (instance URL and org id). */
  org_key: string;
  /** The latest SystemModstamp a poll handed over (and the resync applied). */
  poll_cursor: NullableTimestamp;
  /** The replay id of the last change event applied (a decimal: Salesforce's are 64-bit). */
  replay_id: string | null;
  updated_at: Timestamp;
}

/** Change Data Capture, opted into per account, and what came of it. */
export interface ChangeCaptureTable {
  tenant_id: string;
  /** The store's id of the account. */
  account_id: string;
  enabled: boolean;
  /** `starting`, `streaming`, `unavailable` (polling covers), `unsupported` (the org refused; `detail` says why). */
  status: string;
  detail: string | null;
  updated_at: Timestamp;
}

/** A provider's change event (a HubSpot webhook event), stored before the delivery is acknowledged. */
/** A webhook delivery as it came, until its events are unpacked into change_events (then its fingerprint only). */
export interface ChangeDeliveryTable {
  id: Generated<string>;
  provider: string;
  /** Its events' identities, hashed: the same delivery again has the same one. */
  fingerprint: string;
  account_ids: string[];
  /** Its events, each an array of change_events columns (`packed` in change-events.ts); null once unpacked. */
  events: JSONColumnType<object[] | null, string | null, string | null>;
  received_at: Timestamp;
  unpacked_at: NullableTimestamp;
}

export interface ChangeEventTable {
  id: Generated<string>;
  provider: string;
  /** The provider's account id (HubSpot portal id). */
  account_id: string;
  /** '' when the event named none. */
  subscription_id: string;
  subscription_type: string;
  /** Generic events: `0-1` contacts, `0-3` deals. */
  object_type_id: string | null;
  /** The changed object; an association change's `fromObjectId`. */
  object_id: string;
  /** '' when the event concerns no property. */
  property_name: string;
  /** Null for the properties that hold emails and phones (never stored raw). */
  property_value: string | null;
  merged_object_ids: JSONColumnType<string[] | null, string | null, string | null>;
  primary_object_id: string | null;
  /** An association change's other side (`toObjectId`) and its object type. */
  associated_object_id: string | null;
  associated_type_id: string | null;
  occurred_at: Timestamp;
  change_source: string | null;
  source_id: string | null;
  received_at: Timestamp;
  processed_at: NullableTimestamp;
}

/** Which tenants processed a change event that not every tenant of its account has processed yet. */
export interface ChangeEventDoneTable {
  tenant_id: string;
  event_id: string;
}

/** A record forgotten on the provider's privacy deletion, with the corporate copies that came from it. */
export interface PrivacyDeletionTable {
  tenant_id: string;
  account_id: string;
  record_id: string;
  occurred_at: Timestamp;
  forgotten_at: Timestamp;
  corporate_copies: JSONColumnType<{ accountId: string; recordId: string; name: string }[]>;
}

/** Keyed hashes of a privacy-deleted record's keys: a person carrying one is never copied into corporate again. */
export interface SuppressedKeyTable {
  tenant_id: string;
  key_hash: string;
  account_id: string;
  record_id: string;
}

/** A list the app made or found in a child account (issue 12). */
export interface SegmentTable {
  tenant_id: string;
  account_id: string;
  key: string;
  /** Salesforce keeps a list view per object; '' for HubSpot. */
  object: string;
  list_id: string;
  name: string;
  updated_at: Timestamp;
}

/** When a child account's lists were last checked, in which settings generation, and what stood in the way. */
export interface SegmentAccountTable {
  tenant_id: string;
  account_id: string;
  generation: number;
  problem: string | null;
  checked_at: Timestamp;
}

export interface Database {
  tenants: TenantTable;
  accounts: AccountTable;
  install_states: InstallStateTable;
  runs: RunTable;
  audit: AuditTable;
  account_states: AccountStateTable;
  records: RecordTable;
  deals: DealTable;
  run_people: RunPersonTable;
  people_runs: PeopleRunTable;
  admins: AdminTable;
  admin_actions: AdminActionTable;
  webhook_receipts: WebhookReceiptTable;
  salesforce_feeds: SalesforceFeedTable;
  change_capture: ChangeCaptureTable;
  change_events: ChangeEventTable;
  change_deliveries: ChangeDeliveryTable;
  change_events_done: ChangeEventDoneTable;
  privacy_deletions: PrivacyDeletionTable;
  suppressed_keys: SuppressedKeyTable;
  segments: SegmentTable;
  segment_accounts: SegmentAccountTable;
}
