import { Connection } from 'jsforce';
import { Transport } from 'jsforce/lib/transport.js';
import { chunks } from '../../src/core/index.ts';
import type { CallKind, Logger, SessionHooks, Tokens } from '../connector.ts';
import { ConnectorError } from '../connector.ts';
import { authorizedCall } from '../shared/authorized-call.ts';
import type { CallTally } from '../shared/call-tally.ts';
import type { SharedState } from '../shared/shared-state.ts';
import type { SingleFlight } from '../shared/single-flight.ts';
import { LATEST_TOKENS_MS, latestTokensKey } from '../shared/token-keys.ts';
import { bulkQuery } from './bulk.ts';
import { classifyFailure, isSessionExpired, toConnectorError } from './errors.ts';
import type { ApiBudget } from './limits.ts';
import type { SalesforceOptions } from './options.ts';

// One account's HTTP access for one run, on jsforce's Connection: every request is counted by kind, checked
// against the run's API budget and read for Sforce-Limit-Info (one transport sees them all, Bulk API
// included); each operation goes through the one authorised-call loop (../shared/authorized-call.ts): retried
// with back-off, bounded per org, and refreshing an expired session once, single-flight per org across workers.
// When Salesforce refuses the refresh, each session tells its own hooks, once.

type HttpRequest = Parameters<Transport['httpRequest']>[0];
type HttpOptions = Parameters<Transport['httpRequest']>[1];

/** State shared by every session on one org: its tokens, and (through `shared`, by every worker) its request
 * bound, its refresh flight and its latest tokens. */
export interface OrgLink {
  key: string;
  tokens: Tokens;
  shared: SharedState;
  maxConcurrent: number;
  /** Salesforce refused this refresh token: no session on the org asks again with it. */
  refusal: { refreshToken: string; message: string } | null;
  /** Sessions that ensure the tag field at once share one pass. */
  tagFieldPasses: SingleFlight<void>;
  /** Bumped whenever a session changes the org's schema, so other sessions describe again. */
  schemaVersion: number;
}

/** What a request was for, from its URL and method. */
export function callKindOf(method: string, url: string): CallKind {
  if (url.includes('/services/oauth2/token')) return 'auth';
  // The Metadata API (SOAP) creates and reads the app's list views: schema work, like the tag field.
  if (url.includes('/tooling/') || url.endsWith('/describe') || url.includes('/services/Soap/m/'))
    return 'schema';
  // Composite carries the change feed's queries: reads, though POSTed.
  if (url.endsWith('/composite')) return 'read';
  if (method === 'GET' || url.endsWith('/jobs/query')) return 'read';
  return 'write';
}

class CountingTransport extends Transport {
  constructor(
    private readonly before: (request: HttpRequest) => void,
    private readonly after: (status: number, headers: Record<string, string>, body: string) => void,
  ) {
    super();
  }

  override httpRequest(request: HttpRequest, options?: HttpOptions) {
    this.before(request);
    // jsforce's own fetch retries would sleep unseen and uncounted: `call` is the one retry layer.
    const sent = super.httpRequest(request, { ...options, retry: { maxRetries: 0 } });
    sent.then(
      (response) =>
        this.after(
          response.statusCode,
          response.headers as Record<string, string>,
          String(response.body ?? ''),
        ),
      () => {},
    );
    return sent;
  }
}

export interface ClientContext {
  accountId: string;
  instanceUrl: string;
  org: OrgLink;
  options: SalesforceOptions;
  tally: CallTally;
  budget: ApiBudget;
  hooks: SessionHooks;
  logger: Logger;
  refresh(refreshToken: string): Promise<Tokens>;
}

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  nextRecordsUrl?: string;
}

export interface SaveResult {
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; duplicateResult?: unknown }[];
}

export class SalesforceClient {
  readonly conn: Connection;
  #operation = 'request';
  /** Set once access has ended for this session (the refresh was refused, or there was none). */
  #accessEnded: ConnectorError | null = null;

  get org(): OrgLink {
    return this.ctx.org;
  }

