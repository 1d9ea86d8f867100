import type { NextFunction, Request, Response } from 'express';
import type { Logger, ProviderName } from '../../connectors/connector.ts';
import type { DailySchedules, JobQueue } from '../jobs/queue.ts';
import type { Admin, InstallState, Store } from '../store/store.ts';
import type { TargetedResync } from '../sync/changes.ts';
import type { ConnectorFor, RunResult, RunTenantOptions } from '../sync/run-tenant.ts';
import type { Connections } from './connections.ts';
import { HttpError } from './errors.ts';
import type { LiveRuns } from './live-runs.ts';
import type { Metrics } from './metrics.ts';
import type { SessionCookies } from './sessions.ts';
import type { Signer } from './signing.ts';

// What every route group is given, and the checks they share (which provider, which tenant's admin).

export interface ServerDeps {
  store: Store;
  connectorFor: ConnectorFor;
  /** Providers this deployment has credentials for (or the sandbox simulates). */
  enabledProviders: readonly ProviderName[];
  runTenant(tenantId: string, options: RunTenantOptions): Promise<RunResult>;
  /** Brings changed records up to date without a full run (webhook jobs); a full run stands in without it. */
  resync?: TargetedResync;
  appSecret: string;
  /** The app's public base URL: OAuth redirects, webhook signatures and the same-origin check use it. */
  publicUrl: string;
  logger?: Logger;
  /** Webhooks: HubSpot's client secret (signatures) and the queue that turns events into resyncs. */
  webhooks?: { hubspotClientSecret: string; queue: JobQueue };
  /** Daily runs kept outside this process (Redis job schedulers): told of every change to a tenant's schedule. */
  schedules?: DailySchedules;
  /** Counters for GET /metrics; the app counts runs and webhooks in it. */
  metrics?: Metrics;
  /** Origins allowed to frame the app (the CRM hosts that embed its settings page); none by default. */
  frameAncestors?: readonly string[];
  /** Live progress of runs (GET /runs/live): the runs this server starts feed it; give the queue's runs too. */
  liveRuns?: LiveRuns;
  /** Sandbox mode: `GET /` signs the visitor in to this tenant (local demo only). */
  sandboxTenantId?: () => string | null;
  now?: () => Date;
}

export interface RouteContext {
  deps: ServerDeps;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  cookies: SessionCookies;
  /** Signs OAuth `state` values. */
  states: Signer;
  connections: Connections;
  liveRuns: LiveRuns;
}

const PROVIDERS = ['hubspot', 'salesforce'] as const;

/** A provider this deployment serves, from a path segment; 404 naming the choices otherwise. */
export function providerOf(deps: ServerDeps, value: unknown): ProviderName {
  const name = PROVIDERS.find((p) => p === value);
  if (!name || !deps.enabledProviders.includes(name)) {
    throw new HttpError(
      404,
      `unknown provider "${String(value)}": use one of ${deps.enabledProviders.join(', ')}`,
    );
  }
  return name;
}

export const redirectUri = (deps: ServerDeps, provider: ProviderName) =>
  `${deps.publicUrl}/oauth/${provider}/callback`;

/** OAuth `state` ids last this long: a connect link, an install or a sign-in must be finished within it. */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** Stores a new OAuth state for this flow and gives the provider's consent URL carrying it, signed. */
export async function authorization(
  ctx: RouteContext,
  provider: ProviderName,
  state: Omit<InstallState, 'id' | 'provider'>,
): Promise<{ id: string; url: string }> {
  const id = await ctx.store.installStates.create({ ...state, provider }, STATE_TTL_MS, ctx.now());
  // A tenant that keeps lists in its accounts asks for what that needs at every connection (issue 12).
  const tenant = state.tenantId ? await ctx.store.tenants.get(state.tenantId) : null;
  const url = ctx.deps.connectorFor(provider).authorizeUrl({
    state: ctx.states.sign(id),
    redirectUri: redirectUri(ctx.deps, provider),
    ...(tenant?.settings.segments ? { segments: true } : {}),
  });
  return { id, url };
}

export interface AdminLocals {
  tenantId: string;
  admin: Admin;
}

/** The tenant of the path, when the session is one of its admins; 403 otherwise. */
export function requireAdmin(ctx: RouteContext) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const tenantId = String(request.params.tenantId);
    const session = ctx.cookies.session(request);
    const admin = session?.tenantId === tenantId ? await ctx.store.admins.get(tenantId, session.admin) : null;
    if (!admin) {
      throw new HttpError(403, 'sign in as an admin of this tenant (install or open the app from your CRM)');
    }
    response.locals.tenantId = tenantId;
    response.locals.admin = admin;
    next();
  };
}

export const adminOf = (response: Response): AdminLocals => response.locals as AdminLocals;

/**
 * Tells the daily schedules (when kept outside this process) what a tenant's settings now say. The settings are
 * saved either way: a failure (Redis away) is logged, and `serve`'s queue sweep brings the schedule in line later.
 */
export async function rescheduleDaily(
  ctx: RouteContext,
  tenantId: string,
  settings: { enabled: boolean; schedule: { time: string; timeZone: string } },
): Promise<void> {
  await ctx.deps.schedules?.scheduleDaily(tenantId, settings).catch((error: unknown) => {
    ctx.logger.warn(
      { tenantId, error: String(error) },
      'daily run not rescheduled yet; the queue sweep will',
    );
  });
}
