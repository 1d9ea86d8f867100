import { createHash } from 'node:crypto';

// DESIGN.md 2.4: the app's tag vocabulary. A tag has the label people see and a stored value that is
// stable and never contains `;`. `engaging-in-…` values come from the account id, so a renamed account only
// relabels its option and two accounts with the same name stay two tags.

export const PRIMARY_TAG = 'primary-shared-contact';
export const SECONDARY_TAG = 'secondary-shared-contact';

export interface TagOption {
  value: string;
  label: string;
}

const productTag = (label: string): TagOption => ({ value: label, label });
export const PRIMARY: TagOption = productTag(PRIMARY_TAG);
export const SECONDARY: TagOption = productTag(SECONDARY_TAG);

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** Letters, digits and `-` only: safe as a HubSpot option value and a Salesforce picklist API name. */
function slug(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max);
}

/** A user-defined tag: the slug keeps the value readable, the hash keeps distinct labels distinct. */
export function userTag(label: string): TagOption {
  return { value: `tag-${slug(label, 40) || 'x'}-${shortHash(label)}`, label };
}

/** `engaging-in-<Account Name>[-primary]` on corporate copies (DESIGN.md 2.5). */
export function engagingTag(account: { id: string; name: string }, primary: boolean): TagOption {
  const safeId = /^[A-Za-z0-9_-]{1,40}$/.test(account.id) ? account.id : shortHash(account.id);
  const suffix = primary ? '-primary' : '';
  return { value: `engaging-in-${safeId}${suffix}`, label: `engaging-in-${account.name}${suffix}` };
}

/** Sorted by plain code-unit order, without duplicates (DESIGN.md section 3). */
export function sortedTags(tags: Iterable<string>): string[] {
  return [...new Set(tags)].sort();
}

/** Set equality of two tag lists, duplicates ignored. */
export function sameTags(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size !== right.size) return false;
  for (const tag of left) if (!right.has(tag)) return false;
  return true;
}

export interface TagChange {
  before: string[];
  after: string[];
  afterValues: string[];
}

/**
 * The write that gives a record exactly `desired`, or null when it already has them. Stored values are
 * compared when the connector read them (they tell apart two accounts of the same name), else labels.
 */
export function tagChange(
  current: { tags: string[]; tagValues?: string[] | undefined },
  desired: readonly TagOption[],
): TagChange | null {
  const unchanged = current.tagValues
    ? sameTags(
        current.tagValues,
        desired.map((o) => o.value),
      )
    : sameTags(
        current.tags,
        desired.map((o) => o.label),
      );
  if (unchanged) return null;
  return {
    before: sortedTags(current.tags),
    after: sortedTags(desired.map((o) => o.label)),
    afterValues: sortedTags(desired.map((o) => o.value)),
  };
}

/** Every option a tenant's tag field may need: the product tags, the user's tags, two per child account. */
export function tagVocabulary(
  userTags: readonly string[],
  children: readonly { id: string; name: string }[],
): TagOption[] {
  const options = [PRIMARY, SECONDARY, ...userTags.map(userTag)];
  for (const child of children) options.push(engagingTag(child, false), engagingTag(child, true));
  return options;
}
