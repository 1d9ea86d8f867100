import {
  type AccountSession,
  type ApplyReport,
  ConnectorError,
  type RecordFailure,
} from '../../connectors/connector.ts';
import { inPool } from '../../connectors/shared/concurrency.ts';
import { type ChildTagChange, type CorporateAction, chunks, type Plan } from '../core/index.ts';
import type { WriteBatch, WriteJournal } from './write-journal.ts';

// Sending a plan's writes, as full runs and targeted resyncs both do: each account's tag options ensured, then its
// tag changes, then the corporate copies, in batches that are journalled before they are sent and settled after.

/** Writes sent to one account at a time: each batch is journalled before it is sent and settled after. */
export const WRITE_BATCH = 1_000;

export const asConnectorError = (error: unknown, accountId: string, operation: string): ConnectorError =>
  error instanceof ConnectorError
    ? error
    : new ConnectorError(
        'unavailable',
        accountId,
        operation,
        error instanceof Error ? error.message : String(error),
        {
          cause: error,
        },
      );

export interface PlanWrites {
  plan: Plan;
  /** Child accounts whose tag options are ensured (in this order), with the changes to send to each. */
  children: readonly { accountId: string; changes: readonly ChildTagChange[] }[];
  corporateId: string | null;
  corporateActions: readonly CorporateAction[];
  session(accountId: string): AccountSession;
  journal?: WriteJournal | undefined;
  /** Accounts written at once. */
  concurrency: number;
  /** Told after each batch an account accepted. */
  onWritten?(accountId: string, written: number): void;
}

export interface WritesReport {
  written: number;
  failures: RecordFailure[];
  accountErrors: ConnectorError[];
  /** The changes written (not reported as failed). */
  applied: { children: Plan['children']; corporate: Plan['corporate'] };
  copies: ApplyReport['copies'];
}

export async function writePlan(input: PlanWrites): Promise<WritesReport> {
  const { plan, session } = input;
  const report: WritesReport = {
    written: 0,
    failures: [],
    accountErrors: [],
    applied: { children: [], corporate: [] },
    copies: [],
  };
  const journalled = async (batch: WriteBatch, write: () => Promise<ApplyReport>): Promise<ApplyReport> => {
    const settle = await input.journal?.intend(batch);
    let applied: ApplyReport;
    try {
      applied = await write();
    } catch (error) {
      await settle?.({ error: error instanceof Error ? error : new Error(String(error)) });
      throw error;
    }
    await settle?.({ report: applied });
    return applied;
  };
  const accepted = (accountId: string, applied: ApplyReport) => {
    report.written += applied.written;
    report.failures.push(...applied.failures);
    input.onWritten?.(accountId, applied.written);
  };

  await inPool(input.children, input.concurrency, async ({ accountId, changes }) => {
    try {
      await session(accountId).ensureTagField(plan.tagOptions);
      for (const batch of chunks(changes, WRITE_BATCH)) {
        const applied = await journalled({ kind: 'tags', accountId, changes: batch }, () =>
          session(accountId).applyTagChanges(batch),
        );
        accepted(accountId, applied);
        const failed = new Set(applied.failures.map((f) => f.recordId));
        report.applied.children.push(...batch.filter((c) => !failed.has(c.contactId)));
      }
    } catch (error) {
      report.accountErrors.push(asConnectorError(error, accountId, 'apply tags'));
    }
  });

  const { corporateId, corporateActions: actions } = input;
  if (corporateId && actions.length > 0) {
    try {
      await session(corporateId).ensureTagField(plan.tagOptions);
      // Connectors send updates and creates as separate API batches: batching each kind apart keeps every API
      // batch full, so journalling in batches costs no extra calls.
      const byKind: CorporateAction[][] = [
        actions.filter((a) => a.action === 'update'),
        actions.filter((a) => a.action === 'create'),
      ];
      for (const batch of byKind.flatMap((kind) => chunks(kind, WRITE_BATCH))) {
        const applied = await journalled({ kind: 'corporate', accountId: corporateId, actions: batch }, () =>
          session(corporateId).applyCorporate(batch, plan),
        );
        accepted(corporateId, applied);
        report.copies.push(...applied.copies);
        const failedShared = new Set(applied.failures.map((f) => f.sharedId ?? f.recordId));
        report.applied.corporate.push(
          ...batch.filter((a) =>
            a.action === 'create' ? !failedShared.has(a.sharedId) : !failedShared.has(a.contactId),
          ),
        );
      }
    } catch (error) {
      report.accountErrors.push(asConnectorError(error, corporateId, 'apply corporate copies'));
    }
  }
  return report;
}
