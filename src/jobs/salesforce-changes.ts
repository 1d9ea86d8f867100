import { type ChangedRow, layoutOf } from '../../connectors/salesforce/index.ts';
import type { StoredAccount } from '../store/store.ts';
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

export function feedAccount(account: StoredAccount): FeedAccount {
  const layout = layoutOf(account);
  return {
    accountId: account.accountId,
    salesforceAccountId:
      layout.layout === 'one-org' ? (layout.salesforceAccountId ?? account.accountId) : null,
  };
}

/**
 * The changes per account; rows of Accounts the tenant has not connected are left out. `unnamedToAll`: a row that
 * does not say its Account (a change event carries only the fields that changed) goes to every account of the org,
 * whose resync finds it where it is.
 */
export function toRecordChanges(
  rows: readonly ChangedRow[],
  accounts: readonly FeedAccount[],
  unnamedToAll = false,
): RecordChanges[] {
  const sets = new ChangeSets();
  const wholeOrg = accounts.find((a) => a.salesforceAccountId === null);
  const bySalesforceId = new Map(accounts.map((a) => [a.salesforceAccountId, a.accountId]));
  const accountsOf = (salesforceAccountId: string | null | undefined): string[] => {
    if (wholeOrg) return [wholeOrg.accountId];
    if (salesforceAccountId === undefined && unnamedToAll) return accounts.map((a) => a.accountId);
    const known = bySalesforceId.get(salesforceAccountId ?? null);
    return known ? [known] : [];
  };

  for (const row of rows) {
    if (row.object === 'Contact' || row.object === 'Lead') {
      for (const accountId of accountsOf(row.object === 'Contact' ? row.AccountId : null)) {
        const set = sets.of(accountId);
        if (!row.IsDeleted) set.contacts.add(row.Id);
        else if (row.MasterRecordId) {
          const merged = set.merges.get(row.MasterRecordId) ?? new Set<string>();
          merged.add(row.Id);
          set.merges.set(row.MasterRecordId, merged);
        } else set.deletedContacts.add(row.Id);
      }
    } else if (row.object === 'Opportunity') {
      for (const accountId of accountsOf(row.AccountId))
        (row.IsDeleted ? sets.of(accountId).deletedDeals : sets.of(accountId).deals).add(row.Id);
    } else if (row.object === 'OpportunityContactRole') {
      // The deal is read again with its contacts; the contact too, whose best deal may have changed.
      for (const accountId of accountsOf(row.Opportunity ? row.Opportunity.AccountId : undefined)) {
        if (row.OpportunityId) sets.of(accountId).deals.add(row.OpportunityId);
        if (row.ContactId) sets.of(accountId).contacts.add(row.ContactId);
      }
    } else if (row.object === 'CampaignMember') {
      const personId = row.ContactId ?? (wholeOrg ? row.LeadId : null);
      if (!personId) continue;
      for (const accountId of accountsOf(row.Contact ? row.Contact.AccountId : undefined))
        sets.of(accountId).contacts.add(personId);
    } else if (row.object === 'AccountContactRelation') {
      if (!row.ContactId) continue;
      for (const accountId of accountsOf(row.AccountId)) sets.of(accountId).contacts.add(row.ContactId);
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
