import type { Snapshot } from '../../src/core/index.ts';
import type { SimRecord } from './simulator-soql.ts';

// The data of one simulated Salesforce org: sObject tables, the custom fields the app created, its daily API
// allocation, its session generation and the toggles tests flip.

const PREFIX: Record<string, string> = {
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  OpportunityStage: '01J',
  CampaignMember: '00v',
  AccountContactRelation: '07k',
  PermissionSet: '0PS',
  FieldPermissions: '01k',
  PermissionSetAssignment: '0Pa',
  CustomField: '00N',
  User: '005',
};

/** Audit fields every changing record carries; `MasterRecordId` only on objects that merge. */
const TRACKED = ['SystemModstamp', 'LastModifiedDate', 'LastModifiedById', 'IsDeleted'];
/** Fields Salesforce sets itself: a write naming one is refused. */
export const SYSTEM_FIELDS = [...TRACKED, 'MasterRecordId'];
const MERGEABLE = ['Account', 'Contact', 'Lead'];
const PERSON = ['FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'CreatedDate'];

export const KNOWN_FIELDS: Record<string, string[]> = {
  Account: ['Id', 'Name', 'ParentId', 'CreatedDate', ...TRACKED, 'MasterRecordId'],
  Contact: ['Id', 'AccountId', ...PERSON, ...TRACKED, 'MasterRecordId'],
  Lead: ['Id', ...PERSON, 'IsConverted', ...TRACKED, 'MasterRecordId'],
  Opportunity: ['Id', 'AccountId', 'StageName', 'ContactId', 'CreatedDate', ...TRACKED],
  OpportunityContactRole: ['Id', 'OpportunityId', 'ContactId', ...TRACKED],
  OpportunityStage: ['Id', 'ApiName', 'MasterLabel', 'SortOrder', 'IsClosed', 'IsWon', 'IsActive'],
  CampaignMember: ['Id', 'ContactId', 'LeadId', 'HasResponded', 'FirstRespondedDate', ...TRACKED],
  AccountContactRelation: [
    'Id',
    'ContactId',
    'AccountId',
    'IsActive',
    'IsDirect',
    'Roles',
    'CreatedDate',
    ...TRACKED,
  ],
  PermissionSet: ['Id', 'Name', 'Label'],
  FieldPermissions: ['Id', 'ParentId', 'SobjectType', 'Field', 'PermissionsRead', 'PermissionsEdit'],
  PermissionSetAssignment: ['Id', 'AssigneeId', 'PermissionSetId'],
};

export interface CustomFieldDef {
  id: string;
  object: string;
  /** API name, `Community_Sync_Tags__c`. */
  name: string;
  label: string;
  values: { value: string; label: string }[];
}

/** A user of the org, who may approve the app on the consent page. */
export interface SimUser {
  id: string;
  /** Unique across Salesforce and shaped like an email address. */
  username: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface RecordFault {
  statusCode: string;
  message: string;
}

let orgCounter = 0;

/** SF-style dates: `2024-01-03T10:00:00.000+0000`. */
export const sfDate = (iso: string): string => new Date(iso).toISOString().replace('Z', '+0000');

export class SimOrg {
  readonly index = ++orgCounter;
  readonly tables = new Map<string, Map<string, SimRecord>>();
  readonly customFields = new Map<string, CustomFieldDef>();
  readonly #sequence = new Map<string, number>();
  /** The org's users by id; the first is the integration user that approves the app by default. */
  readonly users = new Map<string, SimUser>();
  readonly userId: string;
  /** Requests answered today, and the daily allocation. */
  used = 0;
  dailyLimit = 100_000;
  /** Bumped by `expireSessions`: access tokens of older generations are refused. */
  sessionGeneration = 0;
  acrEnabled = true;
  personAccounts = false;
  /** Contacts created with the email, or the full name, of an existing Contact are refused with DUPLICATES_DETECTED. */
  duplicateRule = false;
  /** Writes to these record ids fail with the given error. */
  readonly recordFaults = new Map<string, RecordFault>();
  /** Deleted records (merged ones with `MasterRecordId`), which only `queryAll` still returns. */
  readonly recycleBin = new Map<string, Map<string, SimRecord>>();
  /** Change Data Capture: the entities selected on the ChangeEvents channel (`ContactChangeEvent` …). */
  readonly cdcEntities = new Set<string>();
  /** Whether the integration user may select entities (Customize Application); tests turn it off. */
  cdcSelectAllowed = true;
  /** The last SystemModstamp handed out, so two changes in one millisecond still order. */
  #lastStamp = 0;

  constructor(readonly id: string) {
    this.userId = this.user(`integration@${id}.example`).id;
  }

  /** The user with this username, added to the org when it has none yet. */
  user(username: string): SimUser {
    const known = [...this.users.values()].find((u) => u.username === username);
    if (known) return known;
    const local = username.split('@')[0] ?? username;
    const user = { id: this.newId('User'), username, email: username, firstName: 'Sim', lastName: local };
    this.users.set(user.id, user);
    return user;
  }

  newId(object: string): string {
    const n = (this.#sequence.get(object) ?? 0) + 1;
    this.#sequence.set(object, n);
    const prefix = PREFIX[object] ?? 'a00';
    return `${prefix}${this.index.toString(36).padStart(3, '0')}${n.toString(36).padStart(9, '0')}`;
  }

  table(object: string): Map<string, SimRecord> {
    let table = this.tables.get(object);
    if (!table) {
      table = new Map();
      this.tables.set(object, table);
    }
    return table;
  }

  insert(
    object: string,
    fields: Record<string, unknown>,
    id = this.newId(object),
    userId = this.userId,
  ): SimRecord {
    const record: SimRecord = { CreatedDate: sfDate(new Date().toISOString()), ...fields, Id: id };
    if (KNOWN_FIELDS[object]?.includes('SystemModstamp')) {
      record.IsDeleted = false;
      if (MERGEABLE.includes(object)) record.MasterRecordId = null;
      this.touch(record, userId);
    }
    this.table(object).set(record.Id, record);
    return record;
  }

  /** A change: SystemModstamp and LastModifiedDate move on (strictly, even within one millisecond). */
  touch(record: SimRecord, userId = this.userId): void {
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
    const stamp = sfDate(new Date(this.#lastStamp).toISOString());
    record.SystemModstamp = stamp;
    record.LastModifiedDate = stamp;
    record.LastModifiedById = userId;
  }

  /** Deletes a record into the recycle bin (`IsDeleted`, a new SystemModstamp); merged ones name the survivor. */
  remove(
    object: string,
    id: string,
    userId = this.userId,
    masterRecordId: string | null = null,
  ): SimRecord | null {
    const record = this.tables.get(object)?.get(id);
    if (!record) return null;
    this.table(object).delete(id);
    record.IsDeleted = true;
    if (MERGEABLE.includes(object)) record.MasterRecordId = masterRecordId;
    this.touch(record, userId);
    let bin = this.recycleBin.get(object);
    if (!bin) {
      bin = new Map();
      this.recycleBin.set(object, bin);
    }
    bin.set(id, record);
    return record;
  }

  /**
   * Merges records into a surviving one as Salesforce does: the survivor is changed, the others are deleted with
   * `MasterRecordId` naming it, and their child records (opportunities, roles, campaign members) move to it.
   */
  merge(
    object: 'Contact' | 'Lead',
    masterId: string,
    mergedIds: readonly string[],
    userId = this.userId,
  ): void {
    const master = this.find(object, masterId);
    if (!master) throw new Error(`no ${object} ${masterId}`);
    const pointer = object === 'Contact' ? 'ContactId' : 'LeadId';
    for (const mergedId of mergedIds) {
      for (const child of ['Opportunity', 'OpportunityContactRole', 'CampaignMember'])
        for (const row of this.table(child).values())
          if (row[pointer] === mergedId) {
            row[pointer] = masterId;
            this.touch(row, userId);
          }
      this.remove(object, mergedId, userId, masterId);
    }
    this.touch(master, userId);
  }

  /** Live and deleted records of an object, as `queryAll` sees them. */
  *everyRecord(object: string): Iterable<SimRecord> {
    yield* this.table(object).values();
    yield* this.recycleBin.get(object)?.values() ?? [];
  }

  find(object: string, id: string): SimRecord | undefined {
    return this.tables.get(object)?.get(id);
  }

  /** Custom fields the integration user can see: created, and granted by an assigned permission set. */
  visibleCustomFields(object: string): CustomFieldDef[] {
    const granted = new Set<string>();
    const assigned = new Set(
      [...this.table('PermissionSetAssignment').values()]
        .filter((a) => a.AssigneeId === this.userId)
        .map((a) => a.PermissionSetId),
    );
    for (const permission of this.table('FieldPermissions').values()) {
      if (assigned.has(permission.ParentId) && permission.PermissionsRead === true)
        granted.add(String(permission.Field));
    }
    return [...this.customFields.values()].filter(
      (f) => f.object === object && granted.has(`${object}.${f.name}`),
    );
  }

  fieldNames(object: string): Set<string> {
    const names = new Set([
      ...(KNOWN_FIELDS[object] ?? []),
      ...this.visibleCustomFields(object).map((f) => f.name),
    ]);
    if (object === 'Contact' && this.personAccounts) names.add('IsPersonAccount');
    return names;
  }

  objectSupported(object: string): boolean {
    if (object === 'AccountContactRelation') return this.acrEnabled;
    return object in KNOWN_FIELDS;
  }
}

type ChildInput = Snapshot['children'][number];
type ContactInput = ChildInput['contacts'][number];

/** A snapshot contact as a Contact row (Email, Phone, MobilePhone from its first email and phones). */
function contactFields(contact: ContactInput, accountId: string | null): Record<string, unknown> {
  const p = contact.properties;
  const text = (...keys: string[]) => {
    for (const key of keys) if (typeof p[key] === 'string' && p[key] !== '') return p[key];
    return null;
  };
  return {
    ...(accountId ? { AccountId: accountId } : {}),
    FirstName: text('FirstName', 'firstname'),
    LastName: text('LastName', 'lastname') ?? `Contact ${contact.id}`,
    Email: contact.emails[0] ?? null,
    Phone: contact.phones[0] ?? null,
    MobilePhone: contact.phones[1] ?? null,
    CreatedDate: sfDate(contact.createdAt),
  };
}

/** Seeds the stages, Contacts, Opportunities and responded campaign members of one child account. */
export function seedChild(org: SimOrg, child: ChildInput, accountId: string | null): Map<string, string> {
  const ids = new Map<string, string>();
  if (org.table('OpportunityStage').size === 0) {
    const stages = child.pipelines[0]?.stages ?? [];
    for (const stage of stages)
      org.insert('OpportunityStage', {
        ApiName: stage.id,
        MasterLabel: stage.label,
        SortOrder: stage.order,
        IsClosed: stage.outcome != null,
        IsWon: stage.outcome === 'won',
        IsActive: true,
      });
  }
  for (const contact of child.contacts) {
    const row = org.insert('Contact', contactFields(contact, accountId));
    ids.set(contact.id, row.Id);
    for (let i = 0; i < contact.conversions; i++) {
      org.insert('CampaignMember', {
        ContactId: row.Id,
        LeadId: null,
        HasResponded: true,
        FirstRespondedDate:
          i === 0 && contact.firstConversionAt ? contact.firstConversionAt.slice(0, 10) : null,
      });
    }
  }
  for (const deal of child.deals) {
    const contactIds = deal.contactIds.flatMap((id) => ids.get(id) ?? []);
    const opportunity = org.insert('Opportunity', {
      AccountId: accountId,
      StageName: deal.stageId,
      ContactId: contactIds[0] ?? null,
    });
    for (const contactId of contactIds.slice(1))
      org.insert('OpportunityContactRole', { OpportunityId: opportunity.Id, ContactId: contactId });
  }
  return ids;
}

export function seedCorporate(
  org: SimOrg,
  corporate: NonNullable<Snapshot['corporate']>,
  accountId: string | null,
): void {
  for (const contact of corporate.contacts) org.insert('Contact', contactFields(contact, accountId));
}
