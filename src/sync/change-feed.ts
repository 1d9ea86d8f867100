import { type Logger, silentLogger } from '../../connectors/connector.ts';
import { appProperties } from '../../connectors/hubspot/options.ts';
import { isEcho, isPrivacyDeletion, recordChangesOf } from '../../webhooks/hubspot-changes.ts';
import type { Store, StoredChangeEvent } from '../store/store.ts';
import type { TargetedResync } from './changes.ts';

// A tenant's stored change events turned into work: privacy deletions forget their record at once, the app's own
// writes are dropped, and the rest become one targeted resync (or, until one is given, a full run). Events are marked
// processed for this tenant only after that returns (a portal connected to two tenants is processed by each), so a failure or a busy run lock leaves them for the next try; a duplicate that
// slipped through asks for the same records again, which changes nothing.

export interface ChangeFeedDeps {
  store: Store;
  /** The targeted resync; without one the tenant's full run stands in. */
  resync?: TargetedResync;
  runTenant(tenantId: string, options: { trigger: string }): Promise<unknown>;
  logger?: Logger;
  /** The app's own contact properties (default: the HubSpot connector's). */
  appProperties?: ReadonlySet<string>;
}

export interface ChangeFeedResult {
  events: number;
  echoes: number;
  privacyDeletions: number;
  /** `none`: nothing rule-relevant changed (or the service is off), so nothing ran. */
  work: 'targeted' | 'full' | 'none';
}

/** Events handled per pass; a tenant with more is processed in several passes of one job. */
const PASS = 5_000;

/** Processes the tenant's pending HubSpot events. Throws RunInProgressError while its run lock is held. */
export async function processChangeEvents(deps: ChangeFeedDeps, tenantId: string): Promise<ChangeFeedResult> {
  const { store } = deps;
  const logger = deps.logger ?? silentLogger;
  const result: ChangeFeedResult = { events: 0, echoes: 0, privacyDeletions: 0, work: 'none' };
  const started = performance.now();
  const accounts = (await store.accounts.list(tenantId)).filter((a) => a.provider === 'hubspot');
  const portals = accounts.map((a) => a.accountId);
  const corporate = accounts.find((a) => a.role === 'corporate')?.accountId ?? null;
  for (;;) {
    const events = await store.changeEvents.pending(tenantId, 'hubspot', portals, PASS);
    if (events.length === 0) break;
    result.events += events.length;
    const privacy = events.filter(isPrivacyDeletion);
    for (const event of privacy) {
      await store.privacyDeletions.forget(tenantId, {
        accountId: event.accountId,
        recordId: event.objectId,
        occurredAt: event.occurredAt,
        corporateAccountId: corporate,
      });
    }
    result.privacyDeletions += privacy.length;
    const tenant = await store.tenants.get(tenantId);
    const relevant = tenant?.settings.enabled ? await withoutEchoes(deps, tenantId, events) : [];
    result.echoes += tenant?.settings.enabled ? events.length - relevant.length : 0;
    const changes = recordChangesOf(relevant);
    if (changes.length > 0) {
      if (deps.resync) {
        const done = await deps.resync({ tenantId, changes, trigger: 'webhook', logger });
        if (result.work !== 'full') result.work = done.mode === 'full' ? 'full' : 'targeted';
      } else {
        await deps.runTenant(tenantId, { trigger: 'webhook' });
        result.work = 'full';
      }
    }
    await store.changeEvents.markProcessed(
      tenantId,
      events.map((e) => e.id),
    );
    if (events.length < PASS) break;
  }
  logger.info(
    { tenantId, ...result, ms: Math.round(performance.now() - started) },
    'change events processed',
  );
  return result;
}

async function withoutEchoes(
  deps: ChangeFeedDeps,
  tenantId: string,
  events: readonly StoredChangeEvent[],
): Promise<StoredChangeEvent[]> {
  const copies = await deps.store.audit.copiesCreated(tenantId);
  const filter = {
    appProperties: deps.appProperties ?? appProperties(),
    createdCopies: new Set(copies.map((c) => `${c.accountId}/${c.recordId}`)),
  };
  return events.filter((e) => !isEcho(e, filter));
}
