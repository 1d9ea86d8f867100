import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { parseSnapshot, type Snapshot } from '../../src/core/index.ts';
import {
  CallLog,
  createServer,
  type FaultOptions,
  Faults,
  listen,
  readJson,
  sendJson,
} from '../shared/simulator-kit.ts';
import { RollingWindow, SEARCH_SECONDLY, TEN_SECONDLY, type WindowLimit } from './simulator-limits.ts';
import { DEFAULT_LIST_LIMIT, listScopeFor, missingScopes, routeLists } from './simulator-lists.ts';
import { SimOAuth } from './simulator-oauth.ts';
import { type Answer, errorBody, routeCrm } from './simulator-routes.ts';
import { portalsFromSnapshot, type SimPortal } from './simulator-state.ts';
import {
  type ChangeSource,
  type SimChange,
  WebhookSender,
  type WebhookSenderOptions,
} from './simulator-webhooks.ts';

// A local stand-in for the HubSpot API surface the connector uses: one portal per snapshot account, HubSpot's
// rolling rate-limit windows and 429 body, OAuth v3 (simulator-oauth.ts), search that lags behind writes, and fault
// injection. Tests, the demo and the benchmarks run the real @hubspot/api-client against it.

export interface HubspotSimulatorOptions {
  snapshot: Snapshot;
  port?: number;
  tagProperty?: string;
  /** The ten-secondly window (HubSpot: 110 requests / 10 s per portal). */
  rateLimit?: WindowLimit;
  /** Search requests (HubSpot: 5 / s per portal). */
  searchLimit?: WindowLimit;
  /** How long search keeps showing what it had before a write (HubSpot: a few seconds). */
  searchLagMs?: number;
  faults?: Partial<FaultOptions>;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued access tokens (HubSpot: 30 minutes). */
  accessTokenTtlMs?: number;
  /** Keep request and response bodies of every call (for shape validation). */
  recordExchanges?: boolean;
  /**
   * Webhook deliveries of every change made through the API, signed with `clientSecret`: to `targetUrl` (or the URL
   * given later to `webhooks.target`). A `sandbox-<portal>` token is that community's staff; OAuth tokens the app.
   */
  webhooks?: Partial<Omit<WebhookSenderOptions, 'clientSecret' | 'now'>>;
  /** Lists per portal (issue 12; HubSpot caps them by tier). Default: Marketing Hub Professional's 1,000. */
  listLimit?: number;
  /** How long a new list stays PROCESSING before its membership is computed (default 1 s). */
  listProcessingMs?: number;
  now?: () => number;
}

/**
 * A scripted answer for matching requests: `before` answers instead of the API, `after` applies the request first
 * (a crash after the write). One with `holdMs` and no status is a slow answer: the request waits, then the API
 * handles it.
 */
export type ScriptedFault = ScriptedAnswer | ScriptedHold;

