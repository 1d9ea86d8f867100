import { type AccountSession, type CallStats, silentLogger } from '../../connectors/connector.ts';
import {
  type Contact,
  type CorporateAccount,
  createPlan,
  PhoneReader,
  type Plan,
  type Snapshot,
} from '../core/index.ts';
import { type LocatedRecord, RunInProgressError, type Store, type StoredAccount } from '../store/store.ts';
import { affectedRecords, keysOf } from './affected-records.ts';
import { TARGETED_MAX_RECORDS, type TargetedResyncRequest, type TargetedResyncResult } from './changes.ts';
import { liveSources } from './copy-sources.ts';
import { hashedKey, withHashedKeys } from './hashed-state.ts';
import {
  type AccountChangeSet,
  changeSetChanged,
  readChanges,
  restoreChanges,
  storeChanges,
} from './live-changes.ts';
import { replacePeople } from './run-people.ts';
import { accountHooks, type ConnectorFor, PROCESS_ID, runTenant } from './run-tenant.ts';
import { affectedSnapshot, storeWrites } from './targeted-state.ts';
import { storeJournal } from './write-journal.ts';
import { writePlan } from './write-plan.ts';

// A targeted resync (issue 10): the changed records read live, the stored state updated record by record, every
// stored record whose person may change re-planned with the core (junk keys judged on whole accounts), and only
// what changes written, journalled and audited as a full run's writes are. Past TARGETED_MAX_RECORDS changed
// records, or when a pipeline changed, it runs the tenant in full instead.

export interface TargetedResyncOptions {
  /** Who runs it (default: this process). */
  owner?: string;
  /** Gives up on a targeted plan past this many affected records and runs in full (default 20,000). */
  affectedLimit?: number;
}

const AFFECTED_LIMIT = 20_000;

const callsOf = (stats: Record<string, CallStats>) =>
  Object.values(stats).reduce(
    (sum, s) =>
      sum + Object.entries(s.byKind).reduce((n, [kind, count]) => (kind === 'auth' ? n : n + count), 0),
    0,
  );

const samePipelines = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Milliseconds spent in each step, in order: logged with the resync so a slow step can be found. */
function stopwatch() {
  const laps: Record<string, number> = {};
  let last = performance.now();
  return {
    laps,
    lap(step: string) {
      const now = performance.now();
      laps[step] = Math.round(now - last);
      last = now;
    },
  };
}

