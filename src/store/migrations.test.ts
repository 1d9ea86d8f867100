import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';

// Migration numbers are handed out per branch, so a lower one can land after a higher one already ran.

describe('migrations', () => {
  it('a migration that lands after a higher-numbered one already ran is still run', async () => {
    const opened = await openDatabase({ dataDir: 'memory://' });
    try {
      const db = opened.db as unknown as Kysely<unknown>;
      // As a database looks that ran main's 0008 before 0005 existed.
      await sql`drop table change_events, privacy_deletions, suppressed_keys`.execute(db);
      await sql`delete from kysely_migration where name = '0005-change-events'`.execute(db);
      await migrateToLatest(db);
      const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      expect(names.rows.map((r) => r.name)).toContain('0005-change-events');
      await expect(sql`select count(*) from change_events`.execute(db)).resolves.toBeDefined();
    } finally {
      await opened.close();
    }
  });
});
