import express, { type NextFunction, type Request, type Response } from 'express';
import { silentLogger } from '../../connectors/connector.ts';
import { Connections } from './connections.ts';
import { type RouteContext, requireAdmin, type ServerDeps } from './context.ts';
import { HttpError, toHttpError } from './errors.ts';
import { LiveRuns } from './live-runs.ts';
import { Metrics } from './metrics.ts';
import { html, page } from './pages.ts';
import { accountRoutes } from './routes/accounts.ts';
import { acknowledgementRoutes } from './routes/acknowledgements.ts';
import { changeCaptureRoutes } from './routes/change-capture.ts';
import { exportRoutes } from './routes/exports.ts';
import { healthRoutes } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { pageRoutes } from './routes/page.ts';
import { peopleRoutes } from './routes/people.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { runRoutes } from './routes/runs.ts';
import { tenantRoutes } from './routes/tenant.ts';
import { undoRoutes } from './routes/undo.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { sameOriginOnly, securityHeaders } from './security.ts';
import { SessionCookies } from './sessions.ts';
import { Signer } from './signing.ts';

// The HTTP face of the app: security headers on everything, the route groups, and one error mapper. Admin routes
// are bound to the tenant of the signed session and accept only same-origin JSON.

export type { ServerDeps } from './context.ts';
export { STATE_TTL_MS } from './context.ts';

/** Admin API bodies are small settings and choices; anything larger is refused before it is read. */
const JSON_LIMIT = '100kb';

/** Pages a person opens in a browser (OAuth redirects) answer errors as a page, the rest as JSON. */
const BROWSER_PATHS = /^\/(install|signin|oauth|session)\//;

export function createApp(deps: ServerDeps): express.Express {
  const logger = deps.logger ?? silentLogger;
  const liveRuns = deps.liveRuns ?? new LiveRuns();
  const ctx: RouteContext = {
    // Every run a route starts reports its progress to the live view.
    deps: {
      ...deps,
      runTenant: (tenantId, options) =>
        deps.runTenant(tenantId, { ...options, onProgress: liveRuns.reporter(tenantId) }),
    },
    liveRuns,
    store: deps.store,
    logger,
    metrics: deps.metrics ?? new Metrics(),
    now: deps.now ?? (() => new Date()),
    cookies: new SessionCookies(deps.appSecret, deps.publicUrl, deps.now ?? (() => new Date())),
    states: new Signer(deps.appSecret, 'oauth state'),
    connections: new Connections(deps.store, deps.connectorFor, logger),
  };
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(deps.publicUrl, deps.frameAncestors ?? []));
  // Before the JSON parser: the webhook signature covers the raw body.
  app.use(webhookRoutes(ctx));
  app.use(healthRoutes(ctx));
  app.use(oauthRoutes(ctx));
  app.use('/api', sameOriginOnly(deps.publicUrl), express.json({ limit: JSON_LIMIT }));
  app.use(pageRoutes(ctx));
  // One admin check for every tenant route, before the groups (each would otherwise check again).
  app.use(
    '/api/tenants/:tenantId',
    requireAdmin(ctx),
    tenantRoutes(ctx),
    accountRoutes(ctx),
    changeCaptureRoutes(ctx),
    // Before runRoutes: `/runs/live` is not a run id.
    liveRoutes(ctx),
    undoRoutes(ctx),
    runRoutes(ctx),
    acknowledgementRoutes(ctx),
    exportRoutes(ctx),
    peopleRoutes(ctx),
    privacyRoutes(ctx),
  );

  app.use((_request: Request, _response: Response, next: NextFunction) =>
    next(new HttpError(404, 'not found')),
  );
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const { status, message, fields } = toHttpError(error);
    if (status === 500) logger.error({ path: request.path, error: String(error) }, 'request failed');
    if (BROWSER_PATHS.test(request.path)) {
      response
        .status(status)
        .type('html')
        .send(page('Something went wrong', html`<p>${message}</p>`));
      return;
    }
    response.status(status).json({ ...fields, error: message });
  });
  return app;
}