export async function targetedResync(
  store: Store,
  connectorFor: ConnectorFor,
  request: TargetedResyncRequest,
  options: TargetedResyncOptions = {},
): Promise<TargetedResyncResult> {
  const { tenantId, trigger } = request;
  const logger = request.logger ?? silentLogger;
  const owner = options.owner ?? PROCESS_ID;
  const watch = stopwatch();
  const full = async (): Promise<TargetedResyncResult> => {
    const result = await runTenant(store, connectorFor, tenantId, { trigger, logger, owner });
    return {
      runId: result.runId,
      mode: 'full',
      written: result.report.written,
      calls: callsOf(result.report.calls),
    };
  };
  const changed = request.changes.reduce(
    (n, c) =>
      n +
      c.contacts.length +
      c.deletedContacts.length +
      c.deals.length +
      c.deletedDeals.length +
      c.merges.reduce((m, merge) => m + 1 + merge.mergedIds.length, 0),
    0,
  );
  if (changed > TARGETED_MAX_RECORDS) return full();

  const tenant = await store.tenants.get(tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  const { settings } = tenant;
  const accounts = await store.accounts.list(tenantId);
  const byExternal = new Map(accounts.map((a) => [a.accountId, a]));
  const children = accounts.filter((a) => a.role === 'child');
  const corporate = accounts.find((a) => a.role === 'corporate') ?? null;
  const country = (a: StoredAccount) => a.country ?? settings.defaultCountry;
  const hash = await store.tenants.hasher(tenantId);
  const phones = new PhoneReader();
  const storedKey = (key: string) => hashedKey(key, hash);
  const sessions = new Map<string, AccountSession>();
  const session = (account: StoredAccount) => {
    let open = sessions.get(account.accountId);
    if (!open) {
      open = connectorFor(account.provider).open(account, accountHooks(store, tenantId, account, logger));
      sessions.set(account.accountId, open);
    }
    return open;
  };
  const calls = () => Object.fromEntries([...sessions].map(([id, s]) => [id, s.calls()]));
  const hashed = (account: StoredAccount, contacts: Contact[]) =>
    withHashedKeys(
      { id: account.accountId, name: account.name, country: null, contacts } as CorporateAccount,
      country(account),
      hash,
      phones,
    ).contacts;
  const readable = (account: StoredAccount | undefined): account is StoredAccount =>
    account !== undefined && account.status === 'connected';

  // Read live, before the run lock: a change that changes nothing takes no lock and records no run. A run that ends
  // meanwhile may have stored newer state than these reads saw: counted here, checked once the lock is held.
  const endedBefore = await store.runs.endedCount(tenantId);
  const storedPipelines = await store.records.pipelines(tenantId);
  const sets: AccountChangeSet[] = [];
  for (const changes of request.changes) {
    const account = byExternal.get(changes.accountId);
    if (!readable(account)) {
      logger.warn(
        { tenantId, accountId: changes.accountId },
        'changes of an account that cannot be read skipped',
      );
      continue;
    }
    sets.push(
      await readChanges({
        store,
        tenantId,
        changes,
        session: session(account),
        corporate: account.role === 'corporate',
        storedPipelines: storedPipelines.get(account.accountId) ?? [],
        hashKeys: (contacts) => hashed(account, contacts),
      }),
    );
  }
  watch.lap('read');
  if (!sets.some(changeSetChanged))
    return { runId: null, mode: 'unchanged', written: 0, calls: callsOf(calls()) };
  // New stage order changes every deal's rank in that account: only a full run plans that right.
  if (sets.some((s) => s.pipelines && !samePipelines(s.pipelines, storedPipelines.get(s.accountId) ?? []))) {
    const result = await full();
    return { ...result, calls: result.calls + callsOf(calls()) };
  }

  const runId = await store.runs.start(tenantId, { dryRun: false, trigger, owner });
  if ((await store.runs.endedCount(tenantId)) !== endedBefore) {
    // Nothing written yet: drop this run and let the feed retry (its events or cursor stay), reading afresh.
    await store.runs.discard(tenantId, runId);
    throw new RunInProgressError(tenantId);
  }
  watch.lap('lock');
  let stored = false;
  const restore = async () => {
    if (stored) for (const set of sets) await restoreChanges(store, tenantId, set);
  };
  const failRun = (message: string) =>
    store.runs.finish(tenantId, runId, {
      status: 'failed',
      changes: 0,
      shared: 0,
      calls: calls(),
      warnings: [],
      errors: [{ message }],
    });
  try {
    const childIds = children.map((a) => a.accountId);
    const before = (set: AccountChangeSet) => [
      ...set.contacts.flatMap((c) => (c.stored ? keysOf(c.stored) : [])),
      ...set.removed.flatMap(keysOf),
    ];
    const after = (set: AccountChangeSet) => set.contacts.flatMap((c) => keysOf(c.live));
    const touchedKeys = [...new Set(sets.flatMap((s) => [...before(s), ...after(s)]))];
    const junkBefore = await store.records.junkKeys(
      tenantId,
      childIds,
      touchedKeys,
      settings.maxContactsPerKey,
    );

    for (const set of sets) await storeChanges(store, tenantId, set);
    stored = true;
    watch.lap('store');
    const junkAfter = await store.records.junkKeys(
      tenantId,
      childIds,
      touchedKeys,
      settings.maxContactsPerKey,
    );

    // The people of every changed record and deal, before and after.
    const seeds: LocatedRecord[] = [];
    for (const set of sets) {
      for (const { live } of set.contacts)
        seeds.push({
          accountId: set.accountId,
          contact: { ...live, keys: live.keys ?? { emails: [], phones: [] } },
        });
      const dealContacts = [
        ...set.deals.flatMap((d) => [...d.live.contactIds, ...(d.stored?.contactIds ?? [])]),
      ];
      dealContacts.push(...set.removedDeals.flatMap((d) => d.contactIds));
      for (const contact of await store.records.byIds(tenantId, set.accountId, dealContacts))
        seeds.push({ accountId: set.accountId, contact });
    }
    const affected = await affectedRecords({
      store,
      tenantId,
      childIds,
      corporateId: settings.copyToCorporate ? (corporate?.accountId ?? null) : null,
      matchOn: settings.matchOn,
      maxContactsPerKey: settings.maxContactsPerKey,
      seeds,
      seedKeys: touchedKeys.filter((k) => !(junkBefore.has(k) && junkAfter.has(k))),
      limit: options.affectedLimit ?? AFFECTED_LIMIT,
    });
    watch.lap('affected');
    if (!affected) {
      await failRun('the changes touch too many linked records for a targeted resync: running in full');
      const result = await full();
      return { ...result, calls: result.calls + callsOf(calls()) };
    }

    // Live records keep their raw values (a copy is made from them); the others are stored state.
    const liveRecords = new Map(
      sets.flatMap((s) => s.contacts.map((c) => [`${s.accountId}\u0000${c.live.id}`, c.live] as const)),
    );
    const pipelines = new Map(storedPipelines);
    for (const set of sets) if (set.pipelines) pipelines.set(set.accountId, set.pipelines);
    let snapshot = await affectedSnapshot({
      store,
      tenantId,
      settings,
      children,
      corporate: settings.copyToCorporate ? corporate : null,
      records: affected.records,
      live: liveRecords,
      pipelines,
    });
    const planOf = (s: Snapshot) => createPlan(s, { junkKeys: affected.junkKeys, storedKey });
    let plan = planOf(snapshot);
    watch.lap('plan');
    // A copy is made from its record's live values: read the ones the store stands in for, and plan again.
    const sources = await liveSources(plan, snapshot, liveRecords, (accountId) => byExternal.get(accountId), {
      read: async (account, ids) =>
        hashed(
          account,
          (await session(account).readRecords({ contacts: ids, deals: [], dealsOfContacts: false })).contacts,
        ),
      readable,
    });
    if (sources.size > 0) {
      snapshot = {
        ...snapshot,
        children: snapshot.children.map((child) => ({
          ...child,
          contacts: child.contacts.map((c) => {
            const source = sources.get(`${child.id}\u0000${c.id}`);
            return source
              ? { ...c, emails: source.emails, phones: source.phones, properties: source.properties }
              : c;
          }),
        })),
      };
      plan = planOf(snapshot);
    }
    watch.lap('sources');
    const byAccount = new Map<string, Plan['children']>();
    for (const change of plan.children) {
      if (!readable(byExternal.get(change.accountId))) continue;
      const list = byAccount.get(change.accountId) ?? [];
      list.push(change);
      byAccount.set(change.accountId, list);
    }
    const corporateId = corporate && readable(corporate) ? corporate.accountId : null;
    const made = (a: { from: { accountId: string; contactId: string } }) =>
      sources.has(`${a.from.accountId}\u0000${a.from.contactId}`) ||
      liveRecords.has(`${a.from.accountId}\u0000${a.from.contactId}`);
    const actions = corporateId ? plan.corporate.filter((a) => a.action === 'update' || made(a)) : [];
    const written = await writePlan({
      plan,
      children: children
        .filter((a) => byAccount.has(a.accountId))
        .map((a) => ({ accountId: a.accountId, changes: byAccount.get(a.accountId) ?? [] })),
      corporateId,
      corporateActions: actions,
      session: (accountId) => session(byExternal.get(accountId) as StoredAccount),
      journal: storeJournal(store, tenantId, runId, plan, [
        ...snapshot.children,
        ...(snapshot.corporate ? [snapshot.corporate] : []),
      ]),
      concurrency: 4,
    });
    watch.lap('write');

    await storeWrites(store, tenantId, corporate?.accountId ?? null, written, (contacts) =>
      corporate ? hashed(corporate, contacts) : contacts,
    );

    for (const error of written.accountErrors)
      logger.warn({ tenantId, runId, accountId: error.accountId, kind: error.kind }, error.message);
    const shared = await replacePeople(store, {
      tenantId,
      runId,
      plan,
      accounts: [...snapshot.children, ...(snapshot.corporate ? [snapshot.corporate] : [])],
      replaced: [
        ...affected.records,
        ...sets.flatMap((s) => s.removed.map((contact) => ({ accountId: s.accountId, contact }))),
      ],
      formerKeys: sets.flatMap(before),
      childOrder: childIds,
      userTags: settings.tags,
      countryOf: (accountId) => {
        const account = byExternal.get(accountId);
        return account ? country(account) : settings.defaultCountry;
      },
      hash,
      phones,
    });
    watch.lap('people');
    const status = written.accountErrors.length > 0 || written.failures.length > 0 ? 'partial' : 'succeeded';
    if (status === 'partial') await restore();
    await store.runs.finish(tenantId, runId, {
      status,
      changes: written.written,
      shared,
      calls: calls(),
      warnings: plan.warnings,
      errors: [
        ...written.accountErrors.map((e) => ({ accountId: e.accountId, kind: e.kind, message: e.message })),
        ...written.failures,
      ],
    });
    watch.lap('finish');
    logger.info(
      {
        tenantId,
        runId,
        status,
        written: written.written,
        affected: affected.records.length,
        ms: watch.laps,
      },
      'targeted resync finished',
    );
    return { runId, mode: 'targeted', written: written.written, calls: callsOf(calls()) };
  } catch (error) {
    await restore();
    await failRun(error instanceof Error ? error.message : String(error));
    throw error;
  }
}
