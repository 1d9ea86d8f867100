import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.ts';
import type { OpenDatabase } from './database.ts';
import { SecretBox } from './secrets.ts';
import { type NewRunPerson, PEOPLE_RUNS_KEPT, Store } from './store.ts';

const SECRET = 'a-test-app-secret-that-is-long-enough-0123456789';
const databases = await testDatabases();

const person = (sharedId: string, name: string, extra: Partial<NewRunPerson> = {}): NewRunPerson => ({
  sharedId,
  name,
  primaryAccountId: 'north',
  reason: 'created',
  explanation: `${name}: North had them first`,
  members: [
    { accountId: 'north', recordId: `n-${sharedId}`, name, createdAt: '2024-01-01T00:00:00.000Z' },
    { accountId: 'south', recordId: `s-${sharedId}`, name, createdAt: '2024-02-01T00:00:00.000Z' },
  ],
  firstAccountId: 'north',
  firstCreatedAt: new Date('2024-01-01T00:00:00.000Z'),
  tags: ['primary-shared-contact', 'secondary-shared-contact'],
  keyHashes: [`h:email-${sharedId}`],
  ...extra,
});

const query = { sort: 'name', dir: 'asc', limit: 50, offset: 0 } as const;

for (const database of databases) {
  describe.skipIf(database.skip !== null)(`run people on ${database.name}`, () => {
    let opened: OpenDatabase;
    let store: Store;
    let tenantId: string;
    const startRun = (dryRun = false) =>
      store.runs.start(tenantId, { dryRun, trigger: 'test', owner: 'test' }).then(async (id) => {
        await store.runs.finish(tenantId, id, {
          status: 'succeeded',
          changes: 0,
          shared: 0,
          calls: {},
          warnings: [],
          errors: [],
        });
        return id;
      });
    beforeAll(async () => {
      opened = await database.open();
      store = new Store(opened, new SecretBox(SECRET));
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      await sql`truncate tenants, accounts, runs, audit, run_people cascade`.execute(opened.db);
      tenantId = (await store.tenants.create('T')).id;
    });

    it('finds people by name substring (any case, % and _ literal) or by a key hash, per tenant and run', async () => {
      const runId = await startRun();
      await store.people.save(tenantId, runId, [
        person('a', 'Bob Smith'),
        person('b', 'Alice Bobbins', { keyHashes: ['h:phone-1'] }),
        person('c', 'Carol 100%_sure'),
      ]);
      const other = (await store.tenants.create('Other')).id;
      const names = async (
        q: Partial<typeof query> & { name?: string; keyHashes?: string[] },
        t = tenantId,
      ) => (await store.people.list(t, runId, { ...query, ...q })).people.map((p) => p.name);
      expect(await names({ name: 'BOB' })).toEqual(['Alice Bobbins', 'Bob Smith']);
      expect(await names({ name: '%_' })).toEqual(['Carol 100%_sure']);
      expect(await names({ name: 'b%b' })).toEqual([]);
      expect(await names({ keyHashes: ['h:phone-1'] })).toEqual(['Alice Bobbins']);
      expect(await names({ keyHashes: ['h:phone'] })).toEqual([]);
      expect(await names({ name: 'bob' }, other)).toEqual([]);
      const [bob] = (await store.people.list(tenantId, runId, { ...query, name: 'smith' })).people;
      expect(bob).toMatchObject({
        sharedId: 'a',
        firstAccountId: 'north',
        members: [{ accountId: 'north', recordId: 'n-a' }, { accountId: 'south' }],
      });
      expect(bob?.firstCreatedAt?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
      expect(await store.people.perAccount(tenantId, runId)).toEqual(
        new Map([
          ['north', 3],
          ['south', 3],
        ]),
      );
    });

    it('sorts by communities and first creation either way, ties by name', async () => {
      const runId = await startRun();
      const three = person('x', 'Zed').members.concat({
        accountId: 'west',
        recordId: 'w',
        name: 'Zed',
        createdAt: null,
      });
      await store.people.save(tenantId, runId, [
        person('x', 'Zed', { members: three, firstCreatedAt: new Date('2020-01-01T00:00:00Z') }),
        person('y', 'Amy', { firstCreatedAt: null }),
        person('z', 'Bea'),
      ]);
      const order = async (sort: 'communities' | 'firstCreated', dir: 'asc' | 'desc') =>
        (await store.people.list(tenantId, runId, { ...query, sort, dir })).people.map((p) => p.name);
      expect(await order('communities', 'desc')).toEqual(['Zed', 'Bea', 'Amy']);
      expect(await order('firstCreated', 'asc')).toEqual(['Zed', 'Bea', 'Amy']);
      expect(await order('firstCreated', 'desc')).toEqual(['Bea', 'Zed', 'Amy']);
    });

    it(`keeps the people of the newest ${PEOPLE_RUNS_KEPT} runs and of the latest real run`, async () => {
      const real = await startRun(false);
      await store.people.save(tenantId, real, [person('a', 'Bob')]);
      const older = await startRun(true);
      await store.people.save(tenantId, older, [person('a', 'Bob')]);
      for (let i = 0; i < PEOPLE_RUNS_KEPT; i++) {
        await store.people.save(tenantId, await startRun(true), [person('a', 'Bob')]);
      }
      expect(await store.people.has(tenantId, real)).toBe(true);
      expect(await store.people.has(tenantId, older)).toBe(false);
    });

    it('continues the latest real run: replaced people swapped, older runs still read their own, previews apart', async () => {
      const names = async (runId: number) =>
        (await store.people.list(tenantId, runId, query)).people.map((p) => p.name);
      const full = await startRun(false);
      await store.people.save(tenantId, full, [person('a', 'Amy'), person('b', 'Bea'), person('c', 'Cy')]);
      const preview = await startRun(true);
      await store.people.save(tenantId, preview, [person('z', 'Zed')]);
      const first = await startRun(false);
      expect(await store.people.head(tenantId, first)).toBe(full);
      // Bea's record changed (she is re-planned as Bee); Cy is no longer shared; Dee is new.
      expect(
        await store.people.continueFrom(
          tenantId,
          full,
          first,
          ['c'],
          [person('b', 'Bee'), person('d', 'Dee')],
        ),
      ).toBe(3);
      const second = await startRun(false);
      expect(await store.people.head(tenantId, second)).toBe(first);
      expect(await store.people.continueFrom(tenantId, first, second, ['a'], [])).toBe(2);

      expect(await names(full)).toEqual(['Amy', 'Bea', 'Cy']);
      expect(await names(preview)).toEqual(['Zed']);
      expect(await names(first)).toEqual(['Amy', 'Bee', 'Dee']);
      expect(await names(second)).toEqual(['Bee', 'Dee']);
      expect(
        (await store.people.withKeys(tenantId, first, ['h:email-c', 'h:email-d'])).map((p) => p.sharedId),
      ).toEqual(['d']);
      expect(await store.people.perAccount(tenantId, second)).toEqual(
        new Map([
          ['north', 2],
          ['south', 2],
        ]),
      );

      // Once the full run and the first resync fall out of the kept runs, the rows only they read are dropped.
      for (let i = 0; i < PEOPLE_RUNS_KEPT - 1; i++)
        await store.people.save(tenantId, await startRun(true), []);
      expect(await store.people.has(tenantId, full)).toBe(false);
      expect(await store.people.has(tenantId, first)).toBe(false);
      expect(await names(second)).toEqual(['Bee', 'Dee']);
      const rows = await opened.db
        .selectFrom('run_people')
        .select('name')
        .where('tenant_id', '=', tenantId)
        .where('base_run_id', '=', full)
        .orderBy('name')
        .execute();
      expect(rows.map((r) => r.name)).toEqual(['Bee', 'Dee']);
    });

    it('stores 100,000 people in batches and pages deep into them', async () => {
      const runId = await startRun();
      const name = (i: number) => `Person ${String(i).padStart(6, '0')}`;
      const people = Array.from({ length: 100_000 }, (_, i) =>
        person(`s${i}`, name(i), { keyHashes: [`h:e${i}`, `h:p${i}`] }),
      );
      await store.people.save(tenantId, runId, people);
      const page = await store.people.list(tenantId, runId, { ...query, limit: 100, offset: 99_900 });
      expect(page.total).toBe(100_000);
      expect(page.people.map((p) => p.name)).toEqual(Array.from({ length: 100 }, (_, i) => name(99_900 + i)));
      const found = await store.people.list(tenantId, runId, { ...query, keyHashes: ['h:p54321'] });
      expect(found.people.map((p) => p.sharedId)).toEqual(['s54321']);
    }, 120_000);
  });
}
