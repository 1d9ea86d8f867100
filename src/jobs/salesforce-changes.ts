import type { ChangedRow } from '../../connectors/salesforce/index.ts';
import { noChanges, type RecordChanges } from '../sync/changes.ts';

// Changed Salesforce rows (from polling or change events) as the records each connected account must read again.
// Where an account is a whole org, every row is that account's. In the one-org layout a row belongs to the
// community (or corporate) Account it names: a Contact its AccountId, an opportunity's roles and a campaign
// member their Opportunity's or Contact's AccountId, and a relation (AccountContactRelation) its AccountId, which
// is how a Contact that moved between communities reaches the one it left.

export interface FeedAccount {
  /** The plan's account id. */
  accountId: string;
  /** One-org layout: the Salesforce Account the connection is; null when the account is a whole org. */
  salesforceAccountId: string | null;
}

class ChangeSets {
  readonly #byAccount = new Map<
    string,
    {
      contacts: Set<string>;
      deletedContacts: Set<string>;
      deals: Set<string>;
      deletedDeals: Set<string>;
      merges: Map<string, Set<string>>;
    }
  >();

  of(accountId: string) {
    let set = this.#byAccount.get(accountId);
    if (!set) {
      set = {
        contacts: new Set(),
        deletedContacts: new Set(),
        deals: new Set(),
        deletedDeals: new Set(),
        merges: new Map(),
      };
      this.#byAccount.set(accountId, set);
    }
    return set;
  }

  result(): RecordChanges[] {
    return [...this.#byAccount].map(([accountId, set]) => {
      const sorted = (ids: Set<string>) => [...ids].sort();
      // A record read again and deleted in one batch is deleted; a merged record is only merged.
      const merged = new Set([...set.merges.values()].flatMap((ids) => [...ids]));
      return {
        ...noChanges(accountId),
        contacts: sorted(set.contacts).filter((id) => !set.deletedContacts.has(id) && !merged.has(id)),
        deletedContacts: sorted(set.deletedContacts).filter((id) => !merged.has(id)),
        merges: [...set.merges]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([primaryId, ids]) => ({ primaryId, mergedIds: sorted(ids) })),
        deals: sorted(set.deals).filter((id) => !set.deletedDeals.has(id)),
        deletedDeals: sorted(set.deletedDeals),
      };
    });
  }
}

/** The changes per account; rows of Accounts the tenant has not connected are left out. */
export function toRecordChanges(
  rows: readonly ChangedRow[],
  accounts: readonly FeedAccount[],
): RecordChanges[] {
  const sets = new ChangeSets();
  const wholeOrg = accounts.find((a) => a.salesforceAccountId === null);
  const bySalesforceId = new Map(accounts.map((a) => [a.salesforceAccountId, a.accountId]));
  const accountOf = (salesforceAccountId: string | null | undefined): string | null =>
    wholeOrg ? wholeOrg.accountId : (bySalesforceId.get(salesforceAccountId ?? null) ?? null);

  for (const row of rows) {
    if (row.object === 'Contact' || row.object === 'Lead') {
      const accountId = accountOf(row.object === 'Contact' ? row.AccountId : null);
      if (!accountId) continue;
      const set = sets.of(accountId);
      if (!row.IsDeleted) set.contacts.add(row.Id);
      else if (row.MasterRecordId) {
        const merged = set.merges.get(row.MasterRecordId) ?? new Set<string>();
        merged.add(row.Id);
        set.merges.set(row.MasterRecordId, merged);
      } else set.deletedContacts.add(row.Id);
    } else if (row.object === 'Opportunity') {
      const accountId = accountOf(row.AccountId);
      if (accountId) (row.IsDeleted ? sets.of(accountId).deletedDeals : sets.of(accountId).deals).add(row.Id);
    } else if (row.object === 'OpportunityContactRole') {
      // The deal is read again with its contacts; the contact too, whose best deal may have changed.
      const accountId = accountOf(row.Opportunity?.AccountId);
      if (!accountId) continue;
      if (row.OpportunityId) sets.of(accountId).deals.add(row.OpportunityId);
      if (row.ContactId) sets.of(accountId).contacts.add(row.ContactId);
    } else if (row.object === 'CampaignMember') {
      const personId = row.ContactId ?? (wholeOrg ? row.LeadId : null);
      const accountId = accountOf(row.Contact?.AccountId);
      if (personId && accountId) sets.of(accountId).contacts.add(personId);
    } else if (row.object === 'AccountContactRelation') {
      const accountId = accountOf(row.AccountId);
      if (accountId && row.ContactId) sets.of(accountId).contacts.add(row.ContactId);
    }
  }
  return sets.result();
}

/** Whether any account has anything to read again. */
export const anyChanges = (changes: readonly RecordChanges[]): boolean =>
  changes.some(
    (c) =>
      c.contacts.length +
        c.deletedContacts.length +
        c.merges.length +
        c.deals.length +
        c.deletedDeals.length >
      0,
  );
