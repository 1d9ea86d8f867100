import { type RevertedChange, removalPlan, revertPlan } from '../core/index.ts';
import { ALL_STATUSES, type Store } from '../store/store.ts';
import type { ConnectorFor, RunTenantOptions } from './run-tenant.ts';

// Undo runs, as runTenant options: reverting one run (each record it changed gets its `before` tags back, where
// it still holds what the run wrote) and removing everything the app wrote (offboarding). Both read every
// account they write live and are audited like any run; neither deletes a record, so the corporate copies the
// app created are listed for the admin instead.

export class NotRevertableError extends Error {
  override readonly name = 'NotRevertableError';
}

/** The plan of a revert of `runId`; throws NotRevertableError naming why a run cannot be reverted. */
export async function revertOf(
  store: Store,
  tenantId: string,
  runId: number,
): Promise<NonNullable<RunTenantOptions['undo']>> {
  const run = await store.runs.get(tenantId, runId);
  if (!run) throw new NotRevertableError(`no run ${runId} in this tenant`);
  if (run.dryRun) throw new NotRevertableError(`run ${runId} is a preview: it wrote nothing to revert`);
  if (run.status === 'running') throw new NotRevertableError(`run ${runId} is still running`);
  if (run.status === 'held')
    throw new NotRevertableError(`run ${runId} was held: it wrote nothing to revert`);
  // `unknown` writes may have reached the CRM: the record's current tags tell. A copy whose creation is unknown
  // has no id to look for.
  const changes: RevertedChange[] = (await store.audit.list(tenantId, runId))
    .filter((e) => e.status === 'written' || (e.status === 'unknown' && e.action !== 'create-copy'))
    .map((e) => ({
      accountId: e.accountId,
      recordId: e.recordId,
      action: e.action,
      before: e.before,
      after: e.after,
    }));
  const accounts = (await store.accounts.list(tenantId, ALL_STATUSES)).map((a) => ({
    id: a.accountId,
    name: a.name,
  }));
  return {
    revertOf: runId,
    accountIds: new Set(changes.map((c) => c.accountId)),
    planner: (snapshot) => revertPlan(snapshot, changes, { accounts }),
  };
}

export const removeEverything: NonNullable<RunTenantOptions['undo']> = { planner: removalPlan };

export interface CreatedCopy {
  accountId: string;
  recordId: string;
  /** The record in the provider's app; null when the provider offers no link. */
  url: string | null;
}

/** Corporate copies the app created (in one run, or ever), with links for the admin to open them. */
export async function copiesCreated(
  store: Store,
  connectorFor: ConnectorFor,
  tenantId: string,
  runId?: number,
): Promise<CreatedCopy[]> {
  const accounts = new Map((await store.accounts.list(tenantId, ALL_STATUSES)).map((a) => [a.accountId, a]));
  return (await store.audit.copiesCreated(tenantId, runId)).map((copy) => {
    const account = accounts.get(copy.accountId);
    const url = account ? connectorFor(account.provider).recordUrl(account, copy.recordId) : null;
    return { ...copy, url };
  });
}
