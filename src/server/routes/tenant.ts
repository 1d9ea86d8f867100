import { Router } from 'express';
import { z } from 'zod';
import { LISTS_WRITE_SCOPE } from '../../../connectors/hubspot/options.ts';
import { mergeSettings } from '../../core/index.ts';
import { nextRunOf } from '../../jobs/schedule.ts';
import { ACTIVE_STATUSES, ALL_STATUSES, type SegmentProblem, type StoredAccount } from '../../store/store.ts';
import { adminOf, type RouteContext, rescheduleDaily } from '../context.ts';
import { HttpError } from '../errors.ts';
import { acknowledgedOf, requireAcknowledgement } from './acknowledgements.ts';

// A tenant as its admins see it: accounts, recent runs, settings (any subset saved at a time), the log of what
// admins did, and uninstalling.

/** An account as the admin API shows it: never its tokens. */
export const withoutTokens = ({ tokens: _tokens, ...account }: StoredAccount) => account;

const actionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
});

/**
 * What stands in the way of the app's lists in a child account (issue 12), for the admin page: `reconnect` when the
 * consent lacks the lists scope (granted scopes recorded at connection, else the last run's refusal), `permission`
 * when the CRM user may not make them, `limit` when the account's plan allows no more; null when nothing does.
 */
export function listsStatus(
  account: StoredAccount,
  problem: SegmentProblem | null,
): 'reconnect' | 'permission' | 'limit' | null {
  if (account.role !== 'child' || !ACTIVE_STATUSES.includes(account.status)) return null;
  const granted = account.details.scopes;
  if (typeof granted === 'string') {
    if (!granted.split(' ').includes(LISTS_WRITE_SCOPE)) return 'reconnect';
    if (problem === 'segments-permission') return null; // reconnected since the refusal
  }
  if (problem === 'segments-permission') return account.provider === 'hubspot' ? 'reconnect' : 'permission';
  return problem === 'segments-limit' ? 'limit' : null;
}

export function tenantRoutes(ctx: RouteContext): Router {
  const { store } = ctx;
  const router = Router();

  router.get('/', async (_request, response) => {
    const { tenantId, admin } = adminOf(response);
    const tenant = await store.tenants.get(tenantId);
    if (!tenant) throw new HttpError(404, 'no such tenant');
    const [accounts, states, runs, running, [real], [preview], listProblems] = await Promise.all([
      store.accounts.list(tenantId, ALL_STATUSES),
      store.accountStates.summaries(tenantId),
      store.runs.list(tenantId, 10),
      store.runs.running(tenantId),
      store.runs.finished(tenantId, { dryRun: false, limit: 1 }),
      store.runs.finished(tenantId, { dryRun: true, limit: 1 }),
      store.segments.problems(tenantId),
    ]);
    // Connection order is the tenant's order of active child accounts, the plan's last tie-break.
    const order = new Map(
      accounts
        .filter((a) => a.role === 'child' && ACTIVE_STATUSES.includes(a.status))
        .map((a, i) => [a.id, i + 1]),
    );
    response.json({
      tenant,
      admin,
      accounts: accounts.map((a) => {
        const state = states.get(a.accountId);
        return {
          ...withoutTokens(a),
          lastPulledAt: state?.readAt.toISOString() ?? null,
          contactCount: state?.contacts ?? null,
          order: order.get(a.id) ?? null,
          syncing: running !== null && ACTIVE_STATUSES.includes(a.status),
          lists: tenant.settings.segments ? listsStatus(a, listProblems.get(a.accountId) ?? null) : null,
        };
      }),
      runs,
      running: running
        ? { runId: running.id, startedAt: running.startedAt.toISOString(), trigger: running.trigger }
        : null,
      preview: preview && (!real || preview.id > real.id) ? preview.id : null,
      nextRunAt: nextRunOf(tenant.settings, ctx.now()),
      acknowledged: await acknowledgedOf(store, tenantId),
    });
  });

  router.put('/settings', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const tenant = await store.tenants.get(tenantId);
    if (!tenant) throw new HttpError(404, 'no such tenant');
    const merged = mergeSettings(tenant.settings, request.body);
    if (merged.copyToCorporate && !tenant.settings.copyToCorporate)
      await requireAcknowledgement(store, tenantId, 'corporate-copies');
    const settings = await store.tenants.saveSettings(tenantId, merged);
    await rescheduleDaily(ctx, tenantId, settings);
    const changed = Object.fromEntries(
      Object.entries(settings).filter(
        ([key, value]) =>
          JSON.stringify(value) !== JSON.stringify(tenant.settings[key as keyof typeof tenant.settings]),
      ),
    );
    if (Object.keys(changed).length > 0) await store.admins.record(tenantId, admin, 'settings', { changed });
    response.json({ settings });
  });

  router.get('/admin-actions', async (request, response) => {
    const { tenantId } = adminOf(response);
    const query = actionsQuery.parse(request.query);
    response.json({
      actions: await store.admins.actions(tenantId, {
        limit: query.limit,
        ...(query.before !== undefined ? { before: query.before } : {}),
      }),
    });
  });

  // Uninstall: every account's tokens are revoked at the provider and wiped; the history stays.
  router.delete('/', async (_request, response) => {
    const { tenantId, admin } = adminOf(response);
    await ctx.connections.uninstall(tenantId, admin);
    const after = await store.tenants.get(tenantId);
    if (after) await rescheduleDaily(ctx, tenantId, after.settings);
    ctx.cookies.signOut(response);
    response.status(204).end();
  });

  return router;
}
