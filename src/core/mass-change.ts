import type { ChildTagChange, CorporateAction } from './plan-types.ts';

// The guard against mass changes (a changed `matchOn` or a bug must not silently untag a whole CRM): a run that
// would remove the app's tags from more than 20% of an account's tagged records, or clear more than 20% of the
// corporate copies, is held for the admin. Removing fewer than MASS_CHANGE_MIN records is never held: losing 1 of 3
// is ordinary churn in a small account.

export const MASS_CHANGE_SHARE = 0.2;
export const MASS_CHANGE_MIN = 5;

interface TaggedAccount {
  id: string;
  name: string;
  contacts: readonly { tags: readonly string[] }[];
}

export interface MassChange {
  accountId: string;
  name: string;
  role: 'child' | 'corporate';
  /** Records that would lose every app tag. */
  removing: number;
  /** Records that carry app tags now. */
  tagged: number;
}

const untags = (change: { before: readonly string[]; after: readonly string[] }) =>
  change.before.length > 0 && change.after.length === 0;

/** The accounts where the writes would untag too much; empty when the run may go ahead. */
export function massChanges(
  accounts: { children: readonly TaggedAccount[]; corporate: TaggedAccount | null },
  writes: { children: readonly ChildTagChange[]; corporate: readonly CorporateAction[] },
): MassChange[] {
  const found: MassChange[] = [];
  const check = (account: TaggedAccount, role: MassChange['role'], removing: number) => {
    const tagged = account.contacts.filter((c) => c.tags.length > 0).length;
    if (removing >= MASS_CHANGE_MIN && removing > tagged * MASS_CHANGE_SHARE)
      found.push({ accountId: account.id, name: account.name, role, removing, tagged });
  };
  for (const account of accounts.children) {
    const removing = writes.children.filter((c) => c.accountId === account.id && untags(c)).length;
    check(account, 'child', removing);
  }
  if (accounts.corporate) {
    const removing = writes.corporate.filter((a) => a.action === 'update' && untags(a)).length;
    check(accounts.corporate, 'corporate', removing);
  }
  return found;
}

/** Why a run was held, in words an admin reads on the page. */
export function heldReason(changes: readonly MassChange[]): string {
  const parts = changes.map((c) =>
    c.role === 'corporate'
      ? `${c.name} (corporate): ${c.removing} of ${c.tagged} copies would be cleared`
      : `${c.name}: ${c.removing} of ${c.tagged} tagged records would lose their tags`,
  );
  return `Held before writing: more than ${MASS_CHANGE_SHARE * 100}% of the app's tags would be removed. ${parts.join('; ')}. Confirm to run it anyway.`;
}
