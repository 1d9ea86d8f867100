// Every SOQL query the adapter sends, in one place (the simulator understands exactly these shapes).

/** A SOQL string literal: backslashes and quotes escaped. */
export const soqlString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const PERSON_FIELDS = ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'CreatedDate'];

const withTag = (fields: string[], tagField: string | null) => (tagField ? [...fields, tagField] : fields);

/** `accountId` null: the whole org (one org per account); else the Contacts of that Account (one-org layout). */
export function contactsQuery(tagField: string | null, accountId: string | null): string {
  const where = accountId ? ` WHERE AccountId = ${soqlString(accountId)}` : '';
  return `SELECT ${withTag(PERSON_FIELDS, tagField).join(', ')} FROM Contact${where}`;
}

export function leadsQuery(tagField: string | null): string {
  return `SELECT ${withTag(PERSON_FIELDS, tagField).join(', ')} FROM Lead WHERE IsConverted = false`;
}

/** The emails and phones of these Contacts or Leads (an export reads them live). */
export function detailsQuery(object: 'Contact' | 'Lead', ids: readonly string[]): string {
  return `SELECT Id, Email, Phone, MobilePhone FROM ${object} WHERE Id IN (${ids.map(soqlString).join(', ')})`;
}

export const stagesQuery = (): string =>
  'SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon, IsActive FROM OpportunityStage';

export function opportunitiesQuery(accountId: string | null): string {
  const where = accountId ? ` WHERE AccountId = ${soqlString(accountId)}` : '';
  return `SELECT Id, StageName, ContactId FROM Opportunity${where}`;
}

export function contactRolesQuery(accountId: string | null): string {
  const where = accountId ? ` WHERE Opportunity.AccountId = ${soqlString(accountId)}` : '';
  return `SELECT OpportunityId, ContactId FROM OpportunityContactRole${where}`;
}

/** Campaign members that responded: each is one conversion of its Contact or Lead. */
export function respondedMembersQuery(accountId: string | null): string {
  const scope = accountId ? ` AND Contact.AccountId = ${soqlString(accountId)}` : '';
  return `SELECT ContactId, LeadId, FirstRespondedDate FROM CampaignMember WHERE HasResponded = true${scope}`;
}

/** Relations to the corporate parent Account, with the related Contact's keys (relationship mode). */
export function parentRelationsQuery(tagField: string | null, parentAccountId: string): string {
  const fields = withTag(['Id', 'ContactId', 'AccountId', 'IsActive', 'Roles', 'CreatedDate'], tagField);
  const contact = ['AccountId', 'Email', 'Phone', 'MobilePhone', 'FirstName', 'LastName'].map(
    (f) => `Contact.${f}`,
  );
  return `SELECT ${[...fields, ...contact].join(', ')} FROM AccountContactRelation WHERE AccountId = ${soqlString(parentAccountId)} AND IsDirect = false`;
}

/** Relations to the community Accounts under the corporate parent. */
export function communityRelationsQuery(tagField: string | null, parentAccountId: string): string {
  const fields = withTag(['Id', 'ContactId', 'AccountId', 'IsActive', 'Roles'], tagField);
  return `SELECT ${fields.join(', ')} FROM AccountContactRelation WHERE Account.ParentId = ${soqlString(parentAccountId)} AND IsDirect = false`;
}

export const permissionSetQuery = (name: string): string =>
  `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(name)}`;

export const assignmentQuery = (permissionSetId: string, userId: string): string =>
  `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(permissionSetId)} AND AssigneeId = ${soqlString(userId)}`;

/** Tooling API: the tag field's ids on every object (DeveloperName is the API name without `__c`). */
export const customFieldQuery = (developerName: string): string =>
  `SELECT Id, TableEnumOrId FROM CustomField WHERE DeveloperName = ${soqlString(developerName)}`;

/** The objects whose changes decide tags (change feeds poll them, or select them for Change Data Capture). */
export const FEED_OBJECTS = [
  'Contact',
  'Lead',
  'Opportunity',
  'OpportunityContactRole',
  'CampaignMember',
  'AccountContactRelation',
] as const;
export type FeedObject = (typeof FEED_OBJECTS)[number];

const CHANGE_FIELDS: Record<FeedObject, string[]> = {
  Contact: ['AccountId', 'MasterRecordId'],
  Lead: ['MasterRecordId'],
  Opportunity: ['AccountId'],
  OpportunityContactRole: ['OpportunityId', 'ContactId', 'Opportunity.AccountId'],
  CampaignMember: ['ContactId', 'LeadId', 'Contact.AccountId'],
  AccountContactRelation: ['ContactId', 'AccountId'],
};

/** Rows changed after `since` (a dateTime literal, unquoted), for queryAll: deleted and merged rows too. */
export function changedRowsQuery(object: FeedObject, since: Date): string {
  const fields = ['Id', 'SystemModstamp', 'IsDeleted', ...CHANGE_FIELDS[object]];
  return `SELECT ${fields.join(', ')} FROM ${object} WHERE SystemModstamp > ${since.toISOString()}`;
}
