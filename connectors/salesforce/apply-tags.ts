import type { ChildTagChange } from '../../src/core/index.ts';
import type { ApplyReport, RecordFailure } from '../connector.ts';
import type { SaveResult } from './client.ts';
import type { SessionContext } from './context.ts';
import { joinPicklist } from './people.ts';

// Writing tag values through sObject Collections, 200 records a call, allOrNone false: a record that fails is
// reported with Salesforce's error and the rest are written.

/** Leads' ids start with 00Q; everything else the adapter tags is a Contact (or, below, a relation). */
export const objectOfId = (id: string): 'Contact' | 'Lead' => (id.startsWith('00Q') ? 'Lead' : 'Contact');

export function describeErrors(result: SaveResult): string {
  return result.errors
    .map((e) => {
      const matches = matchingRecordIds(e.duplicateResult);
      return `${e.statusCode}: ${e.message}${matches.length > 0 ? ` (matching record ${matches.join(', ')})` : ''}`;
    })
    .join('; ');
}

/** The records a DUPLICATES_DETECTED refusal names. */
export function matchingRecordIds(duplicateResult: unknown): string[] {
  const results = (duplicateResult as { matchResults?: { matchRecords?: { record?: { Id?: string } }[] }[] })
    ?.matchResults;
  return (results ?? []).flatMap((r) =>
    (r.matchRecords ?? []).flatMap((m) => (m.record?.Id ? [m.record.Id] : [])),
  );
}

export interface TagWrite {
  object: string;
  id: string;
  values: readonly string[];
  sharedId?: string | null;
  extra?: Record<string, unknown>;
}

/** PATCHes the tag field (and any `extra` fields) of existing records. */
export async function writeTags(
  ctx: SessionContext,
  operation: string,
  writes: readonly TagWrite[],
): Promise<{ written: number; failures: RecordFailure[]; succeeded: Set<string> }> {
  const records = writes.map((w) => ({
    attributes: { type: w.object },
    Id: w.id,
    [ctx.options.tagField]: joinPicklist(w.values),
    ...w.extra,
  }));
  const results = await ctx.client.collection(operation, 'PATCH', records);
  const failures: RecordFailure[] = [];
  const succeeded = new Set<string>();
  results.forEach((result, i) => {
    const write = writes[i] as TagWrite;
    if (result.success) {
      succeeded.add(write.id);
      return;
    }
    ctx.tally.failed();
    failures.push({
      accountId: ctx.connection.accountId,
      operation,
      recordId: write.id,
      ...(write.sharedId ? { sharedId: write.sharedId } : {}),
      message: describeErrors(result),
    });
  });
  return { written: succeeded.size, failures, succeeded };
}

export async function applyTagChanges(
  ctx: SessionContext,
  changes: readonly ChildTagChange[],
): Promise<ApplyReport> {
  const { written, failures } = await writeTags(
    ctx,
    'write tags',
    changes.map((c) => ({
      object: objectOfId(c.contactId),
      id: c.contactId,
      values: c.afterValues,
      sharedId: c.sharedId,
    })),
  );
  return { written, copies: [], failures };
}
