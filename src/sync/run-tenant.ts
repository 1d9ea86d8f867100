import { randomUUID } from 'node:crypto';
import {
  type Connector,
  ConnectorError,
  type Logger,
  type ProviderName,
  type SessionHooks,
  silentLogger,
} from '../../connectors/connector.ts';
import {
  type ChildAccount,
  type Contact,
  type CorporateAccount,
  heldReason,
  PhoneReader,
  type Plan,
  type Snapshot,
} from '../core/index.ts';
import { HEARTBEAT_MS, type RunSummary, type Store, type StoredAccount } from '../store/store.ts';
import { displayName, withHashedKeys, withHashedKeysInSlices } from './hashed-state.ts';
import { type RunAccount, type RunOnceReport, type RunProgress, runOnce } from './run-once.ts';
import { storeRunPeople } from './run-people.ts';
import { segmentKeeper } from './segments.ts';
import { copiesAsRecords } from './stored-copies.ts';
import { plannedEntries, recordNames, storeJournal } from './write-journal.ts';

// A tenant's run as the app performs it: the stored accounts and settings, runOnce, then the run record, the
// audit of every change written (ahead of each write), each account's state for the next run, and account
// statuses. The run beats its heartbeat while it goes, so other processes know it is alive.

/** This process, as the owner of the runs it starts. */
export const PROCESS_ID = randomUUID();

export type ConnectorFor = (provider: ProviderName) => Connector;

export interface RunTenantOptions {
  dryRun?: boolean;
  trigger?: string;
  logger?: Logger;
  /** Who runs it (default: this process); a run whose owner stops beating is failed by the next start. */
  owner?: string;
  /** The admin confirmed: write even a mass change the guard would hold. */
  confirmMassChange?: boolean;
  /** Live progress of the run (see src/server/live-runs.ts). */
  onProgress?: (event: RunEvent) => void;
  /** Undo runs (src/sync/undo.ts): their own plan instead of the sharing rules, over these accounts only. */
  undo?: { planner: (snapshot: Snapshot) => Plan; revertOf?: number; accountIds?: ReadonlySet<string> };
}

/** A run's progress as the admin page shows it live. */
export interface RunEvent extends RunProgress {
  runId: number;
  trigger: string;
  dryRun: boolean;
  /** Set once the run is over. */
  status?: RunSummary['status'];
}

export interface RunResult {
  runId: number;
  status: RunSummary['status'];
  report: RunOnceReport;
  /** The provider of each account the run served, by the plan's account id. */
  providers: Map<string, ProviderName>;
}

/** A stored account's session hooks: new tokens are stored, and an ended grant marks it "needs reconnect". */
export function accountHooks(
  store: Store,
  tenantId: string,
  account: StoredAccount,
  logger: Logger,
): SessionHooks {
  return {
    logger,
    onTokens: (tokens) => store.accounts.saveTokens(tenantId, account.id, tokens),
    // Access ended: the admin page says so at once, not when the run is over.
    onAuthRevoked: () => store.accounts.setStatus(tenantId, account.id, 'needs-reconnect'),
  };
}

/** Tags as they stand after this run's writes, so the stored state is what the accounts now hold. */
function afterWrites<A extends ChildAccount | CorporateAccount>(account: A, report: RunOnceReport): A {
  const changed = new Map<string, { after: string[]; afterValues: string[] }>();
  for (const c of report.applied.children) if (c.accountId === account.id) changed.set(c.contactId, c);
  for (const a of report.applied.corporate) if (a.action === 'update') changed.set(a.contactId, a);
  if (changed.size === 0) return account;
  return {
    ...account,
    contacts: account.contacts.map((contact: Contact) => {
      const change = changed.get(contact.id);
      return change ? { ...contact, tags: change.after, tagValues: change.afterValues } : contact;
    }),
  };
}

/** The corporate account with the copies this run made, so a targeted resync finds them in the stored state. */
function withCopies<A extends ChildAccount | CorporateAccount>(account: A, report: RunOnceReport): A {
  if ('deals' in account) return account;
  const held = new Set(account.contacts.map((c) => c.id));
  const made = copiesAsRecords(report.applied.corporate, report.copies, new Date()).filter(
    (c) => !held.has(c.id),
  );
  return made.length === 0 ? account : { ...account, contacts: [...account.contacts, ...made] };
}

