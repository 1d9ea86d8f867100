import type { CorporateAction, CorporateCreate } from '../../src/core/index.ts';
import type { ApplyReport } from '../connector.ts';
import { describeErrors, objectOfId, writeTags } from './apply-tags.ts';
import { type SessionContext, scopedAccountId } from './context.ts';
import { joinPicklist, nameFields } from './people.ts';

// Corporate copies (org-per-account layout, or one org without relationship mode): create the Contact the plan
// asks for, or rewrite the tags of the one it found. A duplicate-rule refusal is reported on its record, with
// the matching record Salesforce names, and never retried.

export function copyRecord(ctx: SessionContext, action: CorporateCreate): Record<string, unknown> {
  const parentId = scopedAccountId(ctx);
  return {
    attributes: { type: 'Contact' },
    ...nameFields(action.properties),
    Email: action.email,
    Phone: action.phone,
    [ctx.options.tagField]: joinPicklist(action.afterValues),
    ...(parentId ? { AccountId: parentId } : {}),
  };
}

export async function applyCopies(
  ctx: SessionContext,
  actions: readonly CorporateAction[],
): Promise<ApplyReport> {
  const report: ApplyReport = { written: 0, copies: [], failures: [] };
  const creates = actions.filter((a): a is CorporateCreate => a.action === 'create');
  const results = await ctx.client.collection(
    'create corporate copies',
    'POST',
    creates.map((a) => copyRecord(ctx, a)),
  );
  results.forEach((result, i) => {
    const action = creates[i] as CorporateCreate;
    if (result.success && result.id) {
      report.written += 1;
      for (const sharedId of action.sharedIds) report.copies.push({ sharedId, contactId: result.id });
      return;
    }
    ctx.tally.failed();
    report.failures.push({
      accountId: ctx.connection.accountId,
      operation: 'create corporate copy',
      sharedId: action.sharedId,
      message: describeErrors(result),
    });
  });

  const updates = actions.flatMap((a) => (a.action === 'update' ? [a] : []));
  const tags = await writeTags(
    ctx,
    'write corporate tags',
    updates.map((a) => ({
      object: objectOfId(a.contactId),
      id: a.contactId,
      values: a.afterValues,
      sharedId: a.sharedId,
    })),
  );
  report.written += tags.written;
  report.failures.push(...tags.failures);
  return report;
}
