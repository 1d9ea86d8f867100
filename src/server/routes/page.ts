import { readdirSync, readFileSync } from 'node:fs';
import { Router } from 'express';
import type { RouteContext } from '../context.ts';

// The admin page (HTML, scripts, stylesheet and icon as files: the CSP allows no inline script) and who is signed
// in. Every file is read once at start; only the files listed here are served, never a path from the request.

const ADMIN = new URL('../admin/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, ADMIN), 'utf8');
const PAGE = read('admin.html');
const TYPES: Record<string, string> = {
  js: 'text/javascript',
  css: 'text/css',
  svg: 'image/svg+xml',
};
const ASSETS = new Map<string, { type: string; text: string }>(
  [
    'admin.js',
    'admin.css',
    'favicon.svg',
    ...readdirSync(new URL('views/', ADMIN))
      .filter((name) => name.endsWith('.js'))
      .map((name) => `views/${name}`),
  ].map((name) => [
    `/${name}`,
    { type: TYPES[name.split('.').pop() ?? ''] ?? 'text/plain', text: read(name) },
  ]),
);

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

  for (const [path, { type, text }] of ASSETS) {
    router.get(path, (_request, response) => {
      response.type(type).send(text);
    });
  }
  // Browsers ask for /favicon.ico on pages without an icon link (error pages of other hosts, bookmarks).
  router.get('/favicon.ico', (_request, response) => {
    response.redirect(301, '/favicon.svg');
  });

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
