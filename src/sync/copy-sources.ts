import type { Contact, Plan, Snapshot } from '../core/index.ts';
import type { StoredAccount } from '../store/store.ts';

// A corporate copy is made from its primary record's live values (properties, email and phone as written); a
// targeted plan holds most records as stored state (hashes only), so the sources of its new copies are read live.

/** The live records a plan's new copies are made from, read where the snapshot holds stored state only. */
export async function liveSources(
  plan: Plan,
  snapshot: Snapshot,
  live: ReadonlyMap<string, Contact>,
  accountOf: (accountId: string) => StoredAccount | undefined,
  access: {
    read: (account: StoredAccount, ids: string[]) => Promise<Contact[]>;
    readable: (account: StoredAccount | undefined) => account is StoredAccount;
  },
): Promise<Map<string, Contact>> {
  const wanted = new Map<string, string[]>();
  for (const action of plan.corporate) {
    if (action.action !== 'create') continue;
    const { accountId, contactId } = action.from;
    if (live.has(`${accountId}\u0000${contactId}`)) continue;
    wanted.set(accountId, [...(wanted.get(accountId) ?? []), contactId]);
  }
  const sources = new Map<string, Contact>();
  for (const [accountId, ids] of wanted) {
    const account = accountOf(accountId);
    if (!access.readable(account) || !snapshot.children.some((c) => c.id === accountId)) continue;
    for (const contact of await access.read(account, ids))
      sources.set(`${accountId}\u0000${contact.id}`, contact);
  }
  return sources;
}
