import { readFileSync } from 'node:fs';
import { Router } from 'express';
import type { RouteContext } from '../context.ts';

// The admin page (HTML, script and stylesheet as files: the CSP allows no inline script) and who is signed in.

const asset = (name: string) => readFileSync(new URL(`../admin/${name}`, import.meta.url), 'utf8');
const PAGE = asset('admin.html');
const ASSETS = {
  '/admin.js': { type: 'text/javascript', text: asset('admin.js') },
  '/admin.css': { type: 'text/css', text: asset('admin.css') },
} as const;

/** The visitor of a sandbox: the local demo's one admin. */
const SANDBOX_ADMIN = { id: 'local', label: 'sandbox visitor' };

export function pageRoutes(ctx: RouteContext): Router {
  const { deps, store, cookies } = ctx;
  const router = Router();

  router.get('/', async (request, response) => {
    const sandboxTenant = deps.sandboxTenantId?.();
    if (sandboxTenant && !cookies.session(request)) {
      const admin = await store.admins.seen(sandboxTenant, 'sandbox', SANDBOX_ADMIN);
      cookies.signIn(response, { tenantId: sandboxTenant, admin: admin.key });
    }
    response.type('html').send(PAGE);
  });

  for (const [path, { type, text }] of Object.entries(ASSETS)) {
    router.get(path, (_request, response) => {
      response.type(type).send(text);
    });
  }

  router.get('/api/session', (request, response) => {
    const session = cookies.session(request);
    response.json({ tenantId: session?.tenantId ?? null, providers: deps.enabledProviders });
  });

  // Under /api: the same-origin JSON guard has already run.
  router.post('/api/session/sign-out', (_request, response) => {
    cookies.signOut(response);
    response.status(204).end();
  });

  return router;
}
