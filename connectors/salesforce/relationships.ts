import { type CorporateAction, engagingTag, type Plan } from '../../src/core/index.ts';
import { type ApplyReport, ConnectorError, type RecordFailure } from '../connector.ts';
import { describeErrors, writeTags } from './apply-tags.ts';
import { type SessionContext, scopedAccountId } from './context.ts';
import { joinPicklist } from './people.ts';
import type { RelationRow } from './relation-rows.ts';
import { communityRelationsQuery } from './soql.ts';

// Relationship mode (DESIGN.md 2.6): instead of a copy, the primary account's record is related through
// AccountContactRelation to the corporate parent (the relation carries the corporate tags) and to every other
// community Account the person is in. Each corporate action of the plan is one relation to the parent.
// Relations to accounts the person left are ended (IsActive false), never deleted; only relations the app
// made (carrying its tag value) are ever ended.

export const ACR_DISABLED_MESSAGE =
  'Contacts to Multiple Accounts is not enabled in this org (Setup > Account Settings > "Allow users to relate a contact to multiple accounts"); Community Sync wrote tags only and made no relations';

interface Desired {
  contactId: string;
  sharedId: string | null;
  sharedIds: string[];
  /** The related record's own Account (it needs no relation there). */
  homeAccountId: string | null;
  parentValues: readonly string[];
  /** Community Accounts the person is in now. */
  communities: Set<string>;
}

export async function applyRelationships(
  ctx: SessionContext,
  actions: readonly CorporateAction[],
  plan: Plan,
): Promise<ApplyReport> {
  const parentId = scopedAccountId(ctx) as string;
  const parentRelations = ctx.parentRelations;
  if (!parentRelations || !(await ctx.schema.describe('AccountContactRelation'))) {
    ctx.logger.warn({ accountId: ctx.connection.accountId }, ACR_DISABLED_MESSAGE);
    throw new ConnectorError(
      'unsupported',
      ctx.connection.accountId,
      'relate contacts',
      ACR_DISABLED_MESSAGE,
    );
  }
  const tagField = ctx.options.tagField;
  const roles = ctx.options.relationshipRoles;
  const sharedById = new Map(plan.shared.map((s) => [s.id, s]));
  const communitiesOf = (sharedIds: readonly string[]) =>
    new Set(sharedIds.flatMap((id) => (sharedById.get(id)?.members ?? []).map((m) => m.accountId)));

  const desired: Desired[] = [];
  const direct: CorporateAction[] = [];
  for (const action of actions) {
    if (action.action === 'create') {
      desired.push({
        contactId: action.from.contactId,
        sharedId: action.sharedId,
        sharedIds: action.sharedIds,
        homeAccountId: action.from.accountId,
        parentValues: action.afterValues,
        communities: communitiesOf(action.sharedIds),
      });
    } else if (parentRelations.has(action.contactId)) {
      const relation = parentRelations.get(action.contactId);
      desired.push({
        contactId: action.contactId,
        sharedId: action.sharedId,
        sharedIds: action.sharedIds,
        homeAccountId: relation?.Contact?.AccountId ?? null,
        parentValues: action.afterValues,
        communities: action.sharedId === null ? new Set() : communitiesOf(action.sharedIds),
      });
    } else direct.push(action);
  }

  const existing = new Map<string, Map<string, RelationRow>>();
  if (desired.length > 0) {
    const rows = await ctx.client.queryAll<RelationRow>(
      'read community relations',
      communityRelationsQuery(tagField, parentId),
    );
    for (const row of rows) {
      const byAccount = existing.get(row.ContactId) ?? new Map<string, RelationRow>();
      byAccount.set(row.AccountId, row);
      existing.set(row.ContactId, byAccount);
    }
  }

  const creates: { record: Record<string, unknown>; owner: Desired }[] = [];
  const updates: {
    object: string;
    id: string;
    values: readonly string[];
    extra: Record<string, unknown>;
    owner: Desired;
  }[] = [];
  const rolesValue = (list: string[]) => (list.length > 0 ? list.join(';') : null);
  for (const want of desired) {
    const active = want.sharedId !== null;
    const parent = parentRelations.get(want.contactId);
    if (!parent)
      creates.push({
        owner: want,
        record: {
          attributes: { type: 'AccountContactRelation' },
          ContactId: want.contactId,
          AccountId: parentId,
          IsActive: true,
          Roles: rolesValue(roles.corporate),
          [tagField]: joinPicklist(want.parentValues),
        },
      });
    else
      updates.push({
        owner: want,
        object: 'AccountContactRelation',
        id: parent.Id,
        values: want.parentValues,
        extra: parent.IsActive === active ? {} : { IsActive: active },
      });

    const mine = existing.get(want.contactId) ?? new Map<string, RelationRow>();
    for (const accountId of want.communities) {
      if (accountId === want.homeAccountId) continue;
      const marker = [engagingTag({ id: accountId, name: '' }, false).value];
      const relation = mine.get(accountId);
      if (!relation)
        creates.push({
          owner: want,
          record: {
            attributes: { type: 'AccountContactRelation' },
            ContactId: want.contactId,
            AccountId: accountId,
            IsActive: true,
            Roles: rolesValue(roles.community),
            [tagField]: joinPicklist(marker),
          },
        });
      else if (!relation.IsActive)
        updates.push({
          owner: want,
          object: 'AccountContactRelation',
          id: relation.Id,
          values: marker,
          extra: { IsActive: true },
        });
    }
    for (const [accountId, relation] of mine) {
      const ours = typeof relation[tagField] === 'string' && relation[tagField] !== '';
      if (relation.IsActive && ours && !want.communities.has(accountId))
        updates.push({
          owner: want,
          object: 'AccountContactRelation',
          id: relation.Id,
          values: [engagingTag({ id: accountId, name: '' }, false).value],
          extra: { IsActive: false },
        });
    }
  }

  const report: ApplyReport = { written: 0, copies: [], failures: [] };
  const failed = new Set<Desired>();
  const failure = (owner: Desired, message: string, recordId?: string): RecordFailure => ({
    accountId: ctx.connection.accountId,
    operation: 'relate contact',
    ...(recordId ? { recordId } : {}),
    ...(owner.sharedId ? { sharedId: owner.sharedId } : {}),
    message,
  });
  const results = await ctx.client.collection(
    'relate contacts',
    'POST',
    creates.map((c) => c.record),
  );
  results.forEach((result, i) => {
    const { owner } = creates[i] as (typeof creates)[number];
    if (result.success) report.written += 1;
    else {
      ctx.tally.failed();
      failed.add(owner);
      report.failures.push(failure(owner, describeErrors(result), owner.contactId));
    }
  });
  const written = await writeTags(
    ctx,
    'update relations',
    updates.map((u) => ({ ...u, sharedId: u.owner.sharedId })),
  );
  report.written += written.written;
  report.failures.push(...written.failures);
  for (const update of updates) if (!written.succeeded.has(update.id)) failed.add(update.owner);

  for (const want of desired)
    if (want.sharedId !== null && !failed.has(want))
      for (const sharedId of want.sharedIds) report.copies.push({ sharedId, contactId: want.contactId });

  if (direct.length > 0) {
    const tags = await writeTags(
      ctx,
      'write corporate tags',
      direct.flatMap((a) =>
        a.action === 'update'
          ? [{ object: 'Contact', id: a.contactId, values: a.afterValues, sharedId: a.sharedId }]
          : [],
      ),
    );
    report.written += tags.written;
    report.failures.push(...tags.failures);
  }
  return report;
}
