import { Router } from 'express';
import { z } from 'zod';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { ExportJobs } from '../exports/export-jobs.ts';
import { storedPeopleSource } from '../exports/people-source.ts';
import { requireAcknowledgement } from './acknowledgements.ts';

// CSV exports of a run's shared people with live emails and phones: start one, watch its progress, download
// the file once. Jobs and files live in this process only.

const startBody = z.strictObject({ run: z.number().int().min(1).max(2_147_483_647).optional() });
const exportId = z.uuid({ message: 'expected an export id as POST /exports answered it' });

export function exportRoutes(ctx: RouteContext): Router {
  const jobs = new ExportJobs({
    store: ctx.store,
    // The one place where exports learn a run's people.
    people: storedPeopleSource(ctx.store, ctx.deps),
    connectorFor: ctx.deps.connectorFor,
    logger: ctx.logger,
    now: ctx.now,
  });
  const idOf = (value: unknown) => {
    const parsed = exportId.safeParse(value);
    if (!parsed.success) throw new HttpError(400, `export: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };
  const router = Router();

  router.post('/exports', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const body = startBody.parse(request.body ?? {});
    await requireAcknowledgement(ctx.store, tenantId, 'export');
    const started = await jobs.start(tenantId, body.run ?? 'latest');
    await ctx.store.admins.record(tenantId, admin, 'export', { runId: started.runId });
    response.status(202).json({ exportId: started.exportId, runId: started.runId });
  });

  router.get('/exports/:exportId', (request, response) => {
    const { tenantId } = adminOf(response);
    const view = jobs.view(tenantId, idOf(request.params.exportId));
    if (!view)
      throw new HttpError(404, 'no such export: a file is kept for one download, at most 10 minutes');
    response.json(view);
  });

  router.get('/exports/:exportId/download', (request, response) => {
    const { tenantId } = adminOf(response);
    const { csv, fileName } = jobs.download(tenantId, idOf(request.params.exportId));
    response
      .status(200)
      .type('text/csv; charset=utf-8')
      .attachment(fileName)
      .set('Cache-Control', 'no-store')
      .send(csv);
  });

  return router;
}
