import { Router } from 'express';
import { z } from 'zod';
import type { Admin } from '../../store/store.ts';
import { copiesCreated, NotRevertableError, removeEverything, revertOf } from '../../sync/undo.ts';
import { adminOf, type RouteContext, rescheduleDaily } from '../context.ts';
import { HttpError } from '../errors.ts';
import { runId, runResponse } from './runs.ts';

// Undo: revert one run, or remove everything the app wrote. Each is a run of its own (previewed with dryRun,
// audited); a real one turns the service off first, so no scheduled run or webhook resync redoes it.

const undoBody = z.strictObject({ dryRun: z.boolean().default(false) });

export function undoRoutes(ctx: RouteContext): Router {
  const { store, deps } = ctx;
  const router = Router();

  /** Turned off before the undo starts: a resync queued meanwhile finds the service off (src/app/runtime.ts). */
  const turnOff = async (tenantId: string, admin: Admin, because: Record<string, unknown>) => {
    const tenant = await store.tenants.get(tenantId);
    if (!tenant?.settings.enabled) return;
    const settings = await store.tenants.saveSettings(tenantId, { ...tenant.settings, enabled: false });
    await rescheduleDaily(ctx, tenantId, settings);
    await store.admins.record(tenantId, admin, 'settings', { changed: { enabled: false }, ...because });
  };

  router.post('/runs/:runId/revert', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const parsed = runId.safeParse(request.params.runId);
    if (!parsed.success) throw new HttpError(400, `run: ${parsed.error.issues[0]?.message}`);
    const { dryRun } = undoBody.parse(request.body ?? {});
    let undo: Awaited<ReturnType<typeof revertOf>>;
    try {
      undo = await revertOf(store, tenantId, parsed.data);
    } catch (error) {
      if (error instanceof NotRevertableError)
        throw new HttpError(error.message.startsWith('no run') ? 404 : 409, error.message);
      throw error;
    }
    await store.admins.record(tenantId, admin, dryRun ? 'preview-revert' : 'revert', { runId: parsed.data });
    if (!dryRun) await turnOff(tenantId, admin, { because: 'revert', runId: parsed.data });
    const result = await deps.runTenant(tenantId, { dryRun, trigger: 'revert', undo });
    response.json({
      ...runResponse(result),
      revertOf: parsed.data,
      copiesCreated: await copiesCreated(store, deps.connectorFor, tenantId, parsed.data),
    });
  });

  router.post('/remove-all', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const { dryRun } = undoBody.parse(request.body ?? {});
    await store.admins.record(tenantId, admin, dryRun ? 'preview-remove-all' : 'remove-all', {});
    if (!dryRun) await turnOff(tenantId, admin, { because: 'remove-all' });
    const result = await deps.runTenant(tenantId, { dryRun, trigger: 'remove-all', undo: removeEverything });
    response.json({
      ...runResponse(result),
      copiesCreated: await copiesCreated(store, deps.connectorFor, tenantId),
    });
  });

  return router;
}