export async function runTenant(
  store: Store,
  connectorFor: ConnectorFor,
  tenantId: string,
  options: RunTenantOptions = {},
): Promise<RunResult> {
  const logger = options.logger ?? silentLogger;
  const tenant = await store.tenants.get(tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}; list tenants with the accounts command`);
  const dryRun = options.dryRun ?? false;
  const trigger = options.trigger ?? 'manual';
  const { undo } = options;
  const runId = await store.runs.start(tenantId, {
    dryRun,
    trigger,
    owner: options.owner ?? PROCESS_ID,
    ...(undo?.revertOf !== undefined ? { revertOf: undo.revertOf } : {}),
  });
  let last: RunProgress = { phase: 'pulling', accounts: [] };
  const tell = (progress: RunProgress, status?: RunSummary['status']) => {
    last = progress;
    options.onProgress?.({ runId, trigger, dryRun, ...progress, ...(status ? { status } : {}) });
  };
  const heartbeat = setInterval(() => {
    store.runs.heartbeat(tenantId, runId).catch((error: unknown) => {
      logger.warn({ tenantId, runId, error: String(error) }, 'run heartbeat failed');
    });
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const accounts = (await store.accounts.list(tenantId)).filter(
      (a) => !undo?.accountIds || undo.accountIds.has(a.accountId),
    );
    const country = (a: StoredAccount) => a.country ?? tenant.settings.defaultCountry;
    const toRun = (account: StoredAccount): RunAccount => ({
      connector: connectorFor(account.provider),
      connection: account,
      hooks: accountHooks(store, tenantId, account, logger),
      ...(account.status === 'needs-reconnect'
        ? {
            unreadable: new ConnectorError(
              'auth-revoked',
              account.accountId,
              'pull',
              'the account needs to be reconnected by an admin',
            ),
          }
        : {}),
    });
    const hash = await store.tenants.hasher(tenantId);
    const phones = new PhoneReader();
    const byExternal = new Map(accounts.map((a) => [a.accountId, a]));
    const corporate = accounts.find((a) => a.role === 'corporate');
    const storedState = async (accountId: string) => {
      const account = byExternal.get(accountId);
      return account
        ? store.accountStates.get(tenantId, { id: accountId, name: account.name, country: account.country })
        : null;
    };
    // Lists are kept after a real run's writes only (never in a preview or an undo).
    const segments = dryRun || undo ? undefined : await segmentKeeper(store, tenantId, tenant.settings);
    const report = await runOnce({
      settings: tenant.settings,
      children: accounts.filter((a) => a.role === 'child').map(toRun),
      corporate: corporate ? toRun(corporate) : null,
      dryRun,
      hooks: { logger },
      ...(undo ? { planner: undo.planner } : {}),
      ...(options.confirmMassChange ? { confirmMassChange: true } : {}),
      ...(segments ? { segments } : {}),
      // Privacy deletions: their people are never copied into the corporate account again.
      suppressed: await store.privacyDeletions.suppressedKeys(tenantId),
      // runTenant says `done` itself, once the run is recorded.
      onProgress: (progress) => progress.phase !== 'done' && tell(progress),
      // An undo writes only where it read live.
      storedState: undo ? async () => null : storedState,
      ...(dryRun ? {} : { journal: (plan, planned) => storeJournal(store, tenantId, runId, plan, planned) }),
      hashKeys: (account) => {
        const stored = byExternal.get(account.id);
        return withHashedKeys(
          account,
          stored ? country(stored) : tenant.settings.defaultCountry,
          hash,
          phones,
        );
      },
    });

    for (const error of report.accountErrors) {
      logger.warn({ tenantId, runId, accountId: error.accountId, kind: error.kind }, error.message);
      const account = byExternal.get(error.accountId);
      if (error.kind === 'auth-revoked' && account && account.status !== 'needs-reconnect') {
        await store.accounts.setStatus(tenantId, account.id, 'needs-reconnect');
      }
    }
    if (!dryRun) {
      // The numbers were parsed while planning: look them up rather than parse them again.
      const known = report.phoneVerdicts ? new PhoneReader(report.phoneVerdicts) : phones;
      for (const pulled of report.pulled) {
        const account = byExternal.get(pulled.id);
        if (!account) continue;
        const hashed = await withHashedKeysInSlices(
          withCopies(afterWrites(pulled, report), report),
          country(account),
          hash,
          known,
        );
        await store.accountStates.save(tenantId, { pipelines: [], deals: [], ...hashed }, displayName);
      }
      // Targeted resyncs look records up by key from now on: the planner needs statistics of the new rows.
      const analysing = performance.now();
      await store.records.analyze();
      logger.info(
        { tenantId, runId, ms: Math.round(performance.now() - analysing) },
        'stored state analysed',
      );
    }
    const held = report.held.length > 0 ? heldReason(report.held) : undefined;
    if (held) logger.warn({ tenantId, runId }, held);
    // An undo's plan has no shared people: the people of the run it follows stay the ones shown.
    if (!undo)
      await storeRunPeople(store, report, {
        tenantId,
        runId,
        childOrder: accounts.filter((a) => a.role === 'child').map((a) => a.accountId),
        corporateId: corporate?.accountId ?? null,
        userTags: tenant.settings.tags,
        countryOf: (accountId) => {
          const account = byExternal.get(accountId);
          return account ? country(account) : tenant.settings.defaultCountry;
        },
        hash,
        storedState,
      });
    // A preview's and a held run's changes are kept (as `planned` audit entries) for the admin to look at.
    if (dryRun || held)
      await store.audit.plan(
        tenantId,
        runId,
        plannedEntries(report.plan, report.toWrite, corporate?.accountId ?? null, recordNames(report.pulled)),
      );
    const status = held
      ? 'held'
      : report.accountErrors.length > 0 || report.failures.length > 0
        ? 'partial'
        : 'succeeded';
    await store.runs.finish(tenantId, runId, {
      status,
      changes: report.written,
      shared: report.plan.shared.length,
      calls: report.calls,
      warnings: [...report.plan.warnings, ...report.segmentWarnings],
      errors: [
        ...report.accountErrors.map((e) => ({
          accountId: e.accountId,
          kind: e.kind,
          message: e.message,
        })),
        ...report.failures,
      ],
      ...(held ? { heldReason: held } : {}),
    });
    tell({ ...last, phase: 'done' }, status);
    logger.info(
      { tenantId, runId, status, written: report.written, shared: report.plan.shared.length },
      'run finished',
    );
    return { runId, status, report, providers: new Map(accounts.map((a) => [a.accountId, a.provider])) };
  } catch (error) {
    await store.runs.finish(tenantId, runId, {
      status: 'failed',
      changes: 0,
      shared: 0,
      calls: {},
      warnings: [],
      errors: [{ message: error instanceof Error ? error.message : String(error) }],
    });
    tell({ ...last, phase: 'done' }, 'failed');
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}
