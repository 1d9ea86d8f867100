import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Contact } from '../src/core/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { noChanges } from '../src/sync/changes.ts';
import { hashedKey } from '../src/sync/hashed-state.ts';
import { targetedResync } from '../src/sync/targeted-resync.ts';
import { MemoryProvider } from '../test/support/memory-connector.ts';

// npx tsx bench/targeted-resync.ts (ACCOUNTS=50 PER=20000 by default; the local Postgres server at 127.0.0.1)
// A tenant's stored state seeded as a completed run leaves it (keyed hashes only), then 20 targeted resyncs of a new
// contact matching one in another account, through the memory provider: the store's share of a resync. The last
// stdout line is one JSON object of figures (ms).

const ACCOUNTS = Number(process.env.ACCOUNTS ?? 50);
const PER = Number(process.env.PER ?? 20_000);
const url = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_${randomBytes(4).toString('hex')}`;
const opened = await openDatabase({ databaseUrl: url, dataDir: '', schema });
const store = new Store(opened, new SecretBox('bench-secret-long-enough-0123456789abcdefgh'));
try {
  const tenant = await store.tenants.create('Bench', { copyToCorporate: false, matchOn: 'email_or_phone' });
  const hash = await store.tenants.hasher(tenant.id);
  const provider = new MemoryProvider({ children: [] });
  const t0 = performance.now();
  for (let a = 0; a < ACCOUNTS; a++) {
    const id = String(1000 + a);
    provider.accounts.set(id, { id, name: `C${a}`, country: 'US', pipelines: [], contacts: [], deals: [] });
    const contacts: Contact[] = Array.from({ length: PER }, (_, i) => {
      // One person in ten is also in the next account.
      const person = i % 10 === 0 ? a * PER + i - PER : a * PER + i;
      return {
        id: String(i + 1),
        emails: [],
        phones: [],
        createdAt: '2024-01-01T00:00:00.000Z',
        conversions: 0,
        firstConversionAt: null,
        properties: { firstname: `P${person}` },
        tags: [],
        keys: {
          emails: [hashedKey(`p${person}@example.com`, hash)],
          phones: [hashedKey(`+1212${String(person).padStart(7, '0')}`, hash)],
        },
      };
    });
    await store.accountStates.save(tenant.id, { id, pipelines: [], deals: [], contacts }, (c) =>
      String(c.properties.firstname),
    );
  }
  await provider.connectAll(store, tenant.id, 'none');
  // As autovacuum does after a full run's inserts: the planner then picks the GIN indexes.
  await sql`analyze records`.execute(opened.db);
  await sql`analyze deals`.execute(opened.db);
  console.error(`seeded ${ACCOUNTS * PER} records in ${Math.round(performance.now() - t0)} ms`);
  const times: number[] = [];
  for (let n = 0; n < 20; n++) {
    // A new contact in account 0 whose email matches record 5 of account n+1 (person (n+1)*PER + 4).
    const target = String(1001 + (n % (ACCOUNTS - 1)));
    const person = (Number(target) - 1000) * PER + 4;
    const matched = {
      id: '5',
      emails: [`p${person}@example.com`],
      phones: [],
      createdAt: '2024-01-01T00:00:00.000Z',
      conversions: 0,
      firstConversionAt: null,
      properties: {},
      tags: [],
    };
    const account = provider.accounts.get(target);
    if (account && !account.contacts.some((c) => c.id === '5')) account.contacts.push(matched);
    const fresh = { ...matched, id: `new${n}`, createdAt: '2024-06-01T00:00:00.000Z' };
    provider.accounts.get('1000')?.contacts.push(fresh);
    const start = performance.now();
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId: tenant.id,
      changes: [{ ...noChanges('1000'), contacts: [fresh.id] }],
      trigger: 'webhook',
    });
    times.push(performance.now() - start);
    if (n === 0) console.error(JSON.stringify(result));
  }
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      records: ACCOUNTS * PER,
      p50: Math.round(times[10] ?? 0),
      p95: Math.round(times[18] ?? 0),
      max: Math.round(times[19] ?? 0),
    }),
  );
} finally {
  await opened.close();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  if (process.env.KEEP) {
    console.error('kept', schema);
    await admin.end();
  } else await admin.query(`drop schema ${schema} cascade`).finally(() => admin.end());
}
