import type pg from 'pg';
import type { Logger } from '../../connectors/connector.ts';

// A Postgres server connection can drop at any time (server restart, failover, an admin terminating it). The
// pool Kysely is given is wrapped so that a drop never reaches the process as an unhandled 'error' event, and
// a statement is run again on a fresh connection when that cannot apply it twice (docs/decisions.md).

/** The connection to the database server dropped and the statement could not safely be run again. */
export class DatabaseConnectionLostError extends Error {
  override readonly name = 'DatabaseConnectionLostError';
}

/** What Kysely's Postgres driver needs of a result. */
export interface PoolResult {
  command: string;
  rowCount: number;
  rows: unknown[];
}

/** The part of pg.Pool Kysely's Postgres driver uses. */
export interface QueryPool {
  connect(): Promise<{
    query(sql: string, parameters: readonly unknown[]): Promise<PoolResult>;
    release(): void;
  }>;
  end(): Promise<void>;
}

const CONNECTION_ERROR_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, or the server stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** pg's words for a client whose connection had already failed, so the statement was never sent. */
const NOT_SENT = /is not queryable/;

function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && (/Connection terminated/.test(message) || NOT_SENT.test(message));
}

/** What may be logged of a driver error: its error objects carry the client, with its connection settings. */
export function describeError(error: unknown): { code?: string; error: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    error: typeof message === 'string' ? message : String(error),
  };
}

// The store calls no side-effecting function in a SELECT, so running one twice changes nothing.
const READ_ONLY = /^\s*select\b/i;
// Opening a transaction changes nothing either: the one the lost connection opened ended with it.
const OPENS_TRANSACTION = /^\s*(begin|start\s+transaction)\b/i;
const repeatable = (sql: string) => READ_ONLY.test(sql) || OPENS_TRANSACTION.test(sql);
const ROLLBACK = /^\s*rollback\s*$/i;

/** One connection as Kysely sees it; the pg client behind it is replaced when it dies outside a transaction. */
class ReconnectingClient {
  #client: pg.PoolClient | null;
  /** Why the current client's connection died; null while it is usable. */
  #lost: unknown = null;
  // A checked-out client with no 'error' listener would take the process down.
  readonly #onError = (error: Error) => this.#markLost(error);

  constructor(
    private readonly pool: pg.Pool,
    client: pg.PoolClient,
    private readonly logger: Logger,
  ) {
    this.#client = client;
    client.on('error', this.#onError);
  }

  async query(sql: string, parameters: readonly unknown[]): Promise<PoolResult> {
    const inTransaction = this.#client !== null && this.#client.getTransactionStatus() !== 'I';
    // The server rolls a transaction back when its connection ends: a rollback has nothing left to do, and
    // failing it would hide the error that made the caller roll back.
    const rolledBack = { command: 'ROLLBACK', rowCount: 0, rows: [] };
    if (this.#client === null || this.#lost !== null) {
      if (inTransaction) {
        if (ROLLBACK.test(sql)) return rolledBack;
        throw lostError(sql, this.#lost, { inTransaction, sent: false });
      }
      await this.#reconnect();
    }
    try {
      return await this.#send(sql, parameters);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.#markLost(error);
      if (inTransaction && ROLLBACK.test(sql)) return rolledBack;
      const notSent = NOT_SENT.test((error as Error).message);
      if (inTransaction || !(notSent || repeatable(sql)))
        throw lostError(sql, error, { inTransaction, sent: !notSent });
      this.logger.info({}, 'running the statement again on a new database connection');
      return this.#sendAgain(sql, parameters);
    }
  }

  /**
   * Sends a statement that is safe to repeat on another connection. The pool's idle connections died with the
   * one that failed (a server restart ends them all) but the pool may not have noticed yet: a connection that
   * turns out dead is passed over, at most one per connection the pool may hold. A write that may have been
   * applied on one of them is not sent again.
   */
  async #sendAgain(sql: string, parameters: readonly unknown[]): Promise<PoolResult> {
    for (let passedOver = 0; ; passedOver++) {
      await this.#reconnect();
      try {
        return await this.#send(sql, parameters);
      } catch (again) {
        if (!isConnectionError(again)) throw again;
        this.#markLost(again);
        const sent = !NOT_SENT.test((again as Error).message);
        if ((sent && !repeatable(sql)) || passedOver >= this.pool.options.max)
          throw lostError(sql, again, { inTransaction: false, sent });
      }
    }
  }

  #markLost(error: unknown): void {
    if (this.#lost === null) this.logger.warn(describeError(error), 'database connection lost');
    this.#lost ??= error;
  }

  release(): void {
    this.#discard();
  }

  #send(sql: string, parameters: readonly unknown[]): Promise<PoolResult> {
    return (this.#client as pg.PoolClient).query(sql, parameters as unknown[]) as Promise<PoolResult>;
  }

  /** Gives the client back to the pool, or has the pool close it when its connection died. */
  #discard(): void {
    const client = this.#client;
    if (!client) return;
    this.#client = null;
    client.removeListener('error', this.#onError);
    client.release(this.#lost === null ? undefined : (this.#lost as Error));
  }

  async #reconnect(): Promise<void> {
    this.#discard();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new DatabaseConnectionLostError(
        `database connection lost, and a new one could not be opened: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#lost = null;
    this.#client = client;
    client.on('error', this.#onError);
  }
}

function lostError(
  sql: string,
  cause: unknown,
  { inTransaction, sent }: { inTransaction: boolean; sent: boolean },
): DatabaseConnectionLostError {
  const outcome = !inTransaction
    ? repeatable(sql)
      ? 'on every connection tried'
      : 'while writing: the change may or may not have been saved'
    : sent && /^\s*commit\b/i.test(sql)
      ? 'while committing a transaction: it may or may not have been saved'
      : 'during a transaction: none of it was saved';
  return new DatabaseConnectionLostError(`database connection lost ${outcome}`, { cause });
}

/** The pool Kysely's PostgresDialect is given: connection drops are logged and recovered from where safe. */
export function reconnectingPool(pool: pg.Pool, logger: Logger): QueryPool {
  // An idle client whose connection drops is removed by the pool, which then emits 'error' on itself.
  pool.on('error', (error) => {
    logger.warn(describeError(error), 'idle database connection lost; a new one is opened when needed');
  });
  return {
    async connect() {
      return new ReconnectingClient(pool, await pool.connect(), logger);
    },
    end: () => pool.end(),
  };
}
