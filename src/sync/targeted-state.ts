import type {
  ChildAccount,
  Contact,
  CorporateAccount,
  Deal,
  Pipeline,
  Plan,
  Settings,
  Snapshot,
} from '../core/index.ts';
import { parseSnapshot } from '../core/index.ts';
import type { LocatedRecord, Store, StoredAccount } from '../store/store.ts';
import { displayName } from './hashed-state.ts';
import { copiesAsRecords } from './stored-copies.ts';
import type { WritesReport } from './write-plan.ts';

// A targeted resync's snapshot (the affected records, their deals, every child account for the tag vocabulary)
// and the stored state after its writes.

/** Every child account (in the tenant's order) with its affected records; live ones keep their raw values. */
export async function affectedSnapshot(input: {
  store: Store;
  tenantId: string;
  settings: Settings;
  children: readonly StoredAccount[];
  /** Null when copies are off. */
  corporate: StoredAccount | null;
  records: readonly LocatedRecord[];
  live: ReadonlyMap<string, Contact>;
  pipelines: ReadonlyMap<string, Pipeline[]>;
}): Promise<Snapshot> {
  const { store, tenantId, corporate } = input;
  const inAccount = new Map<string, Contact[]>();
  for (const { accountId, contact } of input.records) {
    const list = inAccount.get(accountId) ?? [];
    list.push(input.live.get(`${accountId}\u0000${contact.id}`) ?? contact);
    inAccount.set(accountId, list);
  }
  const children: ChildAccount[] = [];
  for (const account of input.children) {
    const contacts = inAccount.get(account.accountId) ?? [];
    const deals: Deal[] =
      contacts.length === 0
        ? []
        : await store.records.deals(tenantId, account.accountId, { contactIds: contacts.map((c) => c.id) });
    children.push({
      id: account.accountId,
      name: account.name,
      country: account.country as ChildAccount['country'],
      pipelines: input.pipelines.get(account.accountId) ?? [],
      contacts,
      deals,
    });
  }
  const copies: CorporateAccount | null = corporate
    ? {
        id: corporate.accountId,
        name: corporate.name,
        country: corporate.country as CorporateAccount['country'],
        contacts: inAccount.get(corporate.accountId) ?? [],
      }
    : null;
  return parseSnapshot({ settings: input.settings, children, corporate: copies });
}

/** The stored state as the accounts now hold it: the tags written, the copies made (keys hashed by `hashed`). */
export async function storeWrites(
  store: Store,
  tenantId: string,
  corporateId: string | null,
  written: WritesReport,
  hashed: (contacts: Contact[]) => Contact[],
): Promise<void> {
  const appliedBy = new Map<string, Plan['children']>();
  for (const change of written.applied.children)
    appliedBy.set(change.accountId, [...(appliedBy.get(change.accountId) ?? []), change]);
  for (const [accountId, changes] of appliedBy) await store.records.setTags(tenantId, accountId, changes);
  if (!corporateId) return;
  const updates = written.applied.corporate.filter((a) => a.action === 'update');
  await store.records.setTags(tenantId, corporateId, updates);
  const made = copiesAsRecords(written.applied.corporate, written.copies, new Date());
  // A copy found by upsert (HubSpot matches on email) is a record the store already holds.
  const held = await store.records.byIds(
    tenantId,
    corporateId,
    made.map((c) => c.id),
  );
  const known = new Set(held.map((c) => c.id));
  const copies = made.filter((c) => !known.has(c.id));
  if (copies.length > 0) await store.records.upsert(tenantId, corporateId, hashed(copies), displayName);
}
