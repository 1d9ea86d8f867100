import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type DatabaseOptions, type OpenDatabase, openDatabase } from '../../src/store/database.ts';

// The store's tests run on embedded PGlite and on a Postgres server. On CI (CI=true) the server must be there;
// locally its tests are skipped, with the reason printed, when it is not.

export const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function serverReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 2_000 });
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

type ServerOptions = Pick<DatabaseOptions, 'applicationName' | 'logger'> & { url?: string };

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** Why this database's tests are skipped; null when they run. */
  skip: string | null;
  /** A fresh, empty, migrated database (a new schema on the server, reached at `url` when given). */
  open(options?: ServerOptions): Promise<OpenDatabase>;
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const problem = await serverReachable();
  if (problem && process.env.CI === 'true') {
    throw new Error(`CI needs the Postgres server at ${serverUrl} for the store tests: ${problem}`);
  }
  if (problem)
    console.warn(`skipping Postgres-server store tests: ${serverUrl} is not reachable (${problem})`);
  return [
    { name: 'pglite', skip: null, open: () => openDatabase({ dataDir: 'memory://' }) },
    {
      name: 'postgres',
      skip: problem,
      open: async ({ url: through = serverUrl, ...options }: ServerOptions = {}) => {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        const opened = await openDatabase({ databaseUrl: through, dataDir: '', schema, ...options });
        return {
          ...opened,
          close: async () => {
            await opened.close();
            const admin = new pg.Client({ connectionString: serverUrl });
            await admin.connect();
            await admin.query(`drop schema ${schema} cascade`).finally(() => admin.end());
          },
        };
      },
    },
  ];
}
