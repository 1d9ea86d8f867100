import type { CallStats } from '../../connectors/connector.ts';
import type { Warning } from '../core/index.ts';
import {
  ALL_STATUSES,
  type RunPerson,
  type RunSummary,
  type Store,
  type StoredAccount,
} from '../store/store.ts';
import type { ServerDeps } from './context.ts';

// A run as the admin API shows it (the contract's RunView): names instead of ids, calls per account, warnings
// grouped by code with the records they name, and what a preview would write instead of "0 written".

/** Warnings shown per code; the count says how many there were. */
const WARNING_ITEMS = 20;

/** Account names by the plan's account id (the provider's id), over every account the tenant ever had. */
export async function accountNames(store: Store, tenantId: string): Promise<AccountNames> {
  return new AccountNames(await store.accounts.list(tenantId, ALL_STATUSES));
}

export class AccountNames {
  readonly byExternal: Map<string, StoredAccount>;
  constructor(readonly accounts: readonly StoredAccount[]) {
    this.byExternal = new Map(accounts.map((a) => [a.accountId, a]));
  }
  name(accountId: string | null | undefined): string | null {
    return accountId ? (this.byExternal.get(accountId)?.name ?? accountId) : null;
  }
}

const total = (stats: CallStats) => Object.values(stats.byKind).reduce((sum, n) => sum + n, 0);

interface StoredError {
  accountId?: string;
  kind?: string;
  operation?: string;
  recordId?: string;
  message?: string;
}

export function runView(run: RunSummary, names: AccountNames, planned: number | null) {
  const warnings = new Map<string, Warning[]>();
  for (const warning of run.warnings as Warning[]) {
    const list = warnings.get(warning.code) ?? [];
    list.push(warning);
    warnings.set(warning.code, list);
  }
  return {
    id: run.id,
    trigger: run.trigger,
    dryRun: run.dryRun,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    endedAt: run.endedAt?.toISOString() ?? null,
    durationMs: run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null,
    shared: run.shared,
    written: run.dryRun ? null : run.changes,
    wouldWrite: planned,
    calls: Object.entries(run.calls).map(([accountId, stats]) => ({
      accountId,
      name: names.name(accountId),
      calls: total(stats),
      ...stats,
    })),
    warnings: [...warnings].map(([code, list]) => ({
      code,
      count: list.length,
      items: list.slice(0, WARNING_ITEMS).map((w) => ({
        accountId: w.accountId,
        accountName: names.name(w.accountId),
        contactId: w.contactId ?? null,
        detail: w.detail,
      })),
    })),
    errors: (run.errors as StoredError[]).map((e) => ({
      accountId: e.accountId ?? null,
      accountName: names.name(e.accountId),
      kind: e.kind ?? e.operation ?? 'failed',
      message: e.recordId ? `record ${e.recordId}: ${e.message}` : (e.message ?? ''),
    })),
    /** The run a revert run undoes; null for every other run. */
    revertOf: run.revertOf ?? null,
    /** Why the mass-change guard held the run (status `held`). */
    heldReason: run.heldReason ?? null,
  };
}

export type RunView = ReturnType<typeof runView>;

/** Views of these runs; a preview's (and a held run's) planned changes are what it would write. */
export async function runViews(
  store: Store,
  tenantId: string,
  runs: readonly RunSummary[],
  names?: AccountNames,
): Promise<RunView[]> {
  const known = names ?? (await accountNames(store, tenantId));
  const planned = await store.audit.plannedCounts(
    tenantId,
    runs.map((r) => r.id),
  );
  return runs.map((run) =>
    runView(run, known, planned.has(run.id) || run.dryRun ? (planned.get(run.id) ?? 0) : null),
  );
}

/** A record's page in its CRM, from the account's connector. */
export type RecordUrlOf = (accountId: string, recordId: string) => string | null;

export function recordUrlOf(deps: Pick<ServerDeps, 'connectorFor'>, names: AccountNames): RecordUrlOf {
  return (accountId, recordId) => {
    const account = names.byExternal.get(accountId);
    return account ? deps.connectorFor(account.provider).recordUrl(account, recordId) : null;
  };
}

/** A run's shared person as the admin page and the CSV export show them. */
export function personView(p: RunPerson, names: AccountNames, urlOf: RecordUrlOf) {
  const account = (accountId: string) => ({ accountId, name: names.name(accountId) });
  return {
    sharedId: p.sharedId,
    name: p.name,
    reason: p.reason,
    explanation: p.explanation,
    tags: p.tags,
    primary: account(p.primaryAccountId),
    first: {
      ...account(p.firstAccountId),
      createdAt: p.firstCreatedAt?.toISOString() ?? null,
    },
    members: p.members.map((m) => ({
      accountId: m.accountId,
      accountName: names.name(m.accountId),
      recordId: m.recordId,
      name: m.name,
      createdAt: m.createdAt,
      url: urlOf(m.accountId, m.recordId),
    })),
  };
}

export type PersonView = ReturnType<typeof personView>;

/** The run whose people are shown by default: the latest finished real run, else the latest preview. */
export async function latestPeopleRun(store: Store, tenantId: string): Promise<RunSummary | null> {
  const [real] = await store.runs.finished(tenantId, { dryRun: false, limit: 1 });
  if (real) return real;
  const [preview] = await store.runs.finished(tenantId, { dryRun: true, limit: 1 });
  return preview ?? null;
}