interface ScriptedMatch {
  portalId?: string;
  method?: string;
  /** Matches when the path (without query) starts with it. */
  pathPrefix: string;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export interface ScriptedHold extends ScriptedMatch {
  holdMs: number;
}

export interface ScriptedAnswer extends ScriptedMatch {
  status: number;
  body?: unknown;
  when?: 'before' | 'after';
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  requestBody: unknown;
  responseBody: unknown;
}

export interface PortalView {
  contacts: { id: string; properties: Record<string, string | null> }[];
  /** Option value → label of the tag property, when it exists. */
  tagOptions: { value: string; label: string }[] | null;
  groups: string[];
}

export interface RunningHubspotSimulator {
  url: string;
  port: number;
  calls: CallLog;
  exchanges: Exchange[];
  faults: Faults;
  /** Adds a scripted fault (e.g. a 423, a 5xx that never ends, a crash after a write). */
  script(fault: ScriptedFault): void;
  portal(id: string): PortalView;
  /** The raw portal, for tests that need to change it. */
  rawPortal(id: string): SimPortal;
  /**
   * An authorization code for a portal, as HubSpot's consent page hands it out after `user` (an email; default
   * `admin@<portal id>.example.com`) consents.
   */
  issueCode(portalId: string, user?: string, scopes?: readonly string[]): string;
  /** Makes every issued access token of a portal expire now (HubSpot then answers 401). */
  expireTokens(portalId: string): void;
  /** Webhook deliveries: set the target, wait for them to go out, see how each went. */
  webhooks: WebhookSender;
  close(): Promise<void>;
}

export async function startHubspotSimulator(
  options: HubspotSimulatorOptions,
): Promise<RunningHubspotSimulator> {
  const now = options.now ?? Date.now;
  const tagProperty = options.tagProperty ?? 'community_sync_tags';
  const portals = portalsFromSnapshot(options.snapshot, tagProperty);
  const windows = new Map<string, { all: RollingWindow; search: RollingWindow }>();
  for (const id of portals.keys())
    windows.set(id, {
      all: new RollingWindow(options.rateLimit ?? TEN_SECONDLY),
      search: new RollingWindow(options.searchLimit ?? SEARCH_SECONDLY),
    });
  const calls = new CallLog();
  const exchanges: Exchange[] = [];
  const faults = new Faults(options.faults);
  const scripted: ScriptedFault[] = [];
  const clientSecret = options.clientSecret ?? 'sim-client-secret';
  const webhooks = new WebhookSender({ appId: 424242, ...options.webhooks, clientSecret, now });
  const oauth = new SimOAuth({
    clientId: options.clientId ?? 'sim-client-id',
    clientSecret,
    ttlMs: options.accessTokenTtlMs ?? 30 * 60_000,
    now,
    portalName: (id) => portals.get(id)?.name,
    firstPortal: [...portals.keys()][0] ?? '',
  });

  const phaseOf = (f: ScriptedFault) => ('holdMs' in f ? 'hold' : (f.when ?? 'before'));
  function takeScripted(
    portalId: string | null,
    method: string,
    path: string,
    when: 'hold',
  ): ScriptedHold | null;
  function takeScripted(
    portalId: string | null,
    method: string,
    path: string,
    when: 'before' | 'after',
  ): ScriptedAnswer | null;
  function takeScripted(
    portalId: string | null,
    method: string,
    path: string,
    when: 'hold' | 'before' | 'after',
  ) {
    const index = scripted.findIndex(
      (f) =>
        phaseOf(f) === when &&
        (f.portalId === undefined || f.portalId === portalId) &&
        (f.method === undefined || f.method === method) &&
        path.startsWith(f.pathPrefix),
    );
    if (index < 0) return null;
    const fault = scripted[index] as ScriptedFault;
    const left = (fault.times ?? 1) - 1;
    if (left <= 0) scripted.splice(index, 1);
    else fault.times = left;
    return fault;
  }

  function portalFor(
    request: IncomingMessage,
  ): { portalId: string; source: ChangeSource; scopes: readonly string[] | 'all' } | { error: Answer } {
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
    const unauthorized = (message: string, category = 'INVALID_AUTHENTICATION'): { error: Answer } => ({
      error: { status: 401, body: errorBody(category, message) },
    });
    if (!bearer)
      return unauthorized(
        'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
      );
    const sandbox = /^sandbox-(.+)$/.exec(bearer)?.[1];
    // The sandbox token is the community's own staff at work in HubSpot, never the app.
    if (sandbox && portals.has(sandbox))
      return { portalId: sandbox, source: { kind: 'staff', userId: 7_000_001 }, scopes: 'all' };
    const held = oauth.bearer(bearer);
    if (!held)
      return unauthorized(
        'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
      );
    if (held === 'expired')
      return unauthorized('The OAuth token used to make this call expired.', 'EXPIRED_AUTHENTICATION');
    return { portalId: held.portalId, source: { kind: 'app' }, scopes: held.scopes };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrived = now();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    let accountId: string | null = null;
    let injected = false;
    let requestBody: unknown;
    const headers: Record<string, string | number> = {};
    const answer = async (): Promise<Answer> => {
      if (url.pathname === '/oauth/authorize') {
        headers.location = oauth.consent(url);
        return { status: 302 };
      }
      if (url.pathname.startsWith('/oauth/')) {
        const served = await oauth.answer(request, url);
        requestBody = served.form;
        return served.answer;
      }
      const auth = portalFor(request);
      if ('error' in auth) return auth.error;
      accountId = auth.portalId;
      const limits = windows.get(accountId) as { all: RollingWindow; search: RollingWindow };
      const limit = limits.all.limit;
      const isSearch = url.pathname.endsWith('/search');
      let fault = faults.next();
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const hold = takeScripted(accountId, method, url.pathname, 'hold');
      if (hold) await new Promise((r) => setTimeout(r, hold.holdMs));
      // Search has its own per-second window: it neither counts towards the ten-secondly one nor says how much of
      // it is left.
      if (isSearch ? !limits.search.take(arrived) : !limits.all.take(arrived) || fault === 'rate-limit') {
        injected = fault === 'rate-limit';
        fault = null;
        if (!isSearch) {
          headers['X-HubSpot-RateLimit-Max'] = limit.max;
          headers['X-HubSpot-RateLimit-Remaining'] = 0;
          headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = limit.intervalMs;
        }
        return {
          status: 429,
          body: {
            status: 'error',
            message: isSearch
              ? 'You have reached your secondly limit.'
              : 'You have reached your ten_secondly_rolling limit.',
            errorType: 'RATE_LIMIT',
            correlationId: randomUUID(),
            category: 'RATE_LIMITS',
            policyName: isSearch ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
            ...(isSearch ? {} : { groupName: `api-calls-portal:${accountId}` }),
          },
        };
      }
      if (!isSearch) {
        headers['X-HubSpot-RateLimit-Max'] = limit.max;
        headers['X-HubSpot-RateLimit-Remaining'] = limits.all.remaining(arrived);
        headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = limit.intervalMs;
      }
      const script = takeScripted(accountId, method, url.pathname, 'before');
      if (script) {
        injected = true;
        return {
          status: script.status,
          body: script.body ?? errorBody('INTERNAL_ERROR', `Simulated ${script.status}`),
        };
      }
      if (fault === 'server-error') {
        injected = true;
        return { status: 502, body: errorBody('BAD_GATEWAY', 'Simulated upstream failure') };
      }
      // Lists need their own scopes (the other endpoints' scopes are not checked by the simulator).
      const needed = listScopeFor(method, url.pathname.replace(/\/+$/, ''));
      if (needed && auth.scopes !== 'all' && !auth.scopes.includes(needed)) return missingScopes(needed);
      requestBody = method === 'GET' || method === 'DELETE' ? undefined : await readJson(request);
      const portal = portals.get(accountId) as SimPortal;
      const changes: SimChange[] = [];
      const result =
        routeLists(portal, method, url.pathname.replace(/\/+$/, ''), url, requestBody, {
          now: now(),
          listLimit: options.listLimit ?? DEFAULT_LIST_LIMIT,
          listProcessingMs: options.listProcessingMs ?? 1_000,
        }) ??
        routeCrm(portal, method, url, requestBody, {
          now: now(),
          searchLagMs: options.searchLagMs ?? 2_000,
          changes,
        });
      if (result.status < 300)
        webhooks.changed(
          changes.map((c) => ({ ...c, portalId: auth.portalId })),
          auth.source,
        );
      const after = takeScripted(accountId, method, url.pathname, 'after');
      if (after) {
        injected = true;
        return {
          status: after.status,
          body: after.body ?? errorBody('INTERNAL_ERROR', `Simulated ${after.status}`),
        };
      }
      return result;
    };
    let result: Answer;
    try {
      result = await answer();
    } catch (error) {
      result =
        error instanceof SyntaxError
          ? { status: 400, body: errorBody('VALIDATION_ERROR', 'Invalid input JSON') }
          : { status: 500, body: errorBody('INTERNAL_ERROR', 'Simulator failure') };
    }
    calls.record({
      at: arrived,
      method,
      path: `${url.pathname}${url.search}`,
      accountId,
      status: result.status,
      injected,
    });
    if (options.recordExchanges)
      exchanges.push({
        method,
        path: url.pathname,
        status: result.status,
        requestBody,
        responseBody: result.body,
      });
    sendJson(response, result.status, result.body, headers);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() =>
      sendJson(response, 500, errorBody('INTERNAL_ERROR', 'Simulator failure')),
    );
  });
  const running = await listen(server, options.port ?? 0);
  const portalOf = (id: string) => {
    const portal = portals.get(id);
    if (!portal) throw new Error(`no portal ${id}`);
    return portal;
  };
  return {
    url: running.url,
    port: running.port,
    calls,
    exchanges,
    faults,
    script: (fault) => scripted.push({ ...fault }),
    rawPortal: portalOf,
    portal(id) {
      const portal = portalOf(id);
      const property = portal.properties.get(tagProperty);
      return {
        contacts: [...portal.contacts.values()].map((c) => ({ id: c.id, properties: { ...c.properties } })),
        tagOptions: property ? property.options.map((o) => ({ value: o.value, label: o.label })) : null,
        groups: [...portal.groups.keys()],
      };
    },
    issueCode: (portalId, user, scopes) =>
      scopes ? oauth.issueCode(portalId, user, [...scopes]) : oauth.issueCode(portalId, user),
    expireTokens: (portalId) => oauth.expire(portalId),
    webhooks,
    close: async () => {
      webhooks.close();
      await running.close();
    },
  };
}

