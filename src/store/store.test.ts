import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.ts';
import type { OpenDatabase } from './database.ts';
import { SecretBox } from './secrets.ts';
import { ALL_STATUSES, type NewAccount, RunInProgressError, STALE_AFTER_MS, Store } from './store.ts';

const SECRET = 'a-test-app-secret-that-is-long-enough-0123456789';
const databases = await testDatabases();

const portal = (externalId: string, accessToken = `token-${externalId}`): NewAccount => ({
  provider: 'hubspot',
  externalId,
  role: 'child',
  name: `Community ${externalId}`,
  country: 'US',
  tokens: { accessToken, refreshToken: `refresh-${externalId}`, expiresAt: 1_900_000_000_000 },
  details: { hubDomain: `c${externalId}.example.com` },
});

for (const database of databases) {
  describe.skipIf(database.skip !== null)(`the store on ${database.name}`, () => {
    let opened: OpenDatabase;
    let store: Store;
    beforeAll(async () => {
      opened = await database.open();
      store = new Store(opened, new SecretBox(SECRET));
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      await sql`truncate tenants, accounts, install_states, runs, audit, account_states, records, admins, admin_actions, webhook_receipts cascade`.execute(
        opened.db,
      );
    });

    it('creates tenants with validated settings (defaults filled in) and refuses bad ones', async () => {
      const tenant = await store.tenants.create('Sunrise Living', { mode: 'senior-living' });
      expect((await store.tenants.get(tenant.id))?.settings).toMatchObject({
        mode: 'senior-living',
        matchOn: 'email_or_phone',
        maxContactsPerKey: 5,
      });
      await expect(store.tenants.updateSettings(tenant.id, { matchOn: 'fax' })).rejects.toThrow(/matchOn/);
      expect((await store.tenants.get(tenant.id))?.settings.matchOn).toBe('email_or_phone');
    });

    it('connecting an account already in the tenant refreshes its tokens instead of adding it twice', async () => {
      const tenant = await store.tenants.create('T');
      const first = await store.accounts.save(tenant.id, portal('101'));
      const again = await store.accounts.save(tenant.id, portal('101', 'newer-token'));
      expect(again.id).toBe(first.id);
      const accounts = await store.accounts.list(tenant.id);
      expect(accounts).toHaveLength(1);
      expect(accounts[0]?.tokens.accessToken).toBe('newer-token');
      expect(accounts[0]).toMatchObject({ accountId: '101', provider: 'hubspot', status: 'connected' });
    });

    it('tokens are unreadable in the database, and without APP_SECRET', async () => {
      const tenant = await store.tenants.create('T');
      const account = await store.accounts.save(tenant.id, portal('101', 'very-secret-access-token'));
      const raw = await sql<{ tokens: string }>`select tokens from accounts`.execute(opened.db);
      expect(raw.rows[0]?.tokens).not.toContain('very-secret-access-token');
      expect(raw.rows[0]?.tokens).not.toContain('refresh-101');
      const otherSecret = new Store(opened, new SecretBox(`${SECRET}-but-another`));
      await expect(otherSecret.accounts.get(tenant.id, account.id)).rejects.toThrow();
    });

    it("one tenant can never read or change another's accounts", async () => {
      const a = await store.tenants.create('A');
      const b = await store.tenants.create('B');
      const account = await store.accounts.save(a.id, portal('101'));
      expect(await store.accounts.get(b.id, account.id)).toBeNull();
      await store.accounts.setStatus(b.id, account.id, 'needs-reconnect');
      await store.accounts.end(b.id, account.id, 'disconnected');
      expect((await store.accounts.get(a.id, account.id))?.status).toBe('connected');
      // The same portal may be connected by two tenants, each to its own row.
      const theirs = await store.accounts.save(b.id, portal('101'));
      expect(theirs.id).not.toBe(account.id);
    });

    it("finds the tenants a burst of webhooks' accounts concern in one lookup: connected ones, with sync on unless asked", async () => {
      const on = await store.tenants.create('On', { enabled: true });
      const off = await store.tenants.create('Off', { enabled: false });
      const elsewhere = await store.tenants.create('Elsewhere', { enabled: true });
      await store.accounts.save(on.id, portal('101'));
      await store.accounts.save(on.id, portal('102'));
      await store.accounts.save(off.id, portal('102'));
      const gone = await store.accounts.save(elsewhere.id, portal('103'));
      await store.accounts.end(elsewhere.id, gone.id, 'disconnected');
      const sorted = (ids: string[]) => [...ids].sort();
      expect(await store.accounts.tenantsToResync('hubspot', ['101', '102', '103', '999'])).toEqual([on.id]);
      expect(
        sorted(await store.accounts.tenantsToResync('hubspot', ['102'], { evenDisabled: true })),
      ).toEqual(sorted([on.id, off.id]));
      expect(await store.accounts.tenantsToResync('salesforce', ['101'])).toEqual([]);
      expect(await store.accounts.tenantsToResync('hubspot', [])).toEqual([]);
    });

    it('disconnecting keeps the account and its audit history, and wipes its tokens', async () => {
      const tenant = await store.tenants.create('T');
      const account = await store.accounts.save(tenant.id, portal('101'));
      const run = await store.runs.start(tenant.id, { dryRun: false, trigger: 'manual', owner: 'test' });
      await store.audit.intend(tenant.id, run, [
        { accountId: '101', recordId: '7', action: 'tag', before: [], after: ['x'], reason: 'because' },
      ]);
      await store.accounts.end(tenant.id, account.id, 'disconnected');
      expect(await store.accounts.list(tenant.id)).toEqual([]);
      const kept = await store.accounts.list(tenant.id, ALL_STATUSES);
      expect(kept[0]).toMatchObject({
        status: 'disconnected',
        tokens: { accessToken: '', refreshToken: null },
      });
      expect(await store.audit.list(tenant.id, run)).toHaveLength(1);
    });

    it('install states are single-use and expire', async () => {
      const tenant = await store.tenants.create('T');
      const now = new Date('2026-01-01T00:00:00Z');
      const id = await store.installStates.create(
        { tenantId: tenant.id, provider: 'hubspot', role: 'child' },
        600_000,
        now,
      );
      const later = new Date(now.getTime() + 60_000);
      expect(await store.installStates.consume(id, later)).toMatchObject({
        tenantId: tenant.id,
        role: 'child',
      });
      expect(await store.installStates.consume(id, later)).toBeNull();
      const expiring = await store.installStates.create(
        { tenantId: null, provider: 'hubspot', role: 'corporate' },
        600_000,
        now,
      );
      expect(await store.installStates.consume(expiring, new Date(now.getTime() + 600_001))).toBeNull();
      expect(await store.installStates.consume('no-such-state', later)).toBeNull();
    });

    it('one run per tenant at a time; a run left running by a dead process is failed at start', async () => {
      const a = await store.tenants.create('A');
      const b = await store.tenants.create('B');
      const run = await store.runs.start(a.id, { dryRun: false, trigger: 'schedule', owner: 'test' });
      await expect(
        store.runs.start(a.id, { dryRun: true, trigger: 'manual', owner: 'test' }),
      ).rejects.toBeInstanceOf(RunInProgressError);
      await store.runs.start(b.id, { dryRun: false, trigger: 'manual', owner: 'test' });
      expect(await store.runs.failAbandoned({ staleAfterMs: 0 })).toBe(2);
      const next = await store.runs.start(a.id, { dryRun: false, trigger: 'manual', owner: 'test' });
      await store.runs.finish(a.id, next, {
        status: 'succeeded',
        changes: 3,
        shared: 1,
        calls: {},
        warnings: [],
        errors: [],
      });
      const runs = await store.runs.list(a.id);
      expect(runs.map((r) => [r.id, r.status, r.changes])).toEqual([
        [next, 'succeeded', 3],
        [run, 'failed', 0],
      ]);
    });

    it('a live run of another process is never failed; one whose owner stopped beating is, and the tenant runs again', async () => {
      const tenant = await store.tenants.create('T');
      const live = await store.runs.start(tenant.id, {
        dryRun: false,
        trigger: 'schedule',
        owner: 'process-a',
      });
      // Another process starting up leaves the live run alone, and cannot start its own beside it.
      expect(await store.runs.failAbandoned({ staleAfterMs: STALE_AFTER_MS })).toBe(0);
      await expect(
        store.runs.start(tenant.id, { dryRun: false, trigger: 'webhook', owner: 'process-b' }),
      ).rejects.toBeInstanceOf(RunInProgressError);
      await store.runs.heartbeat(tenant.id, live);
      expect((await store.runs.get(tenant.id, live))?.status).toBe('running');

      // Process A dies: its heartbeat stops, and the next start fails that run first.
      await sql`update runs set heartbeat_at = now() - interval '5 minutes' where id = ${live}`.execute(
        opened.db,
      );
      const next = await store.runs.start(tenant.id, {
        dryRun: false,
        trigger: 'webhook',
        owner: 'process-b',
      });
      expect(await store.runs.get(tenant.id, live)).toMatchObject({
        status: 'failed',
        errors: [{ message: 'the process running it stopped during the run' }],
      });
      expect((await store.runs.get(tenant.id, next))?.status).toBe('running');
    });

    it('expired install states are purged', async () => {
      const tenant = await store.tenants.create('T');
      const now = new Date('2026-01-01T00:00:00Z');
      const old = await store.installStates.create(
        { tenantId: tenant.id, provider: 'hubspot', role: 'child' },
        1_000,
        now,
      );
      const later = new Date(now.getTime() + 5_000);
      await store.installStates.create(
        { tenantId: tenant.id, provider: 'hubspot', role: 'child' },
        600_000,
        later,
      );
      const rows = await sql<{ id: string }>`select id from install_states`.execute(opened.db);
      expect(rows.rows.map((r) => r.id)).not.toContain(old);
      expect(rows.rows).toHaveLength(1);
      expect(await store.installStates.purgeExpired(new Date(later.getTime() + 600_000))).toBe(1);
    });

    it('one tenant per corporate account: the database refuses a second', async () => {
      const first = await store.tenants.forCorporateAccount('Sunrise', {
        provider: 'hubspot',
        accountId: '42',
      });
      const again = await store.tenants.forCorporateAccount('Sunrise', {
        provider: 'hubspot',
        accountId: '42',
      });
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, tenant: { id: first.tenant.id } });
      await expect(
        sql`insert into tenants (id, name, settings, hash_key, corporate_provider, corporate_account_id)
            values ('x', 'dup', '{}', 'k', 'hubspot', '42')`.execute(opened.db),
      ).rejects.toMatchObject({ code: '23505', constraint: 'tenants_corporate_account' });
    });

    it('keyed hashes match within a tenant and differ between tenants', async () => {
      const a = await store.tenants.create('A');
      const b = await store.tenants.create('B');
      const hashA = await store.tenants.hasher(a.id);
      const hashB = await store.tenants.hasher(b.id);
      expect(hashA('bob@example.com')).toBe((await store.tenants.hasher(a.id))('bob@example.com'));
      expect(hashA('bob@example.com')).not.toBe(hashB('bob@example.com'));
      // A keyed hash (base64url), never the address: '@' cannot appear in one, where 'bob' may by chance.
      expect(hashA('bob@example.com')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });
}
