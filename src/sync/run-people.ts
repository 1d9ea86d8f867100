import type { ChildAccount, Contact, CorporateAccount, Plan } from '../core/index.ts';
import { PhoneReader, PRIMARY_TAG, SECONDARY_TAG, sortedTags } from '../core/index.ts';
import type { LocatedRecord, NewRunPerson, PersonMember, Store } from '../store/store.ts';
import { displayName, type Hasher, withHashedKeysInSlices } from './hashed-state.ts';
import type { RunOnceReport } from './run-once.ts';

// After the plan: each shared person of the run as the admin page shows them (names from the pulled records, the
// community that had them first, their keys as keyed hashes for search), stored for previews too; a preview's
// changes are stored as `planned` audit entries, so it can be read back after a reload.

export interface RunPeopleContext {
  tenantId: string;
  runId: number;
  /** The tenant's child account ids in connection order (the plan's order; it breaks ties). */
  childOrder: readonly string[];
  corporateId: string | null;
  /** The user-defined tags every shared record carries. */
  userTags: readonly string[];
  countryOf(accountId: string): string;
  hash: Hasher;
  /** The stored state of accounts that stood in for a failed pull this run. */
  storedState(accountId: string): Promise<ChildAccount | CorporateAccount | null>;
}

const time = (createdAt: string | null) =>
  createdAt === null ? Number.POSITIVE_INFINITY : Date.parse(createdAt);

/** The member whose record was created first; ties go to the account connected first, then the lower record id. */
export function firstMember(members: readonly PersonMember[], childOrder: readonly string[]): PersonMember {
  const position = (accountId: string) => {
    const at = childOrder.indexOf(accountId);
    return at === -1 ? childOrder.length : at;
  };
  return [...members].sort(
    (a, b) =>
      time(a.createdAt) - time(b.createdAt) ||
      position(a.accountId) - position(b.accountId) ||
      (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0),
  )[0] as PersonMember;
}

/** People made between yields of the event loop: a full run at 1M contacts has over 100,000 of them. */
const SLICE = 2_000;
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));

/** The people of a plan, with the facts the admin page needs (a slice at a time: the server keeps answering). */
export async function peopleOf(
  plan: Plan,
  accounts: readonly (ChildAccount | CorporateAccount)[],
  context: Pick<RunPeopleContext, 'childOrder' | 'userTags' | 'countryOf' | 'hash'>,
  phones: PhoneReader,
): Promise<NewRunPerson[]> {
  const inPlan = new Set(
    plan.shared.flatMap((s) => s.members.map((m) => `${m.accountId}\u0000${m.contactId}`)),
  );
  const contacts = new Map<string, Contact>();
  for (const account of accounts) {
    const members = account.contacts.filter((c) => inPlan.has(`${account.id}\u0000${c.id}`));
    if (members.length === 0) continue;
    // Hashed as stored records are, so a typed email or phone hashed the same way finds them.
    const hashed = await withHashedKeysInSlices(
      { ...account, contacts: members },
      context.countryOf(account.id),
      context.hash,
      phones,
    );
    for (const contact of hashed.contacts) contacts.set(`${account.id}\u0000${contact.id}`, contact);
  }
  const position = new Map(context.childOrder.map((id, i) => [id, i]));
  const tags = sortedTags([...context.userTags, PRIMARY_TAG, SECONDARY_TAG]);
  const people: NewRunPerson[] = [];
  for (let i = 0; i < plan.shared.length; i += SLICE) {
    if (i > 0) await yieldLoop();
    people.push(...plan.shared.slice(i, i + SLICE).map((shared) => personOf(shared)));
  }
  return people;

  function personOf(shared: Plan['shared'][number]): NewRunPerson {
    const members: PersonMember[] = [];
    const keyHashes = new Set<string>();
    for (const m of shared.members) {
      const contact = contacts.get(`${m.accountId}\u0000${m.contactId}`);
      members.push({
        accountId: m.accountId,
        recordId: m.contactId,
        name: contact ? displayName(contact) : `record ${m.contactId}`,
        createdAt: contact ? new Date(contact.createdAt).toISOString() : null,
      });
      for (const key of [...(contact?.keys?.emails ?? []), ...(contact?.keys?.phones ?? [])])
        keyHashes.add(key);
    }
    members.sort(
      (a, b) =>
        (position.get(a.accountId) ?? Number.MAX_SAFE_INTEGER) -
          (position.get(b.accountId) ?? Number.MAX_SAFE_INTEGER) || time(a.createdAt) - time(b.createdAt),
    );
    const first = firstMember(members, context.childOrder);
    const named = (list: PersonMember[]) => list.find((m) => !m.name.startsWith('record '));
    const name =
      named(members.filter((m) => m.accountId === shared.primaryAccountId)) ?? named(members) ?? members[0];
    return {
      sharedId: shared.id,
      name: name?.name ?? shared.id,
      primaryAccountId: shared.primaryAccountId,
      reason: shared.reason,
      explanation: shared.explanation,
      members,
      firstAccountId: first.accountId,
      firstCreatedAt: first.createdAt === null ? null : new Date(first.createdAt),
      tags,
      keyHashes: [...keyHashes],
    };
  }
}

/** Every account the plan read: the pulled ones and the stored states that stood in for failed pulls. */
async function accountsOf(report: RunOnceReport, context: RunPeopleContext) {
  const stale = await Promise.all(report.staleAccounts.map((id) => context.storedState(id)));
  return [...report.pulled, ...stale.filter((a) => a !== null)];
}

/** Stores the run's people, with names, members, first community and the members' keyed hashes. */
export async function storeRunPeople(
  store: Store,
  report: RunOnceReport,
  context: RunPeopleContext,
): Promise<void> {
  const accounts = await accountsOf(report, context);
  // The numbers were parsed while planning: look them up rather than parse them again.
  const phones = new PhoneReader(report.phoneVerdicts);
  await store.people.save(
    context.tenantId,
    context.runId,
    await peopleOf(report.plan, accounts, context, phones),
  );
}

/**
 * A targeted resync's people: the latest real run's, with every person that had one of the `replaced` records (or
 * one of their `formerKeys`) replaced by the plan's people. Returns how many people the run has.
 */
export async function replacePeople(
  store: Store,
  context: Pick<RunPeopleContext, 'tenantId' | 'runId' | 'childOrder' | 'userTags' | 'countryOf' | 'hash'> & {
    plan: Plan;
    accounts: readonly (ChildAccount | CorporateAccount)[];
    replaced: readonly LocatedRecord[];
    formerKeys: readonly string[];
    phones: PhoneReader;
  },
): Promise<number> {
  const { tenantId, runId } = context;
  const people = await peopleOf(context.plan, context.accounts, context, context.phones);
  // The latest real run's people, with the people of the re-planned records replaced.
  const head = await store.people.head(tenantId, runId);
  if (head === null) {
    await store.people.save(tenantId, runId, people);
    return people.length;
  }
  const replaced = new Set(context.replaced.map((r) => `${r.accountId}\u0000${r.contact.id}`));
  const keys = [
    ...context.formerKeys,
    ...context.replaced.flatMap((r) => [...r.contact.keys.emails, ...r.contact.keys.phones]),
  ];
  const stale = (await store.people.withKeys(tenantId, head, keys))
    .filter((p) => p.members.some((m) => replaced.has(`${m.accountId}\u0000${m.recordId}`)))
    .map((p) => p.sharedId);
  return store.people.continueFrom(tenantId, head, runId, stale, people);
}
