import type { Plan } from './plan-types.ts';
import type { Snapshot } from './snapshot.ts';
import { sortedTags } from './tags.ts';

// Offboarding: every record that carries any of the app's tags, in the children and the corporate account, has
// them cleared. Records are never deleted; corporate copies stay, untagged, for the admin to delete if they wish.

const tagged = (contact: { tags: string[]; tagValues?: string[] | undefined }) =>
  contact.tags.length > 0 || (contact.tagValues?.length ?? 0) > 0;

export function removalPlan(snapshot: Snapshot): Plan {
  const cleared = { after: [] as string[], afterValues: [] as string[] };
  return {
    shared: [],
    children: snapshot.children.flatMap((account) =>
      account.contacts.filter(tagged).map((contact) => ({
        accountId: account.id,
        contactId: contact.id,
        sharedId: null,
        before: sortedTags(contact.tags),
        ...cleared,
      })),
    ),
    corporate: (snapshot.corporate?.contacts ?? []).filter(tagged).map((contact) => ({
      action: 'update' as const,
      sharedId: null,
      sharedIds: [],
      contactId: contact.id,
      before: sortedTags(contact.tags),
      ...cleared,
    })),
    warnings: [],
    tagOptions: [],
  };
}
