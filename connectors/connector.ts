import type {
  ChildAccount,
  ChildTagChange,
  Contact,
  CorporateAccount,
  CorporateAction,
  Deal,
  Pipeline,
  Plan,
  TagOption,
} from '../src/core/index.ts';

// The one interface every provider folder (connectors/<provider>/) implements. The sync layer only ever
// talks to these types, so a tenant may mix providers and a new provider is one new folder.

export type ProviderName = 'hubspot' | 'salesforce';

/** What an API call was for, as runs and benchmarks count them (`auth`: token exchange and refresh). */
export type CallKind = 'read' | 'write' | 'search' | 'schema' | 'auth';
export type CallCounts = Record<CallKind, number>;

export const noCalls = (): CallCounts => ({ read: 0, write: 0, search: 0, schema: 0, auth: 0 });

/** Every HTTP request a session sent, retries included, and how many went wrong. */
export interface CallStats {
  byKind: CallCounts;
  /** Requests answered 429 (or the provider's equivalent), each retried or reported. */
  rateLimited: number;
  /** Requests sent again after a retryable failure. */
  retried: number;
  /** Operations that finally failed after their retries (each is also a RecordFailure or ConnectorError). */
  failed: number;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms when the access token expires; null when unknown. */
  expiresAt: number | null;
}

/** A connected account as the app stores it. `accountId` is the id the snapshot and plan use. */
export interface AccountConnection {
  accountId: string;
  name: string;
  role: 'child' | 'corporate';
  /** ISO 3166 alpha-2 country for phone numbers written without a country code; null for the tenant default. */
  country: string | null;
  tokens: Tokens;
  /** Provider-specific facts fixed at connection time (instance URL, org layout, parent account …). */
  details: Record<string, string | number | boolean | null>;
}

/** Minimal structured logger (pino-compatible). Never pass tokens, emails or phone numbers. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface SessionHooks {
  /** Called after every token refresh, so the app can store the new tokens (encrypted). */
  onTokens?(tokens: Tokens): Promise<void> | void;
  /**
   * Called at once when the provider refuses the refresh token (`invalid_grant`, `BAD_REFRESH_TOKEN`): access has
   * ended, so the app marks the account "needs reconnect" before the run goes on.
   */
  onAuthRevoked?(error: ConnectorError): Promise<void> | void;
  logger?: Logger;
}

/** One record (or call) that could not be written; the rest of the run goes on. */
export interface RecordFailure {
  accountId: string;
  operation: string;
  recordId?: string;
  sharedId?: string;
  /** The provider's own message. */
  message: string;
}

export interface ApplyReport {
  /** Records written (tag updates, copies created or relations changed). */
  written: number;
  /**
   * Corporate copies: which contact now holds each shared person (created, or found by upsert). Where a
   * provider relates the primary record instead of copying it (Salesforce relationship mode), `contactId`
   * is that related record.
   */
  copies: { sharedId: string; contactId: string }[];
  failures: RecordFailure[];
}

/**
 * A session with one connected account for one run: open one per account per run. It owns that run's call
 * counter and any per-run budget (Salesforce's share of the daily API allocation); token refreshes are
 * single-flight per account across the connector's sessions.
 */
export interface AccountSession {
  readonly accountId: string;
  /** Creates the app's tag field when missing and makes sure every option exists with its current label. */
  ensureTagField(options: readonly TagOption[]): Promise<void>;
  pullChild(): Promise<ChildAccount>;
  pullCorporate(): Promise<CorporateAccount>;
  /** Writes exactly these tag changes (only records that change are passed). */
  applyTagChanges(changes: readonly ChildTagChange[]): Promise<ApplyReport>;
  /** Creates or updates corporate copies; `plan` gives the shared people the actions refer to. */
  applyCorporate(actions: readonly CorporateAction[], plan: Plan): Promise<ApplyReport>;
  /**
   * The current emails and phones of these records, read live for an export (batched, through the session's
   * limits). Records the account no longer has are left out. The values are the CRM's, as written: callers
   * hold them in memory only and never store or log them.
   */
  readContactDetails(ids: readonly string[]): Promise<ContactDetails[]>;
  /**
   * Some records, read live for a targeted resync (batched, through the session's limits), as `pullChild` maps
   * them. Ids the account no longer has are left out (deleted).
   */
  readRecords(wanted: RecordsWanted): Promise<RecordsRead>;
  /**
   * Makes sure the app's own lists exist in this child account (issue 12's segments), kept up to date by the CRM
   * itself from the tag field. Each is found by the id stored at creation, then by its name; an admin's renaming
   * is kept (a list found by id is never renamed back); a stored list that is gone is created again only when
   * `recreateMissing` is true. Never changes or deletes anything else. Problems (a missing scope or permission, a
   * cap on lists) are reported as warnings, not thrown, so the rest of the run goes on. Both providers keep lists;
   * a provider without them (the tests' in-memory one) leaves it out and runs skip segments there.
   */
  ensureSegments?(request: SegmentRequest): Promise<SegmentReport>;
  calls(): CallStats;
}

