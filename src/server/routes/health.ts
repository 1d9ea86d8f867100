import { Router } from 'express';
import type { RouteContext } from '../context.ts';

// Is the app able to work (the store answers), and its counters.

export function healthRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/healthz', async (_request, response) => {
    try {
      await ctx.store.check();
      response.json({ status: 'ok' });
    } catch {
      response.status(503).json({ status: 'unavailable', detail: 'the database is not reachable' });
    }
  });

  router.get('/metrics', (_request, response) => {
    response.type('text/plain; version=0.0.4').send(ctx.metrics.text());
  });

  return router;
}
