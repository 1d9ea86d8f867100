import type { Kysely } from 'kysely';
import { AccountStateRepository } from './account-states.ts';
import { AccountRepository } from './accounts.ts';
import { AdminRepository } from './admins.ts';
import { AuditRepository } from './audit.ts';
import { ChangeEventRepository } from './change-events.ts';
import { InstallStateRepository } from './install-states.ts';
import { PeopleRepository } from './people.ts';
import { PrivacyDeletionRepository } from './privacy-deletions.ts';
import { RecordStateRepository } from './record-states.ts';
import { RunRepository } from './runs.ts';
import { SalesforceFeedRepository } from './salesforce-feeds.ts';
import type { Database } from './schema.ts';
import type { SecretBox } from './secrets.ts';
import { SegmentRepository } from './segments.ts';
import { TenantRepository } from './tenants.ts';

// The store's one door: a repository per table group. Nothing outside src/store/ sees the query builder.

export type { StoredContact } from './account-states.ts';
export type { AccountStatus, NewAccount, StoredAccount } from './accounts.ts';
export { ACTIVE_STATUSES, ALL_STATUSES } from './accounts.ts';
export type { Admin, AdminAction } from './admins.ts';
export { adminKey } from './admins.ts';
export type { AccountChanges, AuditEntry, AuditSettlement, AuditStatus, StoredAuditEntry } from './audit.ts';
export type { NewChangeEvent, StoredChangeEvent } from './change-events.ts';
export type { InstallState } from './install-states.ts';
export type { NewRunPerson, PeopleQuery, PeopleSort, PersonMember, RunPerson } from './people.ts';
export { PEOPLE_RUNS_KEPT } from './people.ts';
export type { CorporateCopyRef, PrivacyDeletion } from './privacy-deletions.ts';
export type { LocatedRecord } from './record-states.ts';
export type { RunOutcome, RunStatus, RunSummary } from './runs.ts';
export { HEARTBEAT_MS, RunInProgressError, STALE_AFTER_MS } from './runs.ts';
export type { ChangeCapture, ChangeCaptureStatus, FeedPosition } from './salesforce-feeds.ts';
export type { AccountSegments, SegmentProblem } from './segments.ts';
export type { CorporateAccountRef, Tenant } from './tenants.ts';

export class Store {
  readonly tenants: TenantRepository;
  readonly accounts: AccountRepository;
  readonly installStates: InstallStateRepository;
  readonly runs: RunRepository;
  readonly audit: AuditRepository;
  readonly accountStates: AccountStateRepository;
  readonly records: RecordStateRepository;
  readonly people: PeopleRepository;
  readonly admins: AdminRepository;
  readonly salesforceFeeds: SalesforceFeedRepository;
  readonly changeEvents: ChangeEventRepository;
  readonly privacyDeletions: PrivacyDeletionRepository;
  readonly segments: SegmentRepository;

  constructor(
    private readonly database: { db: Kysely<Database>; check(): Promise<void> },
    box: SecretBox,
  ) {
    const { db } = database;
    this.tenants = new TenantRepository(db, box);
    this.accounts = new AccountRepository(db, box);
    this.installStates = new InstallStateRepository(db);
    this.runs = new RunRepository(db);
    this.audit = new AuditRepository(db);
    this.accountStates = new AccountStateRepository(db);
    this.records = new RecordStateRepository(db);
    this.people = new PeopleRepository(db);
    this.admins = new AdminRepository(db);
    this.salesforceFeeds = new SalesforceFeedRepository(db);
    this.changeEvents = new ChangeEventRepository(db);
    this.privacyDeletions = new PrivacyDeletionRepository(db);
    this.segments = new SegmentRepository(db);
  }

  /** Throws DatabaseUnreachableError, saying why, while the database cannot answer (the health check). */
  check(): Promise<void> {
    return this.database.check();
  }
}
