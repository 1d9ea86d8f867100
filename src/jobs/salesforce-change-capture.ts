import {
  type Connector,
  ConnectorError,
  type Logger,
  type ProviderName,
} from '../../connectors/connector.ts';
import {
  asSalesforce,
  type ChangedRow,
  type ChangeEvent,
  type ChangeSubscription,
  orgKeyOf,
} from '../../connectors/salesforce/index.ts';
import { RunInProgressError, type Store, type StoredAccount } from '../store/store.ts';
import type { TargetedResync } from '../sync/changes.ts';
import { accountHooks } from '../sync/run-tenant.ts';
import { anyChanges, feedAccount, toRecordChanges } from './salesforce-changes.ts';

// Change Data Capture, for the orgs whose accounts opted in: the app selects the entities, then listens from the
// stored replay id (a restart resumes there; Salesforce keeps events 72 hours). Events are batched for a moment,
// handed to the resync (trigger `cdc`), and only once it returned are the replay id and the org's polling cursor
// moved on. While an org streams, polling skips it; when the stream is down (or the org refused), polling covers.

export interface ChangeCaptureOptions {
  store: Store;
  connectorFor(provider: ProviderName): Connector;
  resync: TargetedResync;
  logger: Logger;
  /** Events arriving within this long go to one resync. */
  batchMs?: number;
  /** How often opt-ins are re-read and broken streams restarted. */
  recheckMs?: number;
}

interface OrgStream {
  tenantId: string;
  orgKey: string;
  accounts: StoredAccount[];
  subscription: ChangeSubscription | null;
  streaming: boolean;
  pending: ChangeEvent[];
  timer: NodeJS.Timeout | undefined;
  /** A batch being handed over: the next waits for it. */
  applying: Promise<void>;
}

export class ChangeCaptureStreams {
  readonly #streams = new Map<string, OrgStream>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly options: ChangeCaptureOptions) {}

  start(): void {
    this.#stopped = false;
    const tick = () => {
      void this.refresh().finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(tick, this.options.recheckMs ?? 30_000);
        this.#timer.unref();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const stream of this.#streams.values()) this.#end(stream);
    await Promise.all([...this.#streams.values()].map((s) => s.applying));
    this.#streams.clear();
  }

  /** Whether this org's changes are streaming (polling skips it then). */
  isStreaming(tenantId: string, orgKey: string): boolean {
    return this.#streams.get(`${tenantId} ${orgKey}`)?.streaming ?? false;
  }

  /** Starts streams for orgs newly opted in (or broken), ends those opted out. */
  async refresh(): Promise<void> {
    const { store, logger } = this.options;
    const wanted = new Map<string, { tenantId: string; orgKey: string; accounts: StoredAccount[] }>();
    try {
      for (const tenant of await store.tenants.list()) {
        if (!tenant.settings.enabled) continue;
        const optedIn = new Set(
          (await store.salesforceFeeds.changeCaptures(tenant.id))
            .filter((c) => c.enabled)
            .map((c) => c.accountId),
        );
        if (optedIn.size === 0) continue;
        const accounts = (await store.accounts.list(tenant.id, ['connected'])).filter(
          (a) => a.provider === 'salesforce',
        );
        for (const account of accounts.filter((a) => optedIn.has(a.id))) {
          const orgKey = orgKeyOf(account);
          const onOrg = accounts.filter((a) => orgKeyOf(a) === orgKey);
          wanted.set(`${tenant.id} ${orgKey}`, { tenantId: tenant.id, orgKey, accounts: onOrg });
        }
      }
    } catch (error) {
      logger.error({ error: String(error) }, 'change data capture could not read opt-ins');
      return;
    }
    for (const [key, stream] of this.#streams)
      if (!wanted.has(key)) {
        this.#end(stream);
        this.#streams.delete(key);
      }
    for (const [key, org] of wanted) {
      const known = this.#streams.get(key);
      if (known?.subscription) continue;
      const stream: OrgStream = known ?? {
        ...org,
        subscription: null,
        streaming: false,
        pending: [],
        timer: undefined,
        applying: Promise.resolve(),
      };
      stream.accounts = org.accounts;
      this.#streams.set(key, stream);
      if (!this.#stopped) await this.#open(stream);
    }
  }

  async #report(
    stream: OrgStream,
    status: 'streaming' | 'unavailable' | 'unsupported',
    detail: string | null,
  ) {
    const optedIn = (await this.options.store.salesforceFeeds.changeCaptures(stream.tenantId)).filter(
      (c) => c.enabled,
    );
    for (const account of stream.accounts.filter((a) => optedIn.some((c) => c.accountId === a.id)))
      await this.options.store.salesforceFeeds.reportChangeCapture(
        stream.tenantId,
        account.id,
        status,
        detail,
      );
  }

  async #open(stream: OrgStream): Promise<void> {
    const { store, logger } = this.options;
    const connector = asSalesforce(this.options.connectorFor('salesforce'));
    const account = stream.accounts[0];
    if (!connector || !account) return;
    const session = connector.open(account, accountHooks(store, stream.tenantId, account, logger));
    try {
      await session.selectChangeEntities();
    } catch (error) {
      const unsupported = error instanceof ConnectorError && error.kind === 'unsupported';
      const detail = error instanceof ConnectorError ? error.providerMessage : String(error);
      await this.#report(stream, unsupported ? 'unsupported' : 'unavailable', detail);
      return;
    }
    const stored = (await store.salesforceFeeds.position(stream.tenantId, stream.orgKey)).replayId;
    const subscribe = (replayId: number) =>
      session.subscribeChangeEvents(
        replayId,
        (event) => this.#received(stream, event),
        (reason) => void this.#broken(stream, reason),
      );
    stream.subscription = subscribe(stored === null ? -1 : Number(stored));
    try {
      await stream.subscription.ready;
    } catch (error) {
      // The stored replay id is past the 72 hours Salesforce keeps: new events only, polling covers the gap.
      stream.subscription.cancel();
      logger.warn(
        { tenantId: stream.tenantId, error: String(error) },
        'change events could not resume; polling covers the gap',
      );
      stream.subscription = subscribe(-1);
      try {
        await stream.subscription.ready;
      } catch (again) {
        await this.#broken(stream, String(again));
        return;
      }
    }
    stream.streaming = true;
    await this.#report(stream, 'streaming', null);
  }

  async #broken(stream: OrgStream, reason: string): Promise<void> {
    this.options.logger.warn(
      { tenantId: stream.tenantId, orgKey: stream.orgKey, reason },
      'change event stream is down; polling covers it',
    );
    this.#end(stream);
    await this.#report(
      stream,
      'unavailable',
      `the change event stream is down (${reason}); changes are polled until it is back`,
    );
  }

  #end(stream: OrgStream): void {
    stream.subscription?.cancel();
    stream.subscription = null;
    stream.streaming = false;
    clearTimeout(stream.timer);
  }

