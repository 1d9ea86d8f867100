import express, { Router } from 'express';
import { parseHubSpotEvents, verifyHubSpotSignature } from '../../../webhooks/hubspot.ts';
import { isPrivacyDeletion } from '../../../webhooks/hubspot-changes.ts';
import type { NewChangeEvent } from '../../store/store.ts';
import type { RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';

// Provider webhooks: check the signature, refuse what does not parse, store every event before answering (so none is
// lost), answer at once, and only then ask for work. A delivery seen again stores nothing and asks for nothing.

/**
 * HubSpot sends at most 100 events per request, each well under 1 kB; 256 kB leaves room for that and refuses
 * anything far larger before it is read.
 */
export const WEBHOOK_BODY_LIMIT = '256kb';

/** Events arriving together (a person's edits, an import) are processed together, a moment after the first. */
export const RESYNC_DELAY_MS = 1_000;

export function webhookRoutes(ctx: RouteContext): Router {
  const { deps, store } = ctx;
  const router = Router();
  const count = (outcome: 'accepted' | 'refused' | 'duplicate') =>
    ctx.metrics.add('community_sync_webhooks_total', 'Webhook requests, by outcome', { outcome });

  /**
   * Portals whose events were stored and whose tenants are still to be asked for a job (true: with a privacy
   * deletion, which concerns a tenant even with sync off). Asked one pass at a time, each taking what came meanwhile:
   * a burst of deliveries makes a few lookups (one statement each) on one database connection, not one per delivery
   * and portal on ten.
   */
  let toAsk = new Map<string, boolean>();
  let asking = false;
  const askForWork = (events: readonly NewChangeEvent[]) => {
    for (const e of events) toAsk.set(e.accountId, (toAsk.get(e.accountId) ?? false) || isPrivacyDeletion(e));
    if (asking) return;
    asking = true;
    void (async () => {
      try {
        while (toAsk.size > 0) {
          const portals = toAsk;
          toAsk = new Map();
          await enqueue(portals).catch((error: unknown) =>
            ctx.logger.warn({ error: String(error) }, 'webhook events stored but their job was not queued'),
          );
        }
      } finally {
        asking = false;
      }
    })();
  };
  const enqueue = async (portals: ReadonlyMap<string, boolean>) => {
    const webhooks = deps.webhooks;
    if (!webhooks) return;
    // A privacy deletion concerns even a tenant with sync off; the other events only those with it on.
    const withPrivacy: string[] = [];
    const without: string[] = [];
    for (const [portal, privacy] of portals) (privacy ? withPrivacy : without).push(portal);
    const tenants = new Set([
      ...(await store.accounts.tenantsToResync('hubspot', withPrivacy, { evenDisabled: true })),
      ...(await store.accounts.tenantsToResync('hubspot', without)),
    ]);
    for (const tenantId of tenants)
      await webhooks.queue.enqueue({ tenantId, trigger: 'webhook' }, { delayMs: RESYNC_DELAY_MS });
  };

  router.post(
    '/webhooks/hubspot',
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (request, response) => {
      const webhooks = deps.webhooks;
      if (!webhooks) throw new HttpError(404, 'webhooks are not configured');
      const rawBody = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const signed = verifyHubSpotSignature(
        {
          method: request.method,
          url: `${deps.publicUrl}${request.originalUrl}`,
          rawBody,
          timestamp: request.get('x-hubspot-request-timestamp'),
          signature: request.get('x-hubspot-signature-v3'),
        },
        webhooks.hubspotClientSecret,
        ctx.now().getTime(),
      );
      if (!signed) {
        count('refused');
        throw new HttpError(
          401,
          'the X-HubSpot-Signature-v3 signature does not match, or the request is too old',
        );
      }
      const events = parseHubSpotEvents(rawBody);
      // Stored before the 2xx: once HubSpot hears back, the events are safe. The same batch again (a retry) is
      // skipped here; an event repeated in another batch is dropped when the events are read.
      const stored = await store.changeEvents.record(events, ctx.now());
      count(stored > 0 ? 'accepted' : 'duplicate');
      response.status(204).end();
      if (stored > 0) askForWork(events);
    },
  );

  return router;
}
