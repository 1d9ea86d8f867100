import { Router } from 'express';
import { z } from 'zod';
import { nextRunOf } from '../../jobs/schedule.ts';
import { ACTIVE_STATUSES } from '../../store/store.ts';
import { typedKeyHashes } from '../../sync/hashed-state.ts';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { accountNames, latestPeopleRun, personView, recordUrlOf, runViews } from '../run-view.ts';
import { limit, runId } from './runs.ts';

// Who is shared and why: a run's people (searched by name, or by an email or phone typed in full through the
// tenant's keyed hashes), and the overview of the tenant's sharing across its runs.

const peopleQuery = z.strictObject({
  run: z.union([z.literal('latest'), runId]).default('latest'),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(['name', 'primary', 'first', 'communities', 'firstCreated']).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  limit,
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
});

/** Runs on the overview's trend line. */
const TREND_RUNS = 30;

export function peopleRoutes(ctx: RouteContext): Router {
  const { store, deps } = ctx;
  const router = Router();

  router.get('/people', async (request, response) => {
    const { tenantId } = adminOf(response);
    const query = peopleQuery.parse(request.query);
    const run =
      query.run === 'latest'
        ? await latestPeopleRun(store, tenantId)
        : await store.runs.get(tenantId, query.run);
    if (!run) {
      if (query.run !== 'latest') throw new HttpError(404, 'no such run in this tenant');
      response.json({ run: null, total: 0, people: [] });
      return;
    }
    const [tenant, names] = await Promise.all([store.tenants.get(tenantId), accountNames(store, tenantId)]);
    if (!tenant) throw new HttpError(404, 'no such tenant');
    let search = {};
    if (query.q) {
      // A phone is read in every country the tenant's accounts read phones in, as its records were.
      const countries = new Set([
        tenant.settings.defaultCountry,
        ...names.accounts.flatMap((a) => a.country ?? []),
      ]);
      const hash = await store.tenants.hasher(tenantId);
      search = { name: query.q, keyHashes: typedKeyHashes(query.q, [...countries], hash) };
    }
    const { total, people } = await store.people.list(tenantId, run.id, {
      ...search,
      sort: query.sort,
      dir: query.dir,
      limit: query.limit,
      offset: query.offset,
    });
    if (total === 0 && run.shared > 0 && !(await store.people.has(tenantId, run.id))) {
      throw new HttpError(410, `the people of run ${run.id} are no longer kept: open a newer run`);
    }
    const urlOf = recordUrlOf(deps, names);
    response.json({
      run: { id: run.id, dryRun: run.dryRun, startedAt: run.startedAt.toISOString() },
      total,
      people: people.map((p) => personView(p, names, urlOf)),
    });
  });

  router.get('/overview', async (_request, response) => {
    const { tenantId } = adminOf(response);
    const [tenant, names, finished] = await Promise.all([
      store.tenants.get(tenantId),
      accountNames(store, tenantId),
      store.runs.finished(tenantId, { dryRun: false, limit: TREND_RUNS }),
    ]);
    if (!tenant) throw new HttpError(404, 'no such tenant');
    const lastRun = finished[0] ?? null;
    const perAccount = lastRun
      ? await store.people.perAccount(tenantId, lastRun.id)
      : new Map<string, number>();
    const failed = new Map(
      ((lastRun?.errors ?? []) as { accountId?: string; message?: string }[]).flatMap((e) =>
        e.accountId ? [[e.accountId, e.message ?? 'failed'] as const] : [],
      ),
    );
    const why = {
      'needs-reconnect': 'its access ended: reconnect it',
      pending: 'waiting for an admin to approve it',
    } as Record<string, string>;
    response.json({
      lastRun: lastRun ? (await runViews(store, tenantId, [lastRun], names))[0] : null,
      nextRunAt: nextRunOf(tenant.settings, ctx.now()),
      sharedTotal: lastRun?.shared ?? 0,
      perAccount: names.accounts
        .filter((a) => a.role === 'child' && ACTIVE_STATUSES.includes(a.status))
        .map((a) => ({ accountId: a.accountId, name: a.name, shared: perAccount.get(a.accountId) ?? 0 })),
      trend: finished
        .map((r) => ({ runId: r.id, at: r.startedAt.toISOString(), shared: r.shared }))
        .reverse(),
      attention: names.accounts.flatMap((a) => {
        const reason = why[a.status] ?? (a.status === 'connected' ? failed.get(a.accountId) : undefined);
        return reason ? [{ accountId: a.accountId, name: a.name, status: a.status, why: reason }] : [];
      }),
    });
  });

  return router;
}
