import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';

// The store's tests run on embedded PGlite and on a Postgres server. On CI (CI=true) the server must be there;
// locally its tests are skipped, with the reason printed, when it is not.

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function serverReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** Why this database's tests are skipped; null when they run. */
  skip: string | null;
  /** A fresh, empty, migrated database (a new schema on the server). */
  open(): Promise<OpenDatabase>;
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const problem = await serverReachable();
  if (problem && process.env.CI === 'true') {
    throw new Error(`CI needs the Postgres server at ${url} for the store tests: ${problem}`);
  }
  if (problem) console.warn(`skipping Postgres-server store tests: ${url} is not reachable (${problem})`);
  return [
    { name: 'pglite', skip: null, open: () => openDatabase({ dataDir: 'memory://' }) },
    {
      name: 'postgres',
      skip: problem,
      open: async () => {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        const opened = await openDatabase({ databaseUrl: url, dataDir: '', schema });
        return {
          ...opened,
          close: async () => {
            await opened.close();
            const admin = new pg.Client({ connectionString: url });
            await admin.connect();
            await admin.query(`drop schema ${schema} cascade`).finally(() => admin.end());
          },
        };
      },
    },
  ];
}
