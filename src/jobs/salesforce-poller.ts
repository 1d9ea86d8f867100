import type { Connector, Logger, ProviderName } from '../../connectors/connector.ts';
import { asSalesforce, type ChangedRow, orgKeyOf } from '../../connectors/salesforce/index.ts';
import { RunInProgressError, type Store, type StoredAccount } from '../store/store.ts';
import type { RecordChanges, TargetedResync } from '../sync/changes.ts';
import { accountHooks } from '../sync/run-tenant.ts';
import { Repeating } from './repeating.ts';
import { anyChanges, feedAccount, toRecordChanges } from './salesforce-changes.ts';

// Polling Salesforce for changes, the feed that needs no setup in the org: every interval, for each org of every
// enabled tenant, one Composite request reads what changed since the stored cursor (less an overlap for late
// commits); the changes go to the targeted resync, and only once it returned does the cursor move on. Rows seen
// in the overlap and already handed over are not handed over again. Polls of one org are spread so that a day of
// them stays within the connector's share of the org's daily API allocation.

export const DEFAULT_OVERLAP_MS = 2 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SalesforcePollerOptions {
  store: Store;
  connectorFor(provider: ProviderName): Connector;
  resync: TargetedResync;
  logger: Logger;
  intervalMs: number;
  overlapMs?: number;
  /** Orgs whose changes stream (Change Data Capture) are not polled meanwhile. */
  streaming?: (tenantId: string, orgKey: string) => boolean;
  /** Share (0-1) of an org's daily API allocation polling may spend (the connector's run share). */
  dailyShare?: number;
  now?: () => Date;
}

export interface OrgPoll {
  tenantId: string;
  orgKey: string;
  rows: number;
  /**
   * `resynced`: changes handed over and the cursor moved; `busy`: a run held the tenant, the cursor stays;
   * `failed`: the org could not be read or the resync failed; `waiting`: spread over the daily allocation;
   * `streaming`: its change events stream, so it is not polled.
   */
  outcome: 'resynced' | 'unchanged' | 'busy' | 'failed' | 'waiting' | 'streaming';
}

interface OrgRead {
  key: string;
  orgKey: string;
  cursor: Date;
  rows: ChangedRow[];
  /** Rows not handed over yet (the overlap shows some again). */
  fresh: ChangedRow[];
  changes: RecordChanges[];
}

