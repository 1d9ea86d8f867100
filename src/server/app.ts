import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Logger, ProviderName } from '../../connectors/connector.ts';
import { silentLogger } from '../../connectors/connector.ts';
import { changedPortals, verifyHubSpotSignature } from '../../webhooks/hubspot.ts';
import type { ResyncQueue } from '../../webhooks/resync-queue.ts';
import { RunInProgressError, type Store, type StoredAccount } from '../store/store.ts';
import type { ConnectorFor, RunResult, RunTenantOptions } from '../sync/run-tenant.ts';
import { Metrics } from './metrics.ts';
import { Signer } from './signing.ts';

// The HTTP face of the app: marketplace install and account connection (OAuth), the admin API and page, and
// the health check. Every admin route is bound to the tenant of the signed session cookie.

export const STATE_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const COOKIE = 'cs_admin';
const providers = ['hubspot', 'salesforce'] as const;

export interface ServerDeps {
  store: Store;
  connectorFor: ConnectorFor;
  /** Providers this deployment has credentials for (or the sandbox simulates). */
  enabledProviders: readonly ProviderName[];
  runTenant(tenantId: string, options: RunTenantOptions): Promise<RunResult>;
  appSecret: string;
  publicUrl: string;
  logger?: Logger;
  /** Webhooks: HubSpot's client secret (signatures) and the queue that turns events into resyncs. */
  webhooks?: { hubspotClientSecret: string; queue: ResyncQueue };
  /** Counters for GET /metrics; the app counts runs and webhooks in it. */
  metrics?: Metrics;
  /** Sandbox mode: `GET /` signs the visitor in to this tenant (local demo only). */
  sandboxTenantId?: () => string | null;
  now?: () => Date;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An account as the admin API shows it: never its tokens. */
const withoutTokens = ({ tokens: _tokens, ...account }: StoredAccount) => account;

const adminPage = () => readFileSync(new URL('./admin.html', import.meta.url), 'utf8');

export function createApp(deps: ServerDeps): express.Express {
  const { store } = deps;
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? new Metrics();
  const states = new Signer(deps.appSecret, 'oauth state');
  const sessions = new Signer(deps.appSecret, 'admin session');
  const app = express();
  app.disable('x-powered-by');

  // Before the JSON parser: the signature covers the raw body.
  app.post('/webhooks/hubspot', express.raw({ type: '*/*', limit: '1mb' }), async (request, response) => {
    if (!deps.webhooks) throw new HttpError(404, 'webhooks are not configured');
    const rawBody = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const signed = verifyHubSpotSignature(
      {
        method: request.method,
        url: `${deps.publicUrl}${request.originalUrl}`,
        rawBody,
        timestamp: request.get('x-hubspot-request-timestamp'),
        signature: request.get('x-hubspot-signature-v3'),
      },
      deps.webhooks.hubspotClientSecret,
      now().getTime(),
    );
    if (!signed)
      throw new HttpError(
        401,
        'the X-HubSpot-Signature-v3 signature does not match, or the request is too old',
      );
    for (const portal of changedPortals(rawBody)) {
      for (const tenantId of await store.tenantsToResync('hubspot', portal))
        deps.webhooks.queue.enqueue(tenantId);
    }
    response.status(204).end();
  });

  app.use(express.json({ limit: '100kb' }));

  const provider = (value: unknown): ProviderName => {
    const name = providers.find((p) => p === value);
    if (!name || !deps.enabledProviders.includes(name)) {
      throw new HttpError(
        404,
        `unknown provider "${String(value)}": use one of ${deps.enabledProviders.join(', ')}`,
      );
    }
    return name;
  };
  const redirectUri = (name: ProviderName) => `${deps.publicUrl}/oauth/${name}/callback`;

  const signIn = (response: Response, tenantId: string) => {
    const expires = now().getTime() + SESSION_TTL_MS;
    response.cookie(COOKIE, sessions.sign(`${tenantId}:${expires}`), {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.publicUrl.startsWith('https:'),
      maxAge: SESSION_TTL_MS,
      path: '/',
    });
  };
  const sessionTenant = (request: Request): string | null => {
    const cookie = (request.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${COOKIE}=`));
    const value = cookie ? sessions.verify(decodeURIComponent(cookie.slice(COOKIE.length + 1))) : null;
    if (!value) return null;
    const [tenantId, expires] = value.split(':');
    return tenantId && Number(expires) > now().getTime() ? tenantId : null;
  };
  /** The tenant of the path, when the session is that tenant's admin. */
  const tenantOf = (request: Request): string => {
    const tenantId = String(request.params.tenantId);
    if (sessionTenant(request) !== tenantId) {
      throw new HttpError(403, 'sign in as an admin of this tenant (install or open the app from your CRM)');
    }
    return tenantId;
  };
  const authorizeUrl = async (name: ProviderName, tenantId: string | null, role: 'child' | 'corporate') => {
    const id = await store.createInstallState({ tenantId, provider: name, role }, STATE_TTL_MS, now());
    return deps.connectorFor(name).authorizeUrl({ state: states.sign(id), redirectUri: redirectUri(name) });
  };

  app.get('/healthz', async (_request, response) => {
    try {
      await sql`select 1`.execute(store.db);
      response.json({ status: 'ok' });
    } catch {
      response.status(503).json({ status: 'unavailable', detail: 'the store is not reachable' });
    }
  });

  app.get('/metrics', (_request, response) => {
    response.type('text/plain; version=0.0.4').send(metrics.text());
  });

  app.get('/', (request, response) => {
    const sandboxTenant = deps.sandboxTenantId?.();
    if (sandboxTenant && !sessionTenant(request)) signIn(response, sandboxTenant);
    response.type('html').send(adminPage());
  });

  app.get('/api/session', async (request, response) => {
    const tenantId = sessionTenant(request) ?? deps.sandboxTenantId?.() ?? null;
    response.json({ tenantId, providers: deps.enabledProviders });
  });

  // Marketplace install: the corporate admin authorises the app on the corporate account; the tenant is made
  // when the callback comes back.
  app.get('/install/:provider', async (request, response) => {
    response.redirect(await authorizeUrl(provider(request.params.provider), null, 'corporate'));
  });

  app.get('/oauth/:provider/callback', async (request, response) => {
    const name = provider(request.params.provider);
    const query = z.object({ code: z.string().min(1), state: z.string().min(1) }).safeParse(request.query);
    if (!query.success) {
      const denied = typeof request.query.error === 'string' ? ` (${request.query.error})` : '';
      throw new HttpError(400, `the authorisation did not complete${denied}: start again from the app`);
    }
    const stateId = states.verify(query.data.state);
    const state = stateId ? await store.consumeInstallState(stateId, now()) : null;
    if (!state || state.provider !== name) {
      throw new HttpError(
        400,
        'this connection link is invalid, already used or expired (links last 10 minutes): ask for a new one',
      );
    }
    const identity = await deps
      .connectorFor(name)
      .exchangeCode({ code: query.data.code, redirectUri: redirectUri(name) });
    const tenantId = state.tenantId ?? (await store.createTenant(identity.name)).id;
    const account = await store.connectAccount(tenantId, {
      provider: name,
      externalId: identity.accountId,
      role: state.role,
      name: identity.name,
      country: null,
      tokens: identity.tokens,
      details: identity.details,
    });
    logger.info({ tenantId, accountId: account.id, provider: name, role: state.role }, 'account connected');
    if (!state.tenantId) signIn(response, tenantId);
    response.redirect(`/?connected=${encodeURIComponent(account.name)}`);
  });

  app.get('/api/tenants/:tenantId', async (request, response) => {
    const tenantId = tenantOf(request);
    const tenant = await store.tenant(tenantId);
    if (!tenant) throw new HttpError(404, 'no such tenant');
    const accounts = await store.accounts(tenantId, { includeDisconnected: true });
    response.json({
      tenant,
      accounts: accounts.map(withoutTokens),
      runs: await store.runs(tenantId, 10),
    });
  });

  app.put('/api/tenants/:tenantId/settings', async (request, response) => {
    const tenantId = tenantOf(request);
    try {
      response.json({ settings: await store.updateSettings(tenantId, request.body) });
    } catch (error) {
      if (error instanceof z.ZodError) {
        throw new HttpError(400, error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      }
      throw error;
    }
  });

  app.post('/api/tenants/:tenantId/connect-links', async (request, response) => {
    const tenantId = tenantOf(request);
    const body = z
      .object({ provider: z.string(), role: z.enum(['child', 'corporate']).default('child') })
      .parse(request.body ?? {});
    response.json({
      url: await authorizeUrl(provider(body.provider), tenantId, body.role),
      expiresInMs: STATE_TTL_MS,
    });
  });

  // One org with one Account per community (Salesforce): list the org's Accounts, then say which is the corporate
  // parent and which are the communities. Each community becomes a child connection on the org's tokens.
  const innerAccounts = async (tenantId: string, accountId: string) => {
    const account = await store.account(tenantId, accountId);
    if (!account) throw new HttpError(404, 'no such account in this tenant');
    const connector = deps.connectorFor(account.provider);
    if (!connector.listInnerAccounts) {
      throw new HttpError(400, `${account.provider} accounts hold no communities to pick from`);
    }
    return { account, inner: await connector.listInnerAccounts(account, { logger }) };
  };

  app.get('/api/tenants/:tenantId/accounts/:accountId/inner-accounts', async (request, response) => {
    const { inner } = await innerAccounts(tenantOf(request), String(request.params.accountId));
    response.json({ accounts: inner });
  });

  app.post('/api/tenants/:tenantId/accounts/:accountId/communities', async (request, response) => {
    const tenantId = tenantOf(request);
    const body = z
      .object({ parentId: z.string().min(1), communityIds: z.array(z.string().min(1)).min(1) })
      .parse(request.body);
    const { account, inner } = await innerAccounts(tenantId, String(request.params.accountId));
    const byId = new Map(inner.map((a) => [a.id, a]));
    const unknown = [body.parentId, ...body.communityIds].filter((id) => !byId.has(id));
    if (unknown.length > 0) throw new HttpError(400, `not Accounts of this org: ${unknown.join(', ')}`);
    const parent = byId.get(body.parentId) as { name: string };
    await store.reconfigureAccount(tenantId, account.id, {
      role: 'corporate',
      name: parent.name,
      details: { ...account.details, layout: 'one-org', salesforceAccountId: body.parentId },
    });
    for (const id of body.communityIds) {
      await store.connectAccount(tenantId, {
        provider: account.provider,
        externalId: id,
        role: 'child',
        name: (byId.get(id) as { name: string }).name,
        country: account.country,
        tokens: account.tokens,
        details: { ...account.details, layout: 'one-org', salesforceAccountId: id },
      });
    }
    const accounts = await store.accounts(tenantId);
    response.json({ accounts: accounts.map(withoutTokens) });
  });

  app.delete('/api/tenants/:tenantId/accounts/:accountId', async (request, response) => {
    const tenantId = tenantOf(request);
    const account = await store.account(tenantId, String(request.params.accountId));
    if (!account) throw new HttpError(404, 'no such account in this tenant');
    await store.disconnect(tenantId, account.id);
    response.status(204).end();
  });

  app.post('/api/tenants/:tenantId/runs', async (request, response) => {
    const tenantId = tenantOf(request);
    const dryRun = request.query.dryRun === 'true' || request.body?.dryRun === true;
    try {
      const { runId, status, report } = await deps.runTenant(tenantId, { dryRun, trigger: 'admin' });
      response.json({
        runId,
        status,
        written: report.written,
        shared: report.plan.shared,
        changes: report.plan.children.length + report.plan.corporate.length,
        warnings: report.plan.warnings,
        errors: report.accountErrors.map((e) => ({
          accountId: e.accountId,
          kind: e.kind,
          message: e.message,
        })),
      });
    } catch (error) {
      if (error instanceof RunInProgressError) throw new HttpError(409, error.message);
      throw error;
    }
  });

  app.get('/api/tenants/:tenantId/runs/:runId/audit', async (request, response) => {
    const tenantId = tenantOf(request);
    response.json({ entries: await store.audit(tenantId, Number(request.params.runId)) });
  });

  app.use((_request: Request, _response: Response, next: NextFunction) =>
    next(new HttpError(404, 'not found')),
  );
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const status = error instanceof HttpError ? error.status : error instanceof z.ZodError ? 400 : 500;
    const message =
      error instanceof HttpError
        ? error.message
        : error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : 'internal error';
    if (status === 500) logger.error({ path: request.path, error: String(error) }, 'request failed');
    response.status(status).json({ error: message });
  });
  return app;
}
