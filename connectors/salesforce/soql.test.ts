import { describe, expect, it } from 'vitest';
import { parseSoql } from './simulator-soql.ts';
import {
  communityRelationsQuery,
  contactRolesQuery,
  contactsQuery,
  customFieldQuery,
  leadsQuery,
  opportunitiesQuery,
  parentRelationsQuery,
  permissionSetQuery,
  respondedMembersQuery,
  soqlString,
  stagesQuery,
} from './soql.ts';

describe('SOQL the adapter sends', () => {
  it('reads a whole org, or one community Account, with the tag field when it exists', () => {
    expect(contactsQuery(null, null)).toBe(
      'SELECT Id, FirstName, LastName, Email, Phone, MobilePhone, CreatedDate FROM Contact',
    );
    expect(contactsQuery('Tags__c', '001A')).toBe(
      "SELECT Id, FirstName, LastName, Email, Phone, MobilePhone, CreatedDate, Tags__c FROM Contact WHERE AccountId = '001A'",
    );
    expect(leadsQuery('Tags__c')).toContain('FROM Lead WHERE IsConverted = false');
    expect(opportunitiesQuery('001A')).toBe(
      "SELECT Id, StageName, ContactId FROM Opportunity WHERE AccountId = '001A'",
    );
    expect(contactRolesQuery('001A')).toContain("WHERE Opportunity.AccountId = '001A'");
    expect(respondedMembersQuery(null)).toBe(
      'SELECT ContactId, LeadId, FirstRespondedDate FROM CampaignMember WHERE HasResponded = true',
    );
    expect(respondedMembersQuery('001A')).toContain("AND Contact.AccountId = '001A'");
    expect(stagesQuery()).toBe(
      'SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon, IsActive FROM OpportunityStage',
    );
  });

  it('escapes quotes and backslashes in literals', () => {
    expect(soqlString("O'Brien\\x")).toBe("'O\\'Brien\\\\x'");
    expect(permissionSetQuery("a'b")).toBe("SELECT Id FROM PermissionSet WHERE Name = 'a\\'b'");
  });

  it('builds only shapes the simulator understands', () => {
    const queries = [
      contactsQuery('T__c', '1'),
      leadsQuery(null),
      stagesQuery(),
      opportunitiesQuery('1'),
      contactRolesQuery('1'),
      respondedMembersQuery('1'),
      parentRelationsQuery('T__c', '1'),
      communityRelationsQuery('T__c', '1'),
      permissionSetQuery('P'),
      customFieldQuery('T'),
    ];
    for (const query of queries) expect(() => parseSoql(query)).not.toThrow();
    expect(parseSoql(parentRelationsQuery(null, "x'y")).where).toEqual([
      { path: 'AccountId', op: '=', values: ["x'y"] },
      { path: 'IsDirect', op: '=', values: [false] },
    ]);
  });
});
