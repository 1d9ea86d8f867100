import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import { changedPortals, MAX_AGE_MS, verifyHubSpotSignature } from '../../../webhooks/hubspot.ts';
import type { RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';

// Provider webhooks: check the signature, refuse what does not parse, do nothing twice, and only enqueue work.

/**
 * HubSpot sends at most 100 events per request, each well under 1 kB; 256 kB leaves room for that and refuses
 * anything far larger before it is read.
 */
export const WEBHOOK_BODY_LIMIT = '256kb';

export function webhookRoutes(ctx: RouteContext): Router {
  const { deps, store } = ctx;
  const router = Router();
  const count = (outcome: 'accepted' | 'refused' | 'replayed') =>
    ctx.metrics.add('community_sync_webhooks_total', 'Webhook requests, by outcome', { outcome });

  router.post(
    '/webhooks/hubspot',
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (request, response) => {
      const webhooks = deps.webhooks;
      if (!webhooks) throw new HttpError(404, 'webhooks are not configured');
      const rawBody = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const timestamp = request.get('x-hubspot-request-timestamp');
      const signature = request.get('x-hubspot-signature-v3');
      const signed = verifyHubSpotSignature(
        {
          method: request.method,
          url: `${deps.publicUrl}${request.originalUrl}`,
          rawBody,
          timestamp,
          signature,
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
      const portals = changedPortals(rawBody);
      // A signature stays acceptable for five minutes: remember it that long, so a replay does nothing.
      const delivery = createHash('sha256').update(`hubspot ${timestamp} ${signature}`).digest('hex');
      if (!(await store.webhookReceipts.firstTime(delivery, 2 * MAX_AGE_MS, ctx.now()))) {
        count('replayed');
        response.status(204).end();
        return;
      }
      for (const portal of portals) {
        for (const tenantId of await store.accounts.tenantsToResync('hubspot', portal)) {
          await webhooks.queue.enqueue({ tenantId, trigger: 'webhook' }, { delayMs: RESYNC_DELAY_MS });
        }
      }
      count('accepted');
      response.status(204).end();
    },
  );

  return router;
}

/** A burst of events (an import, our own copies) becomes one resync a minute after the first. */
export const RESYNC_DELAY_MS = 60_000;
