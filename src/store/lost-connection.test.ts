import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverUrl, testDatabases } from '../../test/support/databases.ts';
import { eventually, recordingLogger } from '../../test/support/recording-logger.ts';
import type { OpenDatabase } from './database.ts';
import { DatabaseConnectionLostError } from './reconnecting-pool.ts';

// The app's connections to the Postgres server are killed with pg_terminate_backend from a separate admin
// connection, found by the app's application_name. The process must live on, and a statement is run again only
// when that cannot apply it twice.

const server = (await testDatabases()).find((d) => d.name === 'postgres');
if (!server) throw new Error('testDatabases() lists no postgres entry');
const applicationName = `cs-lost-${randomBytes(4).toString('hex')}`;
const logger = recordingLogger();
let opened: OpenDatabase;
let admin: pg.Client;

/** Terminates the app's backends (only those waiting on a lock, when asked); how many there were. */
async function terminateAppConnections(only: 'all' | 'waiting on a lock' = 'all'): Promise<number> {
  const result = await admin.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = $1 and ($2 = 'all' or wait_event_type = 'Lock')`,
    [applicationName, only],
  );
  return result.rowCount ?? 0;
}

/** Makes the app's next statement on `probe` wait, so it can be killed while it runs. */
async function lockProbe(): Promise<void> {
  await admin.query('begin');
  await admin.query(`lock table ${await probeTable()} in access exclusive mode`);
}

async function waitingOnLock(): Promise<boolean> {
  const result = await admin.query(
    `select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`,
    [applicationName],
  );
  return (result.rowCount ?? 0) > 0;
}

async function probeTable(): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(opened.db);
  return `${rows[0]?.schema}.probe`;
}

async function probeValues(): Promise<number[]> {
  const { rows } = await sql<{ n: number }>`select n from probe order by n`.execute(opened.db);
  return rows.map((row) => row.n);
}

const logged = (message: string) => logger.entries.filter((entry) => entry.message === message);

describe.skipIf(server.skip)('a dropped connection to the Postgres server', () => {
  beforeAll(async () => {
    opened = await server.open({ applicationName, logger });
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await sql`create table probe (n int)`.execute(opened.db);
  });

  afterAll(async () => {
    await admin?.end();
    await opened?.close();
  });

  beforeEach(async () => {
    await sql`delete from probe`.execute(opened.db);
    logger.entries.length = 0;
  });

  it('is logged without the client and its settings, and the next SELECT succeeds', async () => {
    await sql`select 1`.execute(opened.db);
    expect(await terminateAppConnections()).toBeGreaterThan(0);
    // The pool notices on its own; an unhandled 'error' event would fail this test as an uncaught exception.
    await eventually(
      () => logged('idle database connection lost; a new one is opened when needed').length > 0,
      'the drop is logged',
    );
    const [entry] = logged('idle database connection lost; a new one is opened when needed');
    expect(entry?.fields).toEqual({
      code: '57P01',
      error: 'terminating connection due to administrator command',
    });
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(opened.db);
    expect(rows).toEqual([{ answer: 42 }]);
  });

  it('runs a SELECT sent right after a server-wide drop, before the pool noticed its idle connections died', async () => {
    // Several idle connections in the pool, all killed at once: the SELECT may meet more than one dead one.
    await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(opened.db)));
    expect(await terminateAppConnections()).toBeGreaterThanOrEqual(4);
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(opened.db);
    expect(rows).toEqual([{ answer: 42 }]);
  });

  it('runs a SELECT killed while it ran again on a new connection', async () => {
    await lockProbe();
    const reading = sql<{ count: number }>`select count(*)::int as count from probe`.execute(opened.db);
    await eventually(waitingOnLock, 'the SELECT waits on the lock');
    expect(await terminateAppConnections('waiting on a lock')).toBe(1);
    await admin.query('commit');
    expect((await reading).rows).toEqual([{ count: 0 }]);
    expect(logged('running the statement again on a new database connection')).toHaveLength(1);
  });

  it('fails a write killed while it ran with "connection lost", without running it again', async () => {
    await lockProbe();
    const writing = sql`insert into probe values (1)`.execute(opened.db);
    const failed = writing.catch((error: unknown) => error);
    await eventually(waitingOnLock, 'the INSERT waits on the lock');
    expect(await terminateAppConnections('waiting on a lock')).toBe(1);
    await admin.query('commit');
    const error = await failed;
    expect(error).toBeInstanceOf(DatabaseConnectionLostError);
    expect((error as Error).message).toBe(
      'database connection lost while writing: the change may or may not have been saved',
    );
    expect(await probeValues()).toEqual([]);
  });

  it('fails a transaction whose connection is killed mid-way with "connection lost"; the next statements work', async () => {
    const transaction = opened.db.transaction().execute(async (trx) => {
      await sql`insert into probe values (2)`.execute(trx);
      expect(await terminateAppConnections()).toBe(1);
      await sql`insert into probe values (3)`.execute(trx);
    });
    const error = await transaction.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DatabaseConnectionLostError);
    expect((error as Error).message).toBe(
      'database connection lost during a transaction: none of it was saved',
    );
    await sql`insert into probe values (4)`.execute(opened.db);
    expect(await probeValues()).toEqual([4]);
  });

  it("keeps a transaction's own error when its connection was lost before it rolled back", async () => {
    const transaction = opened.db.transaction().execute(async (trx) => {
      await sql`insert into probe values (6)`.execute(trx);
      expect(await terminateAppConnections()).toBe(1);
      await eventually(() => logged('database connection lost').length > 0, 'the connection notices');
      throw new Error('the run gave up');
    });
    await expect(transaction).rejects.toThrow('the run gave up');
    expect(await probeValues()).toEqual([]);
  });

  it('sends a statement on a held connection that died while idle on a new one instead (any statement)', async () => {
    await opened.db.connection().execute(async (connection) => {
      await sql`select 1`.execute(connection);
      expect(await terminateAppConnections()).toBe(1);
      await eventually(() => logged('database connection lost').length > 0, 'the held connection notices');
      await sql`insert into probe values (5)`.execute(connection);
    });
    expect(await probeValues()).toEqual([5]);
  });
});
