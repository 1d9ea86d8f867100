import { Router } from 'express';
import { z } from 'zod';
import { ACTIVE_STATUSES, type ChangeCapture } from '../../store/store.ts';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';

// Change Data Capture per Salesforce account: an admin opts in (the app then selects the entities itself and
// streams the org's changes) or out; the answer says whether it streams, and if not, why.

const changeCaptureBody = z.strictObject({ enabled: z.boolean() });

const view = (accountId: string, capture: ChangeCapture | null) => ({
  accountId,
  enabled: capture?.enabled ?? false,
  status: capture?.enabled ? capture.status : 'off',
  detail: capture?.enabled ? capture.detail : null,
});

export function changeCaptureRoutes(ctx: RouteContext): Router {
  const { store } = ctx;
  const router = Router();

  const salesforceAccount = async (tenantId: string, id: unknown) => {
    const account = await store.accounts.get(tenantId, String(id));
    if (!account) throw new HttpError(404, 'no such account in this tenant');
    if (account.provider !== 'salesforce')
      throw new HttpError(409, `${account.name} is not a Salesforce account: its changes arrive by webhook`);
    return account;
  };

  router.get('/accounts/:accountId/change-capture', async (request, response) => {
    const { tenantId } = adminOf(response);
    const account = await salesforceAccount(tenantId, request.params.accountId);
    response.json(view(account.id, await store.salesforceFeeds.changeCapture(tenantId, account.id)));
  });

  router.put('/accounts/:accountId/change-capture', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const account = await salesforceAccount(tenantId, request.params.accountId);
    const { enabled } = changeCaptureBody.parse(request.body ?? {});
    if (enabled && !ACTIVE_STATUSES.includes(account.status))
      throw new HttpError(
        409,
        `${account.name} is ${account.status}: connect it before turning on Change Data Capture`,
      );
    await store.salesforceFeeds.setChangeCapture(tenantId, account.id, enabled);
    await store.admins.record(tenantId, admin, 'change-capture', { account: account.name, enabled });
    response.json(view(account.id, await store.salesforceFeeds.changeCapture(tenantId, account.id)));
  });

  return router;
}
