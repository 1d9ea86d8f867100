import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
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
}

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** What Kysely's Postgres driver needs of a result. */
interface PoolResult {
  command: string;
  rowCount: number;
  rows: unknown[];
}

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
        async query(sql: string, parameters: readonly unknown[]): Promise<PoolResult> {
          const result = await lite.query(sql, parameters as unknown[]);
          const command = (/^\s*(\w+)/.exec(sql)?.[1] ?? '').toUpperCase();
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

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  let db: Kysely<Database>;
  let kind: OpenDatabase['kind'];
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
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
  } else {
    if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
    const lite = await PGlite.create(options.dataDir);
    // biome-ignore lint/suspicious/noExplicitAny: the adapter implements the part of pg.Pool the driver uses
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pgliteAsPool(lite) as any }) });
    kind = 'pglite';
  }
  await migrateToLatest(db as unknown as Kysely<unknown>);
  return { db, kind, close: () => db.destroy() };
}
