import { Router } from 'express';
import { z } from 'zod';
import { heldReason } from '../../core/index.ts';
import type { RunResult } from '../../sync/run-tenant.ts';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';

// Runs started from the admin page (a preview writes nothing), and the audit of a run's changes.

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

  router.get('/runs/:runId/audit', async (request, response) => {
    const { tenantId } = adminOf(response);
    const parsed = runId.safeParse(request.params.runId);
    if (!parsed.success) throw new HttpError(400, `run: ${parsed.error.issues[0]?.message}`);
    if (!(await store.runs.get(tenantId, parsed.data)))
      throw new HttpError(404, 'no such run in this tenant');
    response.json({ entries: await store.audit.list(tenantId, parsed.data) });
  });

  return router;
}
