import { Router } from 'express';
import { z } from 'zod';
import { heldReason } from '../../core/index.ts';
import type { Store } from '../../store/store.ts';
import type { RunResult } from '../../sync/run-tenant.ts';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { accountNames, runViews } from '../run-view.ts';

// Runs started from the admin page (a preview writes nothing), the history of runs, and each run's changes:
// its audit page by page, and per account what it wrote (or, for a preview, would write).

const runBody = z.strictObject({
  dryRun: z.boolean().default(false),
  /** Run even a mass change the guard would hold (the admin saw what it does). */
  confirmMassChange: z.boolean().default(false),
});
export const runId = z
  .string()
  .regex(/^\d{1,9}$/, 'expected a run number such as 42')
  .transform(Number);

/** What POST /runs (and the undo routes) answer once the run is over. */
export const runResponse = ({ runId, status, report }: RunResult) => ({
  runId,
  status,
  written: report.written,
  shared: report.plan.shared,
  changes: report.plan.children.length + report.plan.corporate.length,
  warnings: report.plan.warnings,
  errors: report.accountErrors.map((e) => ({ accountId: e.accountId, kind: e.kind, message: e.message })),
  heldReason: report.held.length > 0 ? heldReason(report.held) : null,
});

/** `limit` as every paginated list takes it. */
export const limit = z.coerce.number().int().min(1).max(500).default(50);
const runsQuery = z.strictObject({
  limit,
  before: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
});
const auditQuery = z.strictObject({
  limit,
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
  accountId: z.string().min(1).max(200).optional(),
});

/** Entries listed per account in a run's changes; the totals count them all. */
const CHANGES_LISTED = 200;

/** The run of the path, when it is this tenant's; 400 for a malformed id, 404 otherwise. */
export async function runOf(store: Store, tenantId: string, value: unknown) {
  const parsed = runId.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `run: ${parsed.error.issues[0]?.message}`);
  const run = await store.runs.get(tenantId, parsed.data);
  if (!run) throw new HttpError(404, 'no such run in this tenant');
  return run;
}

export function runRoutes(ctx: RouteContext): Router {
  const { store, deps } = ctx;
  const router = Router();

  router.post('/runs', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const body = runBody.parse(request.body ?? {});
    const dryRun = body.dryRun || request.query.dryRun === 'true';
    await store.admins.record(
      tenantId,
      admin,
      dryRun ? 'preview' : 'run',
      body.confirmMassChange && !dryRun ? { confirmMassChange: true } : {},
    );
    const confirmMassChange = body.confirmMassChange && !dryRun;
    const result = await deps.runTenant(tenantId, {
      dryRun,
      trigger: 'admin',
      ...(confirmMassChange ? { confirmMassChange } : {}),
    });
    response.json(runResponse(result));
  });

  router.get('/runs', async (request, response) => {
    const { tenantId } = adminOf(response);
    const query = runsQuery.parse(request.query);
    const runs = await store.runs.list(tenantId, query.limit + 1, query.before);
    const page = runs.slice(0, query.limit);
    response.json({
      runs: await runViews(store, tenantId, page),
      nextBefore: runs.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    });
  });

  // Other `/runs/<word>` routes (the live progress stream) may be mounted after this group.
  router.get('/runs/:runId', async (request, response, next) => {
    if (!/^\d+$/.test(request.params.runId)) return next();
    const { tenantId } = adminOf(response);
    const run = await runOf(store, tenantId, request.params.runId);
    response.json((await runViews(store, tenantId, [run]))[0]);
  });

  router.get('/runs/:runId/audit', async (request, response) => {
    const { tenantId } = adminOf(response);
    const query = auditQuery.parse(request.query);
    const run = await runOf(store, tenantId, request.params.runId);
    const [names, page] = await Promise.all([
      accountNames(store, tenantId),
      store.audit.page(tenantId, run.id, {
        limit: query.limit,
        offset: query.offset,
        ...(query.accountId !== undefined ? { accountId: query.accountId } : {}),
      }),
    ]);
    response.json({
      total: page.total,
      entries: page.entries.map((e) => ({
        id: e.id,
        accountId: e.accountId,
        accountName: names.name(e.accountId),
        recordId: e.recordId,
        name: e.name,
        action: e.action,
        before: e.before,
        after: e.after,
        reason: e.reason,
        status: e.status,
        detail: e.detail,
        at: e.at,
      })),
    });
  });

  router.get('/runs/:runId/changes', async (request, response) => {
    const { tenantId } = adminOf(response);
    const run = await runOf(store, tenantId, request.params.runId);
    const [names, changes] = await Promise.all([
      accountNames(store, tenantId),
      store.audit.changes(tenantId, run.id, CHANGES_LISTED),
    ]);
    response.json({
      accounts: changes.map((c) => ({
        accountId: c.accountId,
        name: names.name(c.accountId),
        role: names.byExternal.get(c.accountId)?.role ?? null,
        tagsAdded: c.tagsAdded,
        tagsRemoved: c.tagsRemoved,
        copiesToCreate: c.copiesToCreate,
        copiesUpdated: c.copiesUpdated,
        entries: c.entries.map((e) => ({
          auditId: e.id,
          recordId: e.recordId,
          name: e.name,
          action: e.action,
          added: e.after.filter((tag) => !e.before.includes(tag)),
          removed: e.before.filter((tag) => !e.after.includes(tag)),
          reason: e.reason,
        })),
      })),
    });
  });

  return router;
}
