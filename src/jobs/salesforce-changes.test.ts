import { describe, expect, it } from 'vitest';
import type { ChangedRow } from '../../connectors/salesforce/index.ts';
import { noChanges } from '../sync/changes.ts';
import { toRecordChanges } from './salesforce-changes.ts';

const row = (object: ChangedRow['object'], Id: string, fields: Partial<ChangedRow> = {}): ChangedRow => ({
  object,
  Id,
  SystemModstamp: '2026-01-01T10:00:00.000+0000',
  IsDeleted: false,
  ...fields,
});

// One org, one Account per community: 001A and 001B are communities, 001P the corporate parent.
const oneOrg = [
  { accountId: 'A', salesforceAccountId: '001A' },
  { accountId: 'B', salesforceAccountId: '001B' },
  { accountId: 'P', salesforceAccountId: '001P' },
];

describe('changed Salesforce rows as RecordChanges', () => {
  it('in the one-org layout gives each row to the Account it names, and leaves out Accounts not connected', () => {
    const changes = toRecordChanges(
      [
        row('Contact', 'c1', { AccountId: '001A' }),
        row('Contact', 'c9', { AccountId: '001Z' }),
        // c2 moved from A to B: its relation to A ended, the Contact now names B.
        row('Contact', 'c2', { AccountId: '001B' }),
        row('AccountContactRelation', 'r1', { ContactId: 'c2', AccountId: '001A', IsDeleted: true }),
        row('Opportunity', 'o1', { AccountId: '001B', IsDeleted: true }),
        row('OpportunityContactRole', 'ocr1', {
          OpportunityId: 'o2',
          ContactId: 'c3',
          Opportunity: { AccountId: '001A' },
        }),
        row('CampaignMember', 'm1', { ContactId: 'c4', LeadId: null, Contact: { AccountId: '001B' } }),
        row('CampaignMember', 'm2', { ContactId: null, LeadId: 'l1', Contact: null }),
      ],
      oneOrg,
    );
    expect(changes).toEqual([
      { ...noChanges('A'), contacts: ['c1', 'c2', 'c3'], deals: ['o2'] },
      { ...noChanges('B'), contacts: ['c2', 'c4'], deletedDeals: ['o1'] },
    ]);
  });

  it('where an account is a whole org, every row is its; merged records name their survivor', () => {
    const changes = toRecordChanges(
      [
        row('Lead', 'l1'),
        row('Contact', 'c1'),
        row('Contact', 'c2', { IsDeleted: true, MasterRecordId: 'c1' }),
        row('Contact', 'c3', { IsDeleted: true, MasterRecordId: 'c1' }),
        row('Contact', 'c4', { IsDeleted: true, MasterRecordId: null }),
        row('CampaignMember', 'm1', { ContactId: null, LeadId: 'l2' }),
      ],
      [{ accountId: 'org-1', salesforceAccountId: null }],
    );
    expect(changes).toEqual([
      {
        ...noChanges('org-1'),
        contacts: ['c1', 'l1', 'l2'],
        deletedContacts: ['c4'],
        merges: [{ primaryId: 'c1', mergedIds: ['c2', 'c3'] }],
      },
    ]);
  });
});