  constructor(private readonly ctx: ClientContext) {
    this.conn = new Connection({
      instanceUrl: ctx.instanceUrl,
      accessToken: ctx.org.tokens.accessToken,
      version: ctx.options.apiVersion,
    });
    this.conn._transport = new CountingTransport(
      (request) => {
        this.ctx.budget.beforeRequest(this.#operation);
        this.ctx.tally.sent(callKindOf(request.method, request.url));
      },
      (status, headers, body) => {
        this.ctx.budget.observe(headers['sforce-limit-info']);
        if (status === 429 || (status === 403 && body.includes('REQUEST_LIMIT_EXCEEDED')))
          this.ctx.tally.rateLimited();
      },
    );
  }

  /** Runs one API operation with retries, the per-org bound and one session refresh. */
  async call<T>(operation: string, send: (conn: Connection) => Promise<T>): Promise<T> {
    const { org, tally, options, logger, accountId } = this.ctx;
    try {
      // Access that ended stays ended: no request would get past the dead token.
      if (this.#accessEnded) throw this.#accessEnded;
      if (org.refusal && org.refusal.refreshToken === org.tokens.refreshToken)
        throw await this.#endAccess(operation, org.refusal.message);
      return await authorizedCall<string, T>({
        fresh: async () => {
          await this.ctx.budget.sync();
          return org.tokens.accessToken;
        },
        admit: (send) => org.shared.bounded(`salesforce:${org.key}:in-flight`, org.maxConcurrent, send),
        send: (token) => {
          this.#operation = operation;
          this.conn.accessToken = token;
          return send(this.conn);
        },
        unauthorized: isSessionExpired,
        afterUnauthorized: async (rejected) => {
          // Another request may have refreshed already; then only retry with the new token.
          if (org.tokens.accessToken === rejected) await this.#refreshSession(operation, rejected);
          tally.retried();
          return org.tokens.accessToken;
        },
        retry: {
          classify: classifyFailure,
          onRetry: ({ attempt, waitMs, rateLimited }) => {
            tally.retried();
            logger.warn({ accountId, operation, attempt, waitMs, rateLimited }, 'salesforce request retried');
          },
          ...(options.sleep ? { sleep: options.sleep } : {}),
        },
      });
    } catch (error) {
      tally.failed();
      throw toConnectorError(error, accountId, operation);
    }
  }

  async #refreshSession(operation: string, rejected: string): Promise<void> {
    const { org, accountId } = this.ctx;
    const refreshToken = org.tokens.refreshToken;
    if (!refreshToken) throw await this.#endAccess(operation, 'session expired and no refresh token');
    if (org.refusal?.refreshToken === refreshToken)
      throw await this.#endAccess(operation, org.refusal.message);
    try {
      // Sessions on one org share the flight, so its refusal reaches each of them here.
      const latestKey = latestTokensKey(`salesforce:${org.key}`, refreshToken);
      await org.shared.once(`salesforce:${org.key}:refresh`, async () => {
        // A worker that refreshed while this one waited has left its tokens: use them.
        const latest = await org.shared.read<Tokens>(latestKey);
        if (latest && latest.accessToken !== rejected) {
          org.tokens = latest;
          return latest;
        }
        this.ctx.tally.sent('auth');
        const tokens = await this.ctx.refresh(refreshToken);
        org.tokens = tokens;
        await org.shared.write(latestKey, tokens, LATEST_TOKENS_MS);
        await this.ctx.hooks.onTokens?.(tokens);
        return tokens;
      });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw toConnectorError(error, accountId, operation);
      if (error.kind !== 'auth-revoked')
        throw new ConnectorError(error.kind, accountId, operation, error.providerMessage, {
          cause: error,
          ...(error.status === null ? {} : { status: error.status }),
        });
      org.refusal = { refreshToken, message: error.providerMessage };
      throw await this.#endAccess(operation, error.providerMessage, error);
    }
  }

  /** Access has ended: the session's hooks hear it at once and once, before the error ends the operation. */
  async #endAccess(operation: string, message: string, cause?: ConnectorError): Promise<ConnectorError> {
    if (this.#accessEnded) return this.#accessEnded;
    const { accountId, hooks, logger } = this.ctx;
    const ended = new ConnectorError('auth-revoked', accountId, operation, message, {
      cause,
      ...(cause?.status ? { status: cause.status } : {}),
    });
    this.#accessEnded = ended;
    try {
      await hooks.onAuthRevoked?.(ended);
    } catch (error) {
      logger.error(
        { accountId, operation, reason: error instanceof Error ? error.message : String(error) },
        'onAuthRevoked failed',
      );
    }
    return ended;
  }

  /** GET relative to the versioned REST root (`/sobjects/...`), or a root path (`/services/...`). */
  get<T>(operation: string, url: string): Promise<T> {
    return this.call(operation, (conn) => conn.request<T>({ method: 'GET', url }));
  }

  send<T>(operation: string, method: 'POST' | 'PATCH', url: string, body: unknown): Promise<T> {
    return this.call(operation, (conn) =>
      conn.request<T>({
        method,
        url,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    );
  }

  /** Every row of a query, page by page through `nextRecordsUrl`. */
  async queryAll<T>(operation: string, soql: string, tooling = false): Promise<T[]> {
    let page = await this.firstPage<T>(operation, soql, tooling);
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.get<QueryPage<T>>(operation, page.nextRecordsUrl);
      records.push(...page.records);
    }
    return records;
  }

  firstPage<T>(operation: string, soql: string, tooling = false): Promise<QueryPage<T>> {
    return this.get<QueryPage<T>>(
      operation,
      `${tooling ? '/tooling' : ''}/query?q=${encodeURIComponent(soql)}`,
    );
  }

  /** Rows past the first page: REST pages, or one Bulk API 2.0 job when the result is large. */
  async queryLarge<T>(operation: string, soql: string): Promise<T[]> {
    const first = await this.firstPage<T>(operation, soql);
    if (first.done || first.totalSize <= this.ctx.options.bulkThreshold) {
      const records = [...first.records];
      let page = first;
      while (!page.done && page.nextRecordsUrl) {
        page = await this.get<QueryPage<T>>(operation, page.nextRecordsUrl);
        records.push(...page.records);
      }
      return records;
    }
    return this.call(`${operation} (bulk)`, (conn) => bulkQuery<T>(conn, soql));
  }

  /** sObject Collections, 200 records a call, `allOrNone: false`; results in the order of `records`. */
  async collection(
    operation: string,
    method: 'POST' | 'PATCH',
    records: Record<string, unknown>[],
  ): Promise<SaveResult[]> {
    const results = await Promise.all(
      chunks(records, 200).map((chunk) =>
        this.send<SaveResult[]>(operation, method, '/composite/sobjects', {
          allOrNone: false,
          records: chunk,
        }),
      ),
    );
    return results.flat();
  }
}