/**
 * `npm run --silent simulator -- hubspot --snapshot FILE --port PORT [--window-ms N] [--search-lag-ms N]
 * [--webhook-url URL --client-secret SECRET]`.
 */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      snapshot: { type: 'string' },
      port: { type: 'string', default: '0' },
      'window-ms': { type: 'string' },
      'search-lag-ms': { type: 'string' },
      'tag-property': { type: 'string' },
      'error-share': { type: 'string' },
      'latency-ms': { type: 'string' },
      'webhook-url': { type: 'string' },
      'client-secret': { type: 'string' },
    },
  });
  if (!values.snapshot) {
    process.stderr.write('error: --snapshot FILE is required\n');
    process.exit(2);
  }
  const snapshot = parseSnapshot(JSON.parse(await readFile(values.snapshot, 'utf8')));
  const simulator = await startHubspotSimulator({
    snapshot,
    port: Number(values.port),
    ...(values['window-ms'] ? { rateLimit: { max: 110, intervalMs: Number(values['window-ms']) } } : {}),
    ...(values['search-lag-ms'] ? { searchLagMs: Number(values['search-lag-ms']) } : {}),
    ...(values['tag-property'] ? { tagProperty: values['tag-property'] } : {}),
    ...(values['webhook-url'] ? { webhooks: { targetUrl: values['webhook-url'] } } : {}),
    ...(values['client-secret'] ? { clientSecret: values['client-secret'] } : {}),
    faults: {
      serverErrorShare: Number(values['error-share'] ?? 0),
      latencyMs: Number(values['latency-ms'] ?? 0),
    },
  });
  process.stdout.write(`listening on ${simulator.url}\n`);
  const stop = () => {
    simulator.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
