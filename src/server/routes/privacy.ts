import { Router } from 'express';
import { adminOf, type RouteContext } from '../context.ts';
import { accountNames, recordUrlOf } from '../run-view.ts';

// Privacy deletions the CRMs reported: the record the app forgot, and the corporate copies the app had made of that
// person. The app deletes nothing: the admin decides about each copy in the corporate CRM.

export function privacyRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/privacy-deletions', async (_request, response) => {
    const { tenantId } = adminOf(response);
    const [deletions, names] = await Promise.all([
      ctx.store.privacyDeletions.list(tenantId),
      accountNames(ctx.store, tenantId),
    ]);
    const urlOf = recordUrlOf(ctx.deps, names);
    response.json({
      deletions: deletions.map((d) => ({
        accountId: d.accountId,
        accountName: names.name(d.accountId),
        recordId: d.recordId,
        occurredAt: d.occurredAt.toISOString(),
        forgottenAt: d.forgottenAt.toISOString(),
        corporateCopies: d.corporateCopies.map((c) => ({
          accountId: c.accountId,
          accountName: names.name(c.accountId),
          recordId: c.recordId,
          name: c.name,
          url: urlOf(c.accountId, c.recordId),
        })),
      })),
    });
  });

  return router;
}
