import type { ChildTagChange, CorporateUpdate, Plan, Warning } from './plan-types.ts';
import type { Snapshot } from './snapshot.ts';
import { sameTags, sortedTags, type TagOption, tagVocabulary, userTag } from './tags.ts';

// Undoing a run: each record the run changed gets its `before` tags back, read against the record as it is now.
// Only a record that still carries exactly what the run wrote is restored; one changed since (by a later run or a
// person) is left as it is and named in a `not-reverted` warning, so an undo never overwrites newer work.

/** One change the reverted run wrote (an audit entry; tags by label). */
export interface RevertedChange {
  accountId: string;
  recordId: string;
  action: 'tag' | 'create-copy' | 'update-copy';
  before: readonly string[];
  after: readonly string[];
}

export interface RevertOptions {
  /** Every account the tenant has had, for the `engaging-in-…` labels of corporate copies. */
  accounts: readonly { id: string; name: string }[];
}

/**
 * The option behind each label: the record's own stored value first (exact even for two accounts of one name),
 * then the tenant's vocabulary, then a user tag (values follow from labels). An `engaging-in-…` label no account
 * answers to (renamed since, or two accounts of that name) cannot be restored exactly: null.
 */
function optionsFor(
  labels: readonly string[],
  current: { tags: string[]; tagValues?: string[] | undefined },
  vocabulary: readonly TagOption[],
): TagOption[] | null {
  const own = new Map<string, string>();
  current.tags.forEach((label, i) => {
    const value = current.tagValues?.[i];
    if (value !== undefined) own.set(label, value);
  });
  const options: TagOption[] = [];
  for (const label of labels) {
    const value = own.get(label);
    if (value !== undefined) {
      options.push({ value, label });
      continue;
    }
    const known = vocabulary.filter((o) => o.label === label);
    if (known.length === 1) options.push(known[0] as TagOption);
    else if (known.length > 1 || label.startsWith('engaging-in-')) return null;
    else options.push(userTag(label));
  }
  return options;
}

export function revertPlan(
  snapshot: Snapshot,
  changes: readonly RevertedChange[],
  options: RevertOptions,
): Plan {
  const vocabulary = tagVocabulary(snapshot.settings.tags, options.accounts);
  const accounts = new Map<string, Snapshot['children'][number] | NonNullable<Snapshot['corporate']>>(
    snapshot.children.map((c) => [c.id, c]),
  );
  if (snapshot.corporate) accounts.set(snapshot.corporate.id, snapshot.corporate);
  const plan: Plan = { shared: [], children: [], corporate: [], warnings: [], tagOptions: [...vocabulary] };
  const extra = new Map<string, TagOption>();
  const skip = (change: RevertedChange, detail: string): void => {
    plan.warnings.push({
      code: 'not-reverted',
      accountId: change.accountId,
      contactId: change.recordId,
      detail,
    } satisfies Warning);
  };
  for (const change of changes) {
    const account = accounts.get(change.accountId);
    if (!account) continue; // not read this run: the run reports the account, nothing is written there
    const contact = account.contacts.find((c) => c.id === change.recordId);
    if (!contact) {
      skip(change, 'the record is no longer in the account');
      continue;
    }
    if (sameTags(contact.tags, change.before)) continue;
    if (!sameTags(contact.tags, change.after)) {
      skip(
        change,
        `its tags changed after the run (now: ${sortedTags(contact.tags).join(', ') || 'none'}); left as they are`,
      );
      continue;
    }
    const restored = optionsFor(change.before, contact, vocabulary);
    if (!restored) {
      skip(
        change,
        `a tag it had (${change.before.join(', ')}) names an account that was renamed or is ambiguous; left as it is`,
      );
      continue;
    }
    for (const option of restored) extra.set(option.value, option);
    const tags = {
      before: sortedTags(contact.tags),
      after: sortedTags(restored.map((o) => o.label)),
      afterValues: sortedTags(restored.map((o) => o.value)),
    };
    if (snapshot.corporate && account === snapshot.corporate) {
      plan.corporate.push({
        action: 'update',
        sharedId: null,
        sharedIds: [],
        contactId: contact.id,
        ...tags,
      } satisfies CorporateUpdate);
    } else {
      plan.children.push({
        accountId: account.id,
        contactId: contact.id,
        sharedId: null,
        ...tags,
      } satisfies ChildTagChange);
    }
  }
  const known = new Set(vocabulary.map((o) => o.value));
  for (const option of extra.values()) if (!known.has(option.value)) plan.tagOptions.push(option);
  return plan;
}
