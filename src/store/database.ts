import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type Dialect, Kysely, PostgresDialect, type PostgresPool, sql } from 'kysely';
import pg from 'pg';
import { type Logger, silentLogger } from '../../connectors/connector.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { migrateToLatest } from './migrations.ts';
import { type PoolResult, reconnectingPool } from './reconnecting-pool.ts';
import type { Database } from './schema.ts';

// One query layer (Kysely) over either a Postgres server (DATABASE_URL) or embedded PGlite (files under
// DATA_DIR). Both speak the same SQL; the same tests run against both.

export interface DatabaseOptions {
  /** A Postgres server; when absent, embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  dataDir: string;
  /** A Postgres schema to work in (created when missing), so tests can share one server database. */
  schema?: string;
  /** How the server lists this app's connections (`pg_stat_activity.application_name`). */
  applicationName?: string;
  /** Where lost connections and a taken-over DATA_DIR lock are reported. */
  logger?: Logger;
}

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Resolves when the database answers a query; throws `DatabaseUnreachableError` saying why when not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The database did not answer (for `/healthz`). */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
}

const CHECK_TIMEOUT_MS = 5_000;
/** Connections a Postgres pool opens at start and keeps (of its 10): two for webhook deliveries, two for the rest. */
const WARM_CONNECTIONS = 4;

/**
 * PGlite as the pool Kysely's Postgres driver expects. PGlite is one connection, so a checked-out client holds
 * it exclusively until released: a transaction never interleaves with another caller's queries.
 */
function pgliteAsPool(lite: PGlite) {
  let queue: Promise<void> = Promise.resolve();
  return {
    async connect() {
      let release!: () => void;
      const previous = queue;
      queue = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      return {
        async query(text: string, parameters: readonly unknown[]): Promise<PoolResult> {
          const result = await lite.query(text, parameters as unknown[]);
          const command = (/^\s*(\w+)/.exec(text)?.[1] ?? '').toUpperCase();
          return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
        },
        release,
      };
    },
    async end() {
      await queue;
      await lite.close();
    },
  };
}

/**
 * Kysely's migrator looks for its own tables in every schema: with databases sharing one server database in
 * separate schemas (tests), one would find another's and skip creating its own.
 */
function scopedToSchema(dialect: PostgresDialect, schema: string): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector(db) {
      const introspector = dialect.createIntrospector(db);
      const getTables: typeof introspector.getTables = async (options) =>
        (await introspector.getTables(options)).filter((table) => table.schema === schema);
      return {
        getSchemas: () => introspector.getSchemas(),
        getTables,
        getMetadata: async (options) => ({ tables: await getTables(options) }),
      };
    },
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  const logger = options.logger ?? silentLogger;
  let db: Kysely<Database>;
  let kind: OpenDatabase['kind'];
  let lock: DataDirLock | null = null;
  if (options.databaseUrl) {
    const { schema } = options;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new Error(`bad schema name ${schema}`);
    if (schema) {
      const admin = new pg.Client({ connectionString: options.databaseUrl });
      await admin.connect();
      await admin.query(`create schema if not exists ${schema}`).finally(() => admin.end());
    }
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      // Connections stay open however quiet it gets, opened at start: a burst of webhooks finds them ready rather
      // than waiting for new server processes (100 ms and more each on two busy cores) before it is acknowledged.
      min: WARM_CONNECTIONS,
      application_name: options.applicationName ?? 'community-sync',
      // A server that does not answer fails the statement (and /healthz) instead of hanging it.
      connectionTimeoutMillis: 10_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const warm = await Promise.all(Array.from({ length: WARM_CONNECTIONS }, () => pool.connect()));
    for (const client of warm) client.release();
    // The pool, not a Kysely plugin, is wrapped: only there are connections, their transactions and errors seen.
    const dialect = new PostgresDialect({ pool: reconnectingPool(pool, logger) as unknown as PostgresPool });
    db = new Kysely<Database>({ dialect: schema ? scopedToSchema(dialect, schema) : dialect });
    kind = 'postgres';
  } else {
    if (!options.dataDir.startsWith('memory://')) {
      mkdirSync(options.dataDir, { recursive: true });
      lock = lockDataDir(options.dataDir, logger);
    }
    try {
      const lite = await PGlite.create(options.dataDir);
      // biome-ignore lint/suspicious/noExplicitAny: the adapter implements the part of pg.Pool the driver uses
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pgliteAsPool(lite) as any }) });
    } catch (error) {
      lock?.release();
      throw error;
    }
    kind = 'pglite';
  }
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      lock?.release();
    }
  };
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
  } catch (error) {
    await close();
    throw error;
  }
  return { db, kind, check: () => check(db), close };
}

async function check(db: Kysely<Database>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnreachableError(`the database did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
  } catch (error) {
    if (error instanceof DatabaseUnreachableError) throw error;
    throw new DatabaseUnreachableError(`the database is not reachable: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
