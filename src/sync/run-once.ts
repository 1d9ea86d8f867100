import type {
  AccountConnection,
  AccountSession,
  CallStats,
  Connector,
  ConnectorError,
  RecordFailure,
  SessionHooks,
} from '../../connectors/connector.ts';
import { inPool } from '../../connectors/shared/concurrency.ts';
import type {
  ChildAccount,
  CorporateAccount,
  MassChange,
  Plan,
  Snapshot,
  SnapshotInput,
  Warning,
} from '../core/index.ts';
import { massChanges, parseSnapshot } from '../core/index.ts';
import type { PhoneVerdicts } from '../core/normalise.ts';
import { planOffTheLoop } from '../parallel/plan-thread.ts';
import type { WriteJournal } from './write-journal.ts';
import { asConnectorError, writePlan } from './write-plan.ts';

// One full run for one tenant against live accounts: pull every account (bounded parallel), plan, make sure
// the tag field has every option, write child tags, then corporate copies. The app's run service adds stored
// state, audit and locking around this; tests and benchmarks call it directly.

export interface RunAccount {
  connector: Connector;
  connection: AccountConnection;
  /** Hooks for this account's session (token storage); the run's `hooks` otherwise. */
  hooks?: SessionHooks;
  /** Why the account cannot be read this run (needs reconnect); it is then handled as a failed pull. */
  unreadable?: ConnectorError;
}

export interface RunOnceInput {
  settings: SnapshotInput['settings'];
  children: readonly RunAccount[];
  corporate: RunAccount | null;
  /** Plan and explain, write nothing. */
  dryRun?: boolean;
  hooks?: SessionHooks;
  /** Accounts pulled at once. */
  pullConcurrency?: number;
  /**
   * A stand-in for an account that could not be read (DESIGN.md 2.7): its last stored state. Without one the
   * run removes no tag and clears no copy anywhere.
   */
  storedState?: (accountId: string) => Promise<ChildAccount | CorporateAccount | null>;
  /**
   * Hashes a live account's keys as stored state is hashed; called on every live account when a stored state
   * stands in, so stored and live records match.
   */
  hashKeys?: <A extends ChildAccount | CorporateAccount>(account: A) => A;
  /** Audit written ahead of each batch of writes, made once the plan is known (`accounts`: as planned with). */
  journal?: (plan: Plan, accounts: readonly (ChildAccount | CorporateAccount)[]) => WriteJournal;
  /**
   * A plan other than the sharing rules (revert, remove-all). Each of its changes concerns its own record only, so
   * the corporate account is always read, an unreadable account stops only its own writes, and the mass-change
   * guard does not apply (the admin asked for exactly this, after a preview).
   */
  planner?: (snapshot: Snapshot) => Plan;
  /**
   * Keyed hashes of privacy-deleted records' keys (the store's form): no copy is made of a person carrying one. Every
   * live account's keys are then hashed with `hashKeys` before planning, so they compare.
   */
  suppressed?: readonly string[];
  /** The admin confirmed a mass change: write it even when it would untag many records (core/mass-change.ts). */
  confirmMassChange?: boolean;
  /**
   * Issue 12: after the writes of a real run, called once for each child account read live (src/sync/segments.ts);
   * its warnings are the report's `segmentWarnings`. Never called in a preview or a held run.
   */
  segments?: (accountId: string, session: AccountSession) => Promise<Warning[]>;
  /** Told of each step (pulls, plan, writes per account); called often, so keep it cheap. */
  onProgress?: (progress: RunProgress) => void;
}

export interface AccountProgress {
  accountId: string;
  name: string;
  pulled: boolean;
  contacts: number;
  written: number;
  toWrite: number;
}

export interface RunProgress {
  phase: 'pulling' | 'planning' | 'writing' | 'done';
  accounts: AccountProgress[];
}

