import type { AccountSession } from '../../connectors/connector.ts';
import type { Contact, Deal, Pipeline } from '../core/index.ts';
import type { Store, StoredContact } from '../store/store.ts';
import type { RecordChanges } from './changes.ts';
import { displayName } from './hashed-state.ts';

// The first step of a targeted resync: what the changed records of one account are now, read live, beside what the
// store holds for them. A change whose rule-relevant facts equal the stored ones (the app's own tag write, say)
// is no change.

export interface AccountChangeSet {
  accountId: string;
  /** Read live (keys hashed as stored), with their stored state before the change when there was one. */
  contacts: { live: Contact; stored: StoredContact | null }[];
  /** Stored records the account no longer has (deleted, merged away). */
  removed: StoredContact[];
  deals: { live: Deal; stored: Deal | null }[];
  removedDeals: Deal[];
  /** Re-read because a deal named a pipeline or stage the stored ones lack. */
  pipelines: Pipeline[] | null;
}

const sorted = (list: readonly string[]) => [...list].sort();
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && sorted(a).every((v, i) => v === sorted(b)[i]);

/** Whether a live record differs from its stored state in anything the rules (or the stored tags) use. */
export function contactChanged(live: Contact, stored: StoredContact | null): boolean {
  if (!stored || !live.keys) return true;
  return (
    !sameList(live.keys.emails, stored.keys.emails) ||
    !sameList(live.keys.phones, stored.keys.phones) ||
    Date.parse(live.createdAt) !== Date.parse(stored.createdAt) ||
    live.conversions !== stored.conversions ||
    (live.firstConversionAt === null) !== (stored.firstConversionAt === null) ||
    (live.firstConversionAt !== null &&
      Date.parse(live.firstConversionAt) !== Date.parse(stored.firstConversionAt ?? '')) ||
    !sameList(live.tagValues ?? live.tags, stored.tagValues ?? stored.tags)
  );
}

export const dealChanged = (live: Deal, stored: Deal | null): boolean =>
  !stored ||
  live.pipelineId !== stored.pipelineId ||
  live.stageId !== stored.stageId ||
  !sameList(live.contactIds, stored.contactIds);

export const changeSetChanged = (set: AccountChangeSet): boolean =>
  set.removed.length > 0 ||
  set.removedDeals.length > 0 ||
  set.contacts.some((c) => contactChanged(c.live, c.stored)) ||
  set.deals.some((d) => dealChanged(d.live, d.stored));

const knowsStage = (pipelines: readonly Pipeline[], deal: Deal) =>
  pipelines.some((p) => p.id === deal.pipelineId && p.stages.some((s) => s.id === deal.stageId));

/** Reads an account's changed records live (one batch of reads) and looks up their stored state. */
export async function readChanges(input: {
  store: Store;
  tenantId: string;
  changes: RecordChanges;
  session: AccountSession;
  corporate: boolean;
  storedPipelines: readonly Pipeline[];
  hashKeys: (contacts: Contact[]) => Contact[];
}): Promise<AccountChangeSet> {
  const { store, tenantId, changes, session } = input;
  const accountId = changes.accountId;
  const wanted = [...new Set([...changes.contacts, ...changes.merges.map((m) => m.primaryId)])];
  const gone = [...new Set([...changes.deletedContacts, ...changes.merges.flatMap((m) => m.mergedIds)])];
  // A changed contact's deals are read again too: one may have lost it (its stored deals name it).
  const storedDeals = input.corporate
    ? []
    : await store.records.deals(tenantId, accountId, {
        ids: [...changes.deals, ...changes.deletedDeals],
        contactIds: [...wanted, ...gone],
      });
  const dealIds = [...new Set([...changes.deals, ...changes.deletedDeals, ...storedDeals.map((d) => d.id)])];
  const read = await session.readRecords({
    contacts: wanted,
    deals: input.corporate ? [] : dealIds,
    dealsOfContacts: !input.corporate,
  });
  const live = input.hashKeys(read.contacts);
  const liveIds = new Set(live.map((c) => c.id));
  const stored = new Map(
    (await store.records.byIds(tenantId, accountId, [...live.map((c) => c.id), ...wanted, ...gone])).map(
      (c) => [c.id, c] as const,
    ),
  );
  const storedDeal = new Map(storedDeals.map((d) => [d.id, d] as const));
  const liveDealIds = new Set(read.deals.map((d) => d.id));
  let pipelines: Pipeline[] | null = null;
  if (read.deals.some((deal) => !knowsStage(input.storedPipelines, deal))) {
    pipelines =
      (await session.readRecords({ contacts: [], deals: [], dealsOfContacts: false, pipelines: true }))
        .pipelines ?? null;
  }
  return {
    accountId,
    contacts: live.map((c) => ({ live: c, stored: stored.get(c.id) ?? null })),
    removed: [...new Set([...wanted, ...gone])]
      .filter((id) => !liveIds.has(id))
      .flatMap((id) => stored.get(id) ?? []),
    deals: read.deals.map((d) => ({ live: d, stored: storedDeal.get(d.id) ?? null })),
    removedDeals: storedDeals.filter((d) => !liveDealIds.has(d.id)),
    pipelines,
  };
}

/** Stores what the changed records and deals are now. */
export async function storeChanges(store: Store, tenantId: string, set: AccountChangeSet): Promise<void> {
  const { accountId } = set;
  await store.records.upsert(
    tenantId,
    accountId,
    set.contacts.map((c) => c.live),
    displayName,
  );
  await store.records.remove(
    tenantId,
    accountId,
    set.removed.map((c) => c.id),
  );
  await store.records.upsertDeals(
    tenantId,
    accountId,
    set.deals.map((d) => d.live),
  );
  await store.records.removeDeals(
    tenantId,
    accountId,
    set.removedDeals.map((d) => d.id),
  );
}

/**
 * Puts back what the store held before `storeChanges`: a resync that did not finish its writes must not leave the
 * new facts stored, or the feed's retry of the same change would find nothing changed.
 */
export async function restoreChanges(store: Store, tenantId: string, set: AccountChangeSet): Promise<void> {
  const { accountId } = set;
  const before = [...set.contacts.flatMap((c) => c.stored ?? []), ...set.removed];
  await store.records.upsert(tenantId, accountId, before, displayName);
  await store.records.remove(
    tenantId,
    accountId,
    set.contacts.filter((c) => c.stored === null).map((c) => c.live.id),
  );
  await store.records.upsertDeals(tenantId, accountId, [
    ...set.deals.flatMap((d) => d.stored ?? []),
    ...set.removedDeals,
  ]);
  await store.records.removeDeals(
    tenantId,
    accountId,
    set.deals.filter((d) => d.stored === null).map((d) => d.live.id),
  );
}