export class SalesforcePoller {
  readonly #rounds = new Repeating(
    () => this.pollAll(),
    () => this.options.intervalMs,
  );
  /** Per org: rows handed over within the overlap (id → SystemModstamp), so the overlap repeats nothing. */
  readonly #handedOver = new Map<string, Map<string, string>>();
  /** Per org: when its next poll may be, spread by its daily allocation. */
  readonly #notBefore = new Map<string, number>();

  constructor(private readonly options: SalesforcePollerOptions) {}

  start(): void {
    this.#rounds.start();
  }

  /** Stops polling; resolves once a poll under way has finished. */
  stop(): Promise<void> {
    return this.#rounds.stop();
  }

  /** One round: every org of every enabled tenant that is due. */
  async pollAll(): Promise<OrgPoll[]> {
    const { store, logger } = this.options;
    const polls: OrgPoll[] = [];
    try {
      for (const tenant of await store.tenants.list()) {
        if (!tenant.settings.enabled) continue;
        const accounts = (await store.accounts.list(tenant.id, ['connected'])).filter(
          (a) => a.provider === 'salesforce',
        );
        if (this.#rounds.stopped) return polls;
        polls.push(...(await this.pollTenant(tenant.id, accounts)));
      }
    } catch (error) {
      logger.error({ error: String(error) }, 'salesforce polling could not read tenants');
    }
    return polls;
  }

  /**
   * Polls every org of a tenant, hands what changed to one resync, then moves the cursors of the orgs it read.
   * An org that could not be read keeps its cursor; a resync that failed (or found a run under way) keeps them all.
   */
  async pollTenant(tenantId: string, accounts: readonly StoredAccount[]): Promise<OrgPoll[]> {
    const { logger, resync } = this.options;
    const reads: OrgRead[] = [];
    const polls: OrgPoll[] = [];
    for (const [orgKey, onOrg] of groupByOrg(accounts)) {
      const read = await this.#readOrg(tenantId, orgKey, onOrg);
      if (typeof read === 'string') polls.push({ tenantId, orgKey, rows: 0, outcome: read });
      else reads.push(read);
    }
    const changes = reads.flatMap((r) => r.changes);
    let outcome: OrgPoll['outcome'] = anyChanges(changes) ? 'resynced' : 'unchanged';
    if (outcome === 'resynced') {
      try {
        const result = await resync({ tenantId, changes, trigger: 'poll', logger });
        logger.info(
          { tenantId, changes: changes.length, mode: result.mode, runId: result.runId },
          'salesforce changes resynced',
        );
      } catch (error) {
        outcome = error instanceof RunInProgressError ? 'busy' : 'failed';
        if (outcome === 'busy')
          logger.info({ tenantId }, 'a run holds the tenant; the changes are polled again next time');
        else logger.error({ tenantId, error: String(error) }, 'resync of polled salesforce changes failed');
      }
    }
    for (const read of reads) {
      if (outcome !== 'busy' && outcome !== 'failed') await this.#advance(tenantId, read);
      polls.push({
        tenantId,
        orgKey: read.orgKey,
        rows: read.fresh.length,
        outcome: anyChanges(read.changes) ? outcome : 'unchanged',
      });
    }
    return polls;
  }

  /** One org's changed rows since its cursor (less the overlap), or why there are none this time. */
  async #readOrg(
    tenantId: string,
    orgKey: string,
    accounts: StoredAccount[],
  ): Promise<OrgRead | 'waiting' | 'failed' | 'streaming'> {
    const { store, logger } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const key = `${tenantId} ${orgKey}`;
    if (this.options.streaming?.(tenantId, orgKey)) return 'streaming';
    if ((this.#notBefore.get(key) ?? 0) > now.getTime()) return 'waiting';
    const connector = asSalesforce(this.options.connectorFor('salesforce'));
    const first = accounts[0];
    if (!connector || !first) return 'failed';
    const overlapMs = this.options.overlapMs ?? DEFAULT_OVERLAP_MS;
    let cursor = (await store.salesforceFeeds.position(tenantId, orgKey)).pollCursor;
    if (!cursor) {
      // First sight of the org: the runs so far read what came before. A cursor an overlap early guards against
      // this clock being ahead of Salesforce's; after the first change seen, the cursor is Salesforce's time.
      cursor = new Date(now.getTime() - overlapMs);
      await store.salesforceFeeds.savePollCursor(tenantId, orgKey, cursor);
    }
    const session = connector.open(first, accountHooks(store, tenantId, first, logger));
    try {
      const rows = await session.readChangedRows(new Date(cursor.getTime() - overlapMs));
      const handedOver = this.#handedOver.get(key) ?? new Map<string, string>();
      const fresh = rows.filter((row) => handedOver.get(row.Id) !== row.SystemModstamp);
      return { key, orgKey, cursor, rows, fresh, changes: toRecordChanges(fresh, accounts.map(feedAccount)) };
    } catch (error) {
      logger.warn(
        { tenantId, orgKey, error: String(error) },
        'salesforce poll failed; polling again next time',
      );
      return 'failed';
    } finally {
      this.#spread(key, now, session.dailyLimit());
    }
  }

  /** Applied: remember what the overlap will show again, and move the cursor to the latest change seen. */
  async #advance(tenantId: string, read: OrgRead): Promise<void> {
    const overlapMs = this.options.overlapMs ?? DEFAULT_OVERLAP_MS;
    const latest = read.rows.reduce(
      (max, row) => Math.max(max, Date.parse(row.SystemModstamp)),
      read.cursor.getTime(),
    );
    const handedOver = this.#handedOver.get(read.key) ?? new Map<string, string>();
    for (const row of read.fresh) handedOver.set(row.Id, row.SystemModstamp);
    for (const [id, stamp] of handedOver)
      if (Date.parse(stamp) < latest - 2 * overlapMs) handedOver.delete(id);
    this.#handedOver.set(read.key, handedOver);
    await this.options.store.salesforceFeeds.savePollCursor(tenantId, read.orgKey, new Date(latest));
  }

  /** The next poll of an org waits long enough that a day of polls spends at most the share of its allocation. */
  #spread(key: string, now: Date, dailyLimit: number | null): void {
    if (!dailyLimit) return;
    const share = this.options.dailyShare ?? 0.2;
    const minGapMs = DAY_MS / Math.max(1, dailyLimit * share);
    // A second's slack, so a gap equal to the interval does not skip a tick.
    this.#notBefore.set(key, now.getTime() + minGapMs - 1_000);
  }
}

function groupByOrg(accounts: readonly StoredAccount[]): Map<string, StoredAccount[]> {
  const byOrg = new Map<string, StoredAccount[]>();
  for (const account of accounts) {
    const key = orgKeyOf(account);
    byOrg.set(key, [...(byOrg.get(key) ?? []), account]);
  }
  return byOrg;
}
