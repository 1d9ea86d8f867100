import { planChildTags, type RecordRole } from './child-tags.ts';
import { clusterRecords } from './cluster.ts';
import { compareIds, timeOf } from './compare-ids.ts';
import { planCorporateCopies, type SharedPerson } from './corporate-copies.ts';
import { addPhones, type EmailPass, type RecordTable, readRecordsAndEmails } from './match-keys.ts';
import { PhoneReader, type PhoneVerdicts } from './normalise.ts';
import type { Member, Plan, SharedContact, Warning } from './plan-types.ts';
import { type AccountStanding, choosePrimary, dealWord } from './primary-account.ts';
import { sharedIdOf } from './shared-id.ts';
import type { ChildAccount, Snapshot } from './snapshot.ts';
import { compareStageRanks, StageBook, type StageRank } from './stage-rank.ts';
import { tagVocabulary, userTag } from './tags.ts';

export interface PlanOptions {
  /** Phone verdicts already computed, by country and phone text (see src/parallel/). */
  phoneKeys?: PhoneVerdicts | undefined;
  /**
   * Keys known to be junk (DESIGN.md 2.1) from records outside the snapshot: a plan of some of an account's records
   * (a targeted resync) cannot count a key's carriers itself. Given as the snapshot's `keys` are.
   */
  junkKeys?: ReadonlySet<string> | undefined;
  /** How a normalised key reads in the snapshot's `keys` (a keyed hash), so a copy's raw values can be checked. */
  storedKey?: ((key: string) => string) | undefined;
}

/** The pure rules of DESIGN.md section 2: from a snapshot of a tenant's accounts to the plan of its writes. */
export function createPlan(snapshot: Snapshot, options: PlanOptions = {}): Plan {
  return finishPlan(startPlan(snapshot), options.phoneKeys, options);
}

/** What a plan knows before any phone number is parsed; phones can be parsed elsewhere meanwhile. */
export interface PlanDraft {
  snapshot: Snapshot;
  warnings: Warning[];
  emailPass: EmailPass;
  /** Per child account: the best open stage of each contact's deals (rule 2.3.1). */
  dealStages: Map<string, StageRank>[];
}

/** First stage: records, email keys and deal stages. */
export function startPlan(snapshot: Snapshot): PlanDraft {
  const { settings, children } = snapshot;
  const warnings: Warning[] = [];
  const emailPass = readRecordsAndEmails(
    children,
    settings.defaultCountry,
    settings.maxContactsPerKey,
    warnings,
  );
  return {
    snapshot,
    warnings,
    emailPass,
    dealStages: children.map((child) => bestDealPerContact(child, warnings)),
  };
}

/** Second stage: phone keys (from `phoneKeys` where given), then every rule that needs all keys. */
export function finishPlan(
  draft: PlanDraft,
  phoneKeys?: PhoneVerdicts,
  known: Pick<PlanOptions, 'junkKeys' | 'storedKey'> = {},
): Plan {
  const { snapshot, warnings, dealStages } = draft;
  const { settings, children, corporate } = snapshot;
  const phones = new PhoneReader(phoneKeys);
  const table = addPhones(draft.emailPass, phones, warnings);
  if (known.junkKeys && known.junkKeys.size > 0) {
    table.keyText.forEach((key, id) => {
      if (known.junkKeys?.has(key)) table.junk[id] = 1;
    });
  }

  const sharedClusters: number[][] = [];
  for (const cluster of clusterRecords(table, settings.matchOn)) {
    const accounts = new Set(cluster.map((r) => table.accountOf[r] as number));
    if (cluster.length > settings.maxClusterSize) {
      for (const account of [...accounts].sort((a, b) => a - b)) {
        warnings.push({
          code: 'oversized-cluster',
          accountId: children[account]?.id ?? '',
          detail: `${cluster.length} records across ${accounts.size} account(s) are linked by shared emails or phones, more than ${settings.maxClusterSize}: that is not one person, so none of them is tagged for it`,
        });
      }
    } else if (accounts.size >= 2) {
      sharedClusters.push(sortRecords(table, cluster));
    }
  }
  sharedClusters.sort((a, b) => compareRecords(table, a[0] as number, b[0] as number));

  const userTags = settings.tags.map(userTag);
  const roles = new Map<number, RecordRole>();
  const shared: SharedContact[] = [];
  const people: SharedPerson[] = [];
  const junkKeys = new Set(table.keyText.filter((_, key) => table.junk[key]));

  for (const cluster of sharedClusters) {
    const members: Member[] = cluster.map((r) => ({
      accountId: children[table.accountOf[r] as number]?.id ?? '',
      contactId: table.contactOf[r]?.id ?? '',
    }));
    const decision = choosePrimary(standings(table, cluster, dealStages), dealWord(settings.mode));
    const id = sharedIdOf(members);
    shared.push({
      id,
      primaryAccountId: decision.primary.accountId,
      reason: decision.reason,
      explanation: decision.explanation,
      members,
    });
    for (const r of cluster)
      roles.set(r, { sharedId: id, primary: table.accountOf[r] === decision.primary.order });
    const accountOrders = [...new Set(cluster.map((r) => table.accountOf[r] as number))];
    people.push({
      id,
      accounts: accountOrders.map((a) => children[a]).filter((c) => c !== undefined),
      primary: children[decision.primary.order] ?? (children[0] as (typeof children)[number]),
      primaryRecords: cluster
        .filter((r) => table.accountOf[r] === decision.primary.order)
        .map((r) => table.contactOf[r])
        .filter((c) => c !== undefined),
      keys: clusterKeys(table, cluster),
      junkKeys,
    });
  }

  // A snapshot without a corporate account plans copies into an empty one.
  const corporateAccount = corporate ?? { id: '', name: '', country: null, contacts: [] };
  const corporateActions = settings.copyToCorporate
    ? planCorporateCopies({
        corporate: corporateAccount,
        defaultCountry: settings.defaultCountry,
        phones,
        warnings,
        people,
        userTags,
        suppressed: new Set(snapshot.suppressed ?? []),
        ...(known.storedKey ? { storedKey: known.storedKey } : {}),
      })
    : [];

  return {
    shared,
    children: planChildTags(table, roles, userTags),
    corporate: corporateActions,
    warnings: sortWarnings(warnings, snapshot),
    tagOptions: tagVocabulary(settings.tags, children),
  };
}

