import type { ApplyReport } from '../../connectors/connector.ts';
import type { ChildAccount, ChildTagChange, CorporateAccount, CorporateAction, Plan } from '../core/index.ts';
import type { AuditEntry, AuditSettlement, Store } from '../store/store.ts';
import { displayName } from './hashed-state.ts';

// Audit written ahead of every write: a batch's entries are stored `pending` before it is sent, then settled with
// its result. A run killed between the two leaves them `pending`, so every change that may have reached a CRM
// stays traceable.

/** A batch of writes to one account, as runOnce sends it. */
export type WriteBatch =
  | { kind: 'tags'; accountId: string; changes: readonly ChildTagChange[] }
  | { kind: 'corporate'; accountId: string; actions: readonly CorporateAction[] };

export type WriteOutcome = { report: ApplyReport } | { error: Error };

export interface WriteJournal {
  /** Records the batch before it is sent; the returned function records how it ended. */
  intend(batch: WriteBatch): Promise<(outcome: WriteOutcome) => Promise<void>>;
}

const NO_LONGER_SHARED =
  'No longer in two or more accounts: the app removes its own tags and leaves the record otherwise as is.';

/** Why each changed record is tagged as it is: the shared person's explanation, or why it no longer is. */
export function reasonsOf(plan: Plan): (sharedId: string | null) => string {
  const explanation = new Map(plan.shared.map((s) => [s.id, s.explanation]));
  return (sharedId) => (sharedId && explanation.get(sharedId)) || NO_LONGER_SHARED;
}

/** A record's display name, by account and record id; null when the run did not read it. */
export type RecordNames = (accountId: string, recordId: string) => string | null;

/** The display names of every record of these accounts. */
export function recordNames(accounts: readonly (ChildAccount | CorporateAccount)[]): RecordNames {
  const byAccount = new Map(
    accounts.map((a) => [a.id, new Map(a.contacts.map((c) => [c.id, c] as const))] as const),
  );
  return (accountId, recordId) => {
    const contact = byAccount.get(accountId)?.get(recordId);
    return contact ? displayName(contact) : null;
  };
}

const noNames: RecordNames = () => null;

/** The audit entry of each write in a batch, in the batch's order, naming the person each is for. */
export function auditEntriesOf(
  batch: WriteBatch,
  reason: (sharedId: string | null) => string,
  nameOf: RecordNames = noNames,
): AuditEntry[] {
  if (batch.kind === 'tags') {
    return batch.changes.map((c) => ({
      accountId: c.accountId,
      recordId: c.contactId,
      action: 'tag',
      before: c.before,
      after: c.after,
      reason: reason(c.sharedId),
      name: nameOf(c.accountId, c.contactId),
      sharedId: c.sharedId,
    }));
  }
  return batch.actions.map((a) =>
    a.action === 'create'
      ? {
          accountId: batch.accountId,
          recordId: `copy of ${a.from.accountId}/${a.from.contactId}`,
          action: 'create-copy',
          before: [],
          after: a.after,
          reason: reason(a.sharedId),
          name: nameOf(a.from.accountId, a.from.contactId),
          sharedId: a.sharedId,
        }
      : {
          accountId: batch.accountId,
          recordId: a.contactId,
          action: 'update-copy',
          before: a.before,
          after: a.after,
          reason: reason(a.sharedId),
          name: nameOf(batch.accountId, a.contactId),
          sharedId: a.sharedId,
        },
  );
}

/** Every change of a plan as audit entries (a preview's, never sent): child tags, then corporate actions. */
export function plannedEntries(
  plan: Plan,
  writes: { children: readonly ChildTagChange[]; corporate: readonly CorporateAction[] },
  corporateId: string | null,
  nameOf: RecordNames,
): AuditEntry[] {
  const reason = reasonsOf(plan);
  // Tag entries name each change's own account, so one batch holds every child's.
  const children = auditEntriesOf({ kind: 'tags', accountId: '', changes: writes.children }, reason, nameOf);
  if (!corporateId || writes.corporate.length === 0) return children;
  const corporate = { kind: 'corporate' as const, accountId: corporateId, actions: writes.corporate };
  return [...children, ...auditEntriesOf(corporate, reason, nameOf)];
}

/** How each write of a batch ended, from the connector's report or the error that stopped the batch. */
export function settlementsOf(
  batch: WriteBatch,
  ids: readonly number[],
  outcome: WriteOutcome,
): AuditSettlement[] {
  if ('error' in outcome) {
    const detail = `the account failed during this batch (${outcome.error.message}); the change may or may not have been written`;
    return ids.map((id) => ({ id, status: 'unknown', detail }));
  }
  const { report } = outcome;
  if (batch.kind === 'tags') {
    const failed = new Map(report.failures.map((f) => [f.recordId, f.message]));
    return batch.changes.map((c, i) => {
      const message = failed.get(c.contactId);
      return message === undefined
        ? { id: ids[i] as number, status: 'written' }
        : { id: ids[i] as number, status: 'failed', detail: message };
    });
  }
  const failed = new Map(report.failures.map((f) => [f.sharedId ?? f.recordId, f.message]));
  const copies = new Map(report.copies.map((c) => [c.sharedId, c.contactId]));
  return batch.actions.map((a, i) => {
    const id = ids[i] as number;
    const message = failed.get(a.action === 'create' ? a.sharedId : a.contactId);
    if (message !== undefined) return { id, status: 'failed', detail: message };
    const copy = a.action === 'create' ? copies.get(a.sharedId) : undefined;
    return copy === undefined ? { id, status: 'written' } : { id, status: 'written', recordId: copy };
  });
}

/** The journal of one run, in the store's audit; `accounts` (as the run read them) name the records. */
export function storeJournal(
  store: Store,
  tenantId: string,
  runId: number,
  plan: Plan,
  accounts: readonly (ChildAccount | CorporateAccount)[] = [],
): WriteJournal {
  const reason = reasonsOf(plan);
  const nameOf = recordNames(accounts);
  return {
    async intend(batch) {
      const ids = await store.audit.intend(tenantId, runId, auditEntriesOf(batch, reason, nameOf));
      return (outcome) => store.audit.settle(tenantId, settlementsOf(batch, ids, outcome));
    },
  };
}