export interface RunOnceReport {
  plan: Plan;
  written: number;
  /** Records that could not be written; the rest were. */
  failures: RecordFailure[];
  /** Accounts that could not be read or written at all. */
  accountErrors: ConnectorError[];
  /** Accounts whose stored state stood in for a failed pull. */
  staleAccounts: string[];
  /** What was read from each account this run (keys hashed when a stored state stood in). */
  pulled: (ChildAccount | CorporateAccount)[];
  /** The changes written (planned, allowed this run, and not reported as failed). */
  applied: { children: Plan['children']; corporate: Plan['corporate'] };
  /** The changes this run sends (or, dry or held, would send): the plan less what this run may not write. */
  toWrite: { children: Plan['children']; corporate: Plan['corporate'] };
  /** Accounts where the writes would untag too much: when any, the run wrote nothing (held). */
  held: MassChange[];
  /** Phone verdicts computed while planning (by country, then phone text), for later work on the same numbers. */
  phoneVerdicts: PhoneVerdicts | undefined;
  /** Which corporate contact holds each shared person, as the connector reported. */
  copies: { sharedId: string; contactId: string }[];
  calls: Record<string, CallStats>;
  /** What checking the app's lists in the child accounts found (issue 12); empty when it was not done. */
  segmentWarnings: Warning[];
}

export { WRITE_BATCH } from './write-plan.ts';