function compareRecords(table: RecordTable, a: number, b: number): number {
  return (
    (table.accountOf[a] as number) - (table.accountOf[b] as number) ||
    compareIds(table.contactOf[a]?.id ?? '', table.contactOf[b]?.id ?? '')
  );
}

function sortRecords(table: RecordTable, records: number[]): number[] {
  return records.sort((a, b) => compareRecords(table, a, b));
}

/** Rule 2.3.1 input: each contact's best open deal stage. Every deal's stage is checked. */
function bestDealPerContact(account: ChildAccount, warnings: Warning[]): Map<string, StageRank> {
  const stages = new StageBook(account);
  const best = new Map<string, StageRank>();
  for (const deal of account.deals) {
    const stage = stages.stageOf(deal);
    if ('unknown' in stage) {
      warnings.push({
        code: 'unknown-stage',
        accountId: account.id,
        ...(deal.contactIds[0] === undefined ? {} : { contactId: deal.contactIds[0] }),
        detail: `deal ${deal.id} counts as no deal: ${stage.unknown}`,
      });
      continue;
    }
    if (stage.rank === null) continue;
    for (const contactId of deal.contactIds) {
      if (compareStageRanks(stage.rank, best.get(contactId) ?? null) > 0) best.set(contactId, stage.rank);
    }
  }
  return best;
}

/** Per account of a cluster: its best deal, conversions summed, earliest first conversion and creation. */
function standings(
  table: RecordTable,
  cluster: number[],
  dealStages: Map<string, StageRank>[],
): AccountStanding[] {
  const byAccount = new Map<number, AccountStanding>();
  for (const r of cluster) {
    const order = table.accountOf[r] as number;
    const contact = table.contactOf[r];
    const account = table.children[order];
    if (!contact || !account) continue;
    const firstConversionAt = timeOf(contact.firstConversionAt);
    const createdAt = timeOf(contact.createdAt) ?? Number.MAX_SAFE_INTEGER;
    const deal = dealStages[order]?.get(contact.id) ?? null;
    const standing = byAccount.get(order);
    if (!standing) {
      byAccount.set(order, {
        order,
        accountId: account.id,
        name: account.name,
        deal,
        conversions: contact.conversions,
        firstConversionAt,
        createdAt,
      });
      continue;
    }
    if (compareStageRanks(deal, standing.deal) > 0) standing.deal = deal;
    standing.conversions += contact.conversions;
    if (
      firstConversionAt !== null &&
      (standing.firstConversionAt === null || firstConversionAt < standing.firstConversionAt)
    ) {
      standing.firstConversionAt = firstConversionAt;
    }
    standing.createdAt = Math.min(standing.createdAt, createdAt);
  }
  return [...byAccount.values()];
}

/** Every non-junk key of a cluster's records, email and phone alike (DESIGN.md 2.5). */
function clusterKeys(table: RecordTable, cluster: number[]): string[] {
  const keys = new Set<string>();
  for (const { start, list } of [table.emails, table.phones]) {
    for (const r of cluster) {
      for (let i = start[r] as number; i < (start[r + 1] as number); i++) {
        const key = list[i] as number;
        if (!table.junk[key]) keys.add(table.keyText[key] as string);
      }
    }
  }
  return [...keys];
}

/** Children in connection order, then the corporate account; by code, record and text within. */
function sortWarnings(warnings: Warning[], snapshot: Snapshot): Warning[] {
  const order = new Map(snapshot.children.map((child, i) => [child.id, i]));
  const rank = (w: Warning) => order.get(w.accountId) ?? snapshot.children.length;
  return warnings.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      compareIds(a.contactId ?? '', b.contactId ?? '') ||
      (a.detail < b.detail ? -1 : a.detail > b.detail ? 1 : 0),
  );
}
