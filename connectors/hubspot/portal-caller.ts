import type { Client } from '@hubspot/api-client';
import { type CallKind, ConnectorError, type SessionHooks, type Tokens } from '../connector.ts';
import { authorizedCall } from '../shared/authorized-call.ts';
import type { CallTally } from '../shared/call-tally.ts';
import { classify, failureKind, providerMessage, statusOf } from './errors.ts';
import type { PortalLimiter } from './limiter.ts';
import { bareClient } from './oauth.ts';
import type { HubspotOptions } from './options.ts';
import type { RefreshRequester, TokenKeeper } from './tokens.ts';

// Every API call of a session goes through here, on the one authorised-call loop (../shared/authorized-call.ts):
// fresh tokens, the portal's limiter, bounded retries, one recovery from a 401, and the session's call tally. A call that finally fails throws a ConnectorError
// carrying HubSpot's message. A refused refresh is reported to `hooks.onAuthRevoked` once per session.

export interface WithHeaders<T> {
  data: T;
  headers?: Record<string, string>;
}

export class PortalCaller {
  #client: { token: string; client: Client } | null = null;

  constructor(
    readonly accountId: string,
    private readonly stored: Tokens,
    private readonly options: HubspotOptions,
    private readonly limiter: PortalLimiter,
    private readonly keeper: TokenKeeper,
    readonly tally: CallTally,
    private readonly hooks: SessionHooks,
  ) {}

  #clientFor(token: string): Client {
    if (this.#client?.token !== token) this.#client = { token, client: bareClient(this.options, token) };
    return this.#client.client;
  }

  #requester(): RefreshRequester {
    return { onNew: (tokens) => this.hooks.onTokens?.(tokens), tally: this.tally };
  }

  /** Set once a refresh is refused: the grant has ended, so later calls fail without asking HubSpot again. */
  #revoked: { error: ConnectorError; reported: Promise<void> } | null = null;

  async #tokens(operation: string, get: () => Promise<Tokens>): Promise<Tokens> {
    if (!this.#revoked) {
      try {
        return await get();
      } catch (error) {
        this.tally.failed();
        const failure = this.#asOwn(error, operation);
        if (failure.kind !== 'auth-revoked') throw failure;
        this.#revoked ??= { error: failure, reported: this.#reportRevoked(failure) };
        await this.#revoked.reported;
        throw failure;
      }
    }
    this.tally.failed();
    await this.#revoked.reported;
    throw this.#asOwn(this.#revoked.error, operation);
  }

  /** The same failure, named for this session's account and operation. */
  #asOwn(error: unknown, operation: string): ConnectorError {
    const known = error instanceof ConnectorError;
    const status = known ? error.status : statusOf(error);
    return new ConnectorError(
      known ? error.kind : failureKind(error),
      this.accountId,
      operation,
      known ? error.providerMessage : providerMessage(error),
      { cause: known ? (error.cause ?? error) : error, ...(status ? { status } : {}) },
    );
  }

  /** Tells the app once per session, before any operation fails, so it asks for a reconnect at once. */
  async #reportRevoked(failure: ConnectorError): Promise<void> {
    try {
      await this.hooks.onAuthRevoked?.(failure);
    } catch {
      this.hooks.logger?.warn({ accountId: this.accountId }, 'onAuthRevoked hook failed');
    }
  }

  /** `expected`: statuses that answer a question (404 for "not there yet"), thrown but not counted as failures. */
  async call<T>(
    kind: CallKind,
    operation: string,
    send: (client: Client) => Promise<WithHeaders<T>>,
    expected: readonly number[] = [],
  ): Promise<T> {
    const search = kind === 'search';
    try {
      return await authorizedCall<Tokens, T>({
        fresh: () =>
          this.#tokens(operation, () => this.keeper.fresh(this.accountId, this.stored, this.#requester())),
        admit: (send) => this.limiter.schedule(search, send),
        send: async (tokens) => {
          this.tally.sent(kind);
          try {
            const answer = await send(this.#clientFor(tokens.accessToken));
            this.limiter.observe(answer.headers);
            return answer.data;
          } catch (error) {
            if (statusOf(error) === 429) this.tally.rateLimited();
            this.limiter.observe((error as { headers?: Record<string, string> }).headers);
            throw error;
          }
        },
        unauthorized: (error, tokens) => statusOf(error) === 401 && Boolean(tokens.refreshToken),
        afterUnauthorized: (rejected) =>
          this.#tokens(operation, () =>
            this.keeper.afterUnauthorized(
              this.accountId,
              this.stored,
              rejected.accessToken,
              this.#requester(),
            ),
          ),
        retry: {
          classify: (error) =>
            error instanceof ConnectorError
              ? { retry: false }
              : classify(
                  error,
                  { windowMs: this.limiter.window.intervalMs, lockedWaitMs: this.options.lockedWaitMs },
                  search,
                ),
          onRetry: () => this.tally.retried(),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
          ...(this.options.random ? { random: this.options.random } : {}),
        },
        policy: this.options.retry,
      });
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const status = statusOf(error);
      // An expected answer ("not there yet") is a normal outcome, not worth a warning.
      if (status === null || !expected.includes(status)) {
        this.tally.failed();
        this.hooks.logger?.warn({ accountId: this.accountId, operation, status }, 'HubSpot call failed');
      }
      throw new ConnectorError(failureKind(error), this.accountId, operation, providerMessage(error), {
        cause: error,
        ...(status ? { status } : {}),
      });
    }
  }
}
