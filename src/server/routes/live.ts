import { Router } from 'express';
import type { RunEvent } from '../../sync/run-tenant.ts';
import { adminOf, type RouteContext } from '../context.ts';

// GET /runs/live: the tenant's running sync as server-sent events (`run`), its current state first, then every
// change (throttled by the hub), and a comment line every 15 s so proxies keep the connection open.

export const PING_MS = 15_000;

export function liveRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/runs/live', (request, response) => {
    const { tenantId } = adminOf(response);
    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const send = (event: RunEvent) => response.write(`event: run\ndata: ${JSON.stringify(event)}\n\n`);
    response.write('retry: 5000\n\n');
    const current = ctx.liveRuns.current(tenantId);
    if (current) send(current);
    const stop = ctx.liveRuns.subscribe(tenantId, send);
    const ping = setInterval(() => response.write(': ping\n\n'), PING_MS);
    ping.unref();
    request.on('close', () => {
      clearInterval(ping);
      stop();
    });
  });

  return router;
}