export async function runOnce(input: RunOnceInput): Promise<RunOnceReport> {
  const open = (account: RunAccount): AccountSession =>
    account.connector.open(account.connection, { ...input.hooks, ...account.hooks });
  const sessions = new Map<string, AccountSession>();
  for (const account of [...input.children, ...(input.corporate ? [input.corporate] : [])]) {
    sessions.set(account.connection.accountId, open(account));
  }
  const session = (accountId: string) => sessions.get(accountId) as AccountSession;
  const progress = new Map<string, AccountProgress>();
  for (const { connection } of [...input.children, ...(input.corporate ? [input.corporate] : [])])
    progress.set(connection.accountId, {
      accountId: connection.accountId,
      name: connection.name,
      pulled: false,
      contacts: 0,
      written: 0,
      toWrite: 0,
    });
  const tell = (phase: RunProgress['phase']) =>
    input.onProgress?.({ phase, accounts: [...progress.values()].map((a) => ({ ...a })) });
  const progressOf = (accountId: string) => progress.get(accountId) as AccountProgress;
  tell('pulling');
  const accountErrors: ConnectorError[] = [];
  const unreadable = new Set<string>();
  const staleAccounts: string[] = [];

  const pulled = new Map<string, ChildAccount>();
  let corporate: CorporateAccount | null = null;
  const copyToCorporate = Boolean(input.settings?.copyToCorporate);
  const readCorporate = copyToCorporate || input.planner !== undefined;
  const toPull = [...input.children, ...(input.corporate && readCorporate ? [input.corporate] : [])];
  if (input.corporate && !readCorporate) progress.delete(input.corporate.connection.accountId);
  await inPool(toPull, input.pullConcurrency ?? 4, async (account) => {
    const { accountId, role } = account.connection;
    try {
      if (account.unreadable) throw account.unreadable;
      const read =
        role === 'corporate'
          ? await session(accountId).pullCorporate()
          : await session(accountId).pullChild();
      if (role === 'corporate') corporate = read;
      else pulled.set(accountId, read as ChildAccount);
      Object.assign(progressOf(accountId), { pulled: true, contacts: read.contacts.length });
      tell('pulling');
    } catch (error) {
      accountErrors.push(asConnectorError(error, accountId, 'pull'));
      unreadable.add(accountId);
      const stored = (await input.storedState?.(accountId)) ?? null;
      if (!stored) return;
      staleAccounts.push(accountId);
      if (role === 'corporate') corporate = stored as CorporateAccount;
      else pulled.set(accountId, stored as ChildAccount);
    }
  });

  const live = (id: string) => !unreadable.has(id);
  const suppressed = input.hashKeys && copyToCorporate ? (input.suppressed ?? []) : [];
  if ((staleAccounts.length > 0 || suppressed.length > 0) && input.hashKeys) {
    const hash = input.hashKeys;
    for (const [id, account] of pulled) if (live(id)) pulled.set(id, hash(account));
    if (corporate && live((corporate as CorporateAccount).id))
      corporate = hash(corporate as CorporateAccount);
  }
  // Children in the tenant's order, whatever order the pulls finished in.
  const children = input.children.flatMap((a) => pulled.get(a.connection.accountId) ?? []);
  tell('planning');
  const parts = {
    settings: input.settings,
    children,
    corporate: readCorporate ? corporate : null,
    ...(suppressed.length > 0 ? { suppressed: [...suppressed] } : {}),
  };
  // The rules' plan is checked and made off the server's thread when the tenant is large.
  const { plan, verdicts } = input.planner
    ? { plan: input.planner(parseSnapshot(parts)), verdicts: undefined }
    : await planOffTheLoop(parts);
  // Without a stand-in for an unreadable account, its people may look unshared: remove nothing anywhere. (An undo's
  // changes do not depend on other accounts' people.)
  const removalsAllowed =
    input.planner !== undefined || [...unreadable].every((id) => staleAccounts.includes(id));
  const keepsAll = (change: { before: string[]; after: string[] }) =>
    removalsAllowed || change.before.every((tag) => change.after.includes(tag));

  const writable = (accountId: string) => !unreadable.has(accountId);
  const byAccount = new Map<string, Plan['children']>();
  for (const change of plan.children) {
    if (!writable(change.accountId) || !keepsAll(change)) continue;
    const list = byAccount.get(change.accountId) ?? [];
    list.push(change);
    byAccount.set(change.accountId, list);
  }
  const corporateId = input.corporate?.connection.accountId;
  // A copy is made from its primary record's live values: none when that account's stored state stood in.
  const actions =
    corporateId && writable(corporateId)
      ? plan.corporate.filter((a) => (a.action === 'create' ? live(a.from.accountId) : keepsAll(a)))
      : [];
  for (const [accountId, changes] of byAccount) progressOf(accountId).toWrite = changes.length;
  if (corporateId && progress.has(corporateId)) progressOf(corporateId).toWrite = actions.length;
  const report: RunOnceReport = {
    plan,
    written: 0,
    failures: [],
    accountErrors,
    staleAccounts,
    pulled: [
      ...children.filter((c) => live(c.id)),
      ...(corporate && live((corporate as CorporateAccount).id) ? [corporate as CorporateAccount] : []),
    ],
    applied: { children: [], corporate: [] },
    toWrite: { children: [...byAccount.values()].flat(), corporate: actions },
    held: [],
    copies: [],
    phoneVerdicts: verdicts,
    calls: {},
    segmentWarnings: [],
  };
  if (input.dryRun) return finish(report, sessions, tell);
  if (!input.planner && !input.confirmMassChange) {
    report.held = massChanges(
      {
        children: children.filter((c) => live(c.id)),
        corporate:
          corporate && live((corporate as CorporateAccount).id) ? (corporate as CorporateAccount) : null,
      },
      report.toWrite,
    );
    if (report.held.length > 0) return finish(report, sessions, tell);
  }
  tell('writing');

  // Every readable child gets its tag options ensured, changes or not, so a renamed account's tag label is
  // relabelled everywhere in the run that first sees the new name.
  const written = await writePlan({
    plan,
    children: input.children
      .map((a) => a.connection.accountId)
      .filter((id) => writable(id) && pulled.has(id))
      .map((accountId) => ({ accountId, changes: byAccount.get(accountId) ?? [] })),
    corporateId: corporateId ?? null,
    corporateActions: actions,
    session,
    journal: input.journal?.(plan, [...children, ...(corporate ? [corporate as CorporateAccount] : [])]),
    concurrency: input.pullConcurrency ?? 4,
    onWritten: (accountId, count) => {
      progressOf(accountId).written += count;
      tell('writing');
    },
  });
  report.written = written.written;
  report.failures.push(...written.failures);
  accountErrors.push(...written.accountErrors);
  report.applied = written.applied;
  report.copies = written.copies;
  if (input.segments) {
    const keep = input.segments;
    const failed = new Set(accountErrors.map((e) => e.accountId));
    const readable = input.children
      .map((a) => a.connection.accountId)
      .filter((id) => writable(id) && pulled.has(id) && !failed.has(id));
    const found = new Map<string, Warning[]>();
    await inPool(readable, input.pullConcurrency ?? 4, async (id) => {
      found.set(id, await keep(id, session(id)));
    });
    // In the tenant's order of accounts, whatever order the checks finished in.
    report.segmentWarnings = readable.flatMap((id) => found.get(id) ?? []);
  }
  return finish(report, sessions, tell);
}

function finish(
  report: RunOnceReport,
  sessions: Map<string, AccountSession>,
  tell: (phase: RunProgress['phase']) => void,
): RunOnceReport {
  for (const [accountId, session] of sessions) report.calls[accountId] = session.calls();
  tell('done');
  return report;
}