/** One list the app keeps in a child account: records whose tag field holds any of `tagValues`. */
export interface SegmentSpec {
  key: 'shared' | 'primary' | 'secondary';
  /** The name it is created with, in the mode's words (e.g. "Community Sync · primary here"). */
  name: string;
  /** Option values of the app's tag field (the stored values, not labels); any of them puts a record in the list. */
  tagValues: string[];
}

/** A list as the app found or made it: its id in the CRM (for Salesforce, the list view's full name or id). */
export interface SegmentState {
  key: SegmentSpec['key'];
  id: string;
  /** Its name now (the admin may have renamed it). */
  name: string;
  /** Salesforce keeps a Contact and a Lead list view per list: one state per object. */
  object?: string;
}

export interface SegmentRequest {
  specs: readonly SegmentSpec[];
  /** What earlier runs stored for this account. */
  known: readonly SegmentState[];
  /** The admin turned the setting off and on since the lists were made: lists deleted meanwhile are made again. */
  recreateMissing: boolean;
}

export interface SegmentReport {
  segments: SegmentState[];
  /** Lists created this run (the rest were found). */
  created: SegmentState[];
  warnings: { code: 'segments-permission' | 'segments-limit' | 'segments-missing'; detail: string }[];
}

export interface RecordsWanted {
  contacts: readonly string[];
  deals: readonly string[];
  /** Also the deals of `contacts` (default true); a corporate account has none. */
  dealsOfContacts?: boolean;
  /** Also the account's pipelines with their stage order. */
  pipelines?: boolean;
}

export interface RecordsRead {
  /** The contacts asked for, and the contacts of the deals read. */
  contacts: Contact[];
  /** The deals asked for, and (unless told otherwise) every deal of the contacts asked for. */
  deals: Deal[];
  /** When asked for. */
  pipelines?: Pipeline[];
}

/** One record's emails and phones as the CRM holds them now. */
export interface ContactDetails {
  id: string;
  emails: string[];
  phones: string[];
}

/** The provider's user who completed an OAuth consent: who an admin is. */
export interface ProviderUser {
  /** The provider's stable id of the user (HubSpot user id, Salesforce user id). */
  id: string;
  /** How the admin page names them (the user's email or username), when the provider says. */
  label: string | null;
}

/** The account an OAuth code exchange connected, with its tokens and the user who consented. */
export interface ConnectedIdentity {
  accountId: string;
  name: string;
  tokens: Tokens;
  details: AccountConnection['details'];
  user: ProviderUser;
}

/** An account inside a connected one (a Salesforce Account in an org), which an admin may pick as a community. */
export interface InnerAccount {
  id: string;
  name: string;
  parentId: string | null;
}

export interface Connector {
  readonly provider: ProviderName;
  /**
   * Providers where one connection holds every community (Salesforce, one org with one Account per community):
   * the accounts inside it, for the admin to pick the corporate parent and the communities from.
   */
  listInnerAccounts?(connection: AccountConnection, hooks?: SessionHooks): Promise<InnerAccount[]>;
  /** The provider's consent page URL, carrying our signed `state`. */
  /**
   * The provider's consent page. `segments`: the tenant keeps lists in its accounts (issue 12), so ask for what that
   * needs too (HubSpot: the lists scopes); a provider that needs nothing more ignores it.
   */
  authorizeUrl(params: { state: string; redirectUri: string; segments?: boolean }): string;
  /** A code the provider refuses throws ConnectorError `rejected` carrying the provider's reason. */
  exchangeCode(params: { code: string; redirectUri: string }): Promise<ConnectedIdentity>;
  /** A refresh token the provider refuses throws ConnectorError `auth-revoked`. */
  refreshTokens(refreshToken: string): Promise<Tokens>;
  /**
   * Ends the grant behind these tokens at the provider (disconnect, reject, uninstall, a sign-in's token). Tokens
   * the provider already forgot are not an error.
   */
  revokeTokens(tokens: Tokens): Promise<void>;
  open(connection: AccountConnection, hooks?: SessionHooks): AccountSession;
  /** Where an admin opens one of the account's records in the CRM. */
  recordUrl(connection: AccountConnection, recordId: string): string;
  /** Lets go of the state shared with other workers (a Redis connection); the connector is not used after. */
  close?(): Promise<void>;
}

/** Why a whole account could not be served; `kind` tells the app what to do about it. */
export type ConnectorFailureKind =
  | 'auth-revoked' // refresh token no longer valid: mark the account "needs reconnect"
  | 'rate-limited' // retries exhausted against the provider's limits
  | 'budget-exhausted' // the run's share of the daily API allocation is spent
  | 'unavailable' // 5xx or network errors after bounded retries
  | 'rejected' // the provider refused the request (4xx); `message` is theirs
  | 'unsupported'; // the account's setup cannot be served (say so in `message`)

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  /** The provider's own words (or ours, for `unsupported`), without the account and operation. */
  readonly providerMessage: string;
  /** The HTTP status that ended the operation, when there was one. */
  readonly status: number | null;
  constructor(
    readonly kind: ConnectorFailureKind,
    readonly accountId: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${operation} on account ${accountId} failed: ${message}`, options);
    this.providerMessage = message;
    this.status = options?.status ?? null;
  }
}