  #received(stream: OrgStream, event: ChangeEvent): void {
    stream.pending.push(event);
    clearTimeout(stream.timer);
    stream.timer = setTimeout(() => {
      stream.applying = stream.applying.then(() => this.#apply(stream));
    }, this.options.batchMs ?? 200);
  }

  /** Hands the pending events over; the replay id moves only once the resync returned. */
  async #apply(stream: OrgStream): Promise<void> {
    const { store, logger, resync } = this.options;
    const batch = stream.pending.splice(0);
    if (batch.length === 0) return;
    const changes = toRecordChanges(
      batch.flatMap((e) => (e.ownTagWrite ? [] : rowsOf(e))),
      stream.accounts.map(feedAccount),
      true,
    );
    try {
      if (anyChanges(changes)) await resync({ tenantId: stream.tenantId, changes, trigger: 'cdc', logger });
    } catch (error) {
      // Kept for the next try: a run under way, or a resync that failed.
      stream.pending.unshift(...batch);
      if (!(error instanceof RunInProgressError))
        logger.error({ tenantId: stream.tenantId, error: String(error) }, 'resync of change events failed');
      clearTimeout(stream.timer);
      stream.timer = setTimeout(() => {
        stream.applying = stream.applying.then(() => this.#apply(stream));
      }, 5_000);
      return;
    }
    const last = batch.reduce((max, e) => Math.max(max, e.replayId), 0);
    const latest = batch.reduce((max, e) => Math.max(max, e.header.commitTimestamp), 0);
    await store.salesforceFeeds.saveReplayId(stream.tenantId, stream.orgKey, String(last));
    // Polling, when it takes over, starts from here.
    if (latest > 0)
      await store.salesforceFeeds.savePollCursor(stream.tenantId, stream.orgKey, new Date(latest));
  }
}

/** A change event as the rows polling would have read: one per record id. */
export function rowsOf(event: ChangeEvent): ChangedRow[] {
  const { header, fields } = event;
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  return header.recordIds.map((Id) => ({
    object: header.entityName as ChangedRow['object'],
    Id,
    SystemModstamp: new Date(header.commitTimestamp).toISOString(),
    IsDeleted: header.changeType === 'DELETE',
    ...(text('AccountId') ? { AccountId: text('AccountId') } : {}),
    ...(text('ContactId') ? { ContactId: text('ContactId') } : {}),
    ...(text('LeadId') ? { LeadId: text('LeadId') } : {}),
    ...(text('OpportunityId') ? { OpportunityId: text('OpportunityId') } : {}),
  }));
}
