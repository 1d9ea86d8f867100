import { compareIds } from './compare-ids.ts';
import type { RecordTable } from './match-keys.ts';
import type { ChildTagChange } from './plan-types.ts';
import { PRIMARY, SECONDARY, type TagOption, tagChange } from './tags.ts';

// DESIGN.md 2.4: the exact tags of every child record, written only where they change.

/** A record's place in a shared person. */
export interface RecordRole {
  sharedId: string;
  primary: boolean;
}

export function planChildTags(
  table: RecordTable,
  roles: ReadonlyMap<number, RecordRole>,
  userTags: readonly TagOption[],
): ChildTagChange[] {
  const primaryTags = [...userTags, PRIMARY];
  const secondaryTags = [...userTags, SECONDARY];
  const changes: { order: number; change: ChildTagChange }[] = [];
  const plan = (r: number, role: RecordRole | undefined) => {
    const contact = table.contactOf[r];
    if (!contact) return;
    const change = tagChange(contact, role ? (role.primary ? primaryTags : secondaryTags) : []);
    if (!change) return;
    const order = table.accountOf[r] as number;
    const accountId = table.children[order]?.id ?? '';
    changes.push({
      order,
      change: { accountId, contactId: contact.id, sharedId: role?.sharedId ?? null, ...change },
    });
  };
  // Shared records get their exact set; any other record that carries tags loses them.
  for (const [r, role] of roles) plan(r, role);
  for (const r of table.tagged) if (!roles.has(r)) plan(r, undefined);
  // Connection order, then record id: the plan never depends on the order records were read in.
  changes.sort((a, b) => a.order - b.order || compareIds(a.change.contactId, b.change.contactId));
  return changes.map((c) => c.change);
}
