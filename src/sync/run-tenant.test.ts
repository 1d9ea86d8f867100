import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector.ts';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import type { SnapshotInput } from '../core/index.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { Store } from '../store/store.ts';
import { runTenant } from './run-tenant.ts';

const PRIMARY = 'primary-shared-contact';
const SECONDARY = 'secondary-shared-contact';

const demo = (): SnapshotInput => ({
  children: [
    account('north', [
      person('n1', {
        emails: ['bob@example.com'],
        createdAt: '2020-01-01T00:00:00Z',
        properties: { firstname: 'Bob' },
      }),
      person('n2', { emails: ['carol@example.com'], phones: ['(212) 555-0100'] }),
    ]),
    account('south', [person('s1', { emails: ['BOB@example.com'] })]),
    account('east', [person('e1', { phones: ['+1 212 555 0100'] })]),
  ],
  corporate: { id: 'corp', name: 'HQ', contacts: [] },
});

let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('another-test-secret-long-enough-0123456789abc'));
});
afterAll(async () => {
  await opened.close();
});

async function tenantFor(provider: MemoryProvider, settings: object = { copyToCorporate: true }) {
  const tenant = await store.tenants.create('Demo', settings);
  await provider.connectAll(store, tenant.id);
  return tenant.id;
}

const tagsOf = (provider: MemoryProvider, accountId: string, contactId: string) =>
  provider.accounts.get(accountId)?.contacts.find((c) => c.id === contactId)?.tags;

describe('a tenant run', () => {
  it('writes the plan, records the run and an audit entry per change, and stores state without emails or phones', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const { runId, status, report } = await runTenant(store, () => provider.connector(), tenantId);
    expect(status).toBe('succeeded');
    expect(report.plan.shared).toHaveLength(2);
    expect(tagsOf(provider, 'north', 'n1')).toContain(PRIMARY);

    const audit = await store.audit.list(tenantId, runId);
    expect(audit).toHaveLength(report.written);
    expect(audit.find((e) => e.recordId === 'n1')?.reason).toBe(
      report.plan.shared.find((s) => s.members.some((m) => m.contactId === 'n1'))?.explanation,
    );
    expect(audit.filter((e) => e.action === 'create-copy').map((e) => e.recordId)).toEqual([
      'copy-1',
      'copy-2',
    ]);
    const [run] = await store.runs.list(tenantId);
    expect(run).toMatchObject({ id: runId, status: 'succeeded', changes: report.written, shared: 2 });

    const rows = await sql<{ row: string }>`select row_to_json(r)::text as row from records r`.execute(
      opened.db,
    );
    const dump = rows.rows.map((r) => r.row).join('\n');
    expect(dump).toContain('Bob');
    expect(dump).not.toMatch(/bob@|carol@|555/i);
  });

  it('a dry run writes nothing and records no change as sent (only planned ones)', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const { runId, report } = await runTenant(store, () => provider.connector(), tenantId, { dryRun: true });
    expect(report.plan.children.length).toBeGreaterThan(0);
    expect(provider.writes).toBe(0);
    expect((await store.audit.list(tenantId, runId)).filter((e) => e.status !== 'planned')).toEqual([]);
  });

  it('2.7: an unreadable account is planned from its stored state (hashed keys) and not written to', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    await runTenant(store, () => provider.connector(), tenantId);
    // South gets a new contact, North goes down; Bob must stay shared and South's new tag must be planned.
    provider.accounts.get('south')?.contacts.push({
      id: 's2',
      emails: ['carol@example.com'],
      phones: [],
      createdAt: '2024-01-01T00:00:00Z',
      conversions: 0,
      firstConversionAt: null,
      properties: {},
      tags: [],
    });
    provider.unreadable.add('north');
    const writes = provider.writes;
    const { status, report } = await runTenant(store, () => provider.connector(), tenantId);
    expect(status).toBe('partial');
    expect(report.staleAccounts).toEqual(['north']);
    expect(report.plan.shared).toHaveLength(2);
    expect(tagsOf(provider, 'south', 's1')).toEqual([SECONDARY]);
    expect(tagsOf(provider, 'south', 's2')).toEqual([SECONDARY]);
    expect(report.applied.children.every((c) => c.accountId !== 'north')).toBe(true);
    expect(provider.writes).toBeGreaterThan(writes);
  });

  it('an account whose token is revoked is marked "needs reconnect" and the others still run', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const revoking = provider.connectorWith((session, connection) =>
      connection.accountId !== 'east'
        ? session
        : {
            ...session,
            pullChild: () =>
              Promise.reject(new ConnectorError('auth-revoked', 'east', 'refresh token', 'revoked')),
          },
    );
    const { report } = await runTenant(store, () => revoking, tenantId);
    expect(report.accountErrors.map((e) => e.kind)).toEqual(['auth-revoked']);
    expect(tagsOf(provider, 'north', 'n1')).toContain(PRIMARY);
    const accounts = await store.accounts.list(tenantId);
    expect(accounts.find((a) => a.accountId === 'east')?.status).toBe('needs-reconnect');
    // Next run does not even try it.
    const next = await runTenant(store, () => provider.connector(), tenantId);
    expect(next.report.calls.east?.byKind.read).toBe(0);
  });

  it('a refused refresh marks the account "needs reconnect" at once, while the run goes on', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const statusOfEast = async () =>
      (await store.accounts.list(tenantId)).find((a) => a.accountId === 'east')?.status;
    let seenDuringRun: string | undefined;
    const refusing = provider.connectorWith((session, connection, hooks) => {
      if (connection.accountId === 'east') {
        return {
          ...session,
          pullChild: async () => {
            const error = new ConnectorError('auth-revoked', 'east', 'refresh tokens', 'invalid_grant');
            await hooks.onAuthRevoked?.(error);
            throw error;
          },
        };
      }
      if (connection.accountId !== 'south') return session;
      // South is written after every pull ended: by then the admin page must already say so.
      return {
        ...session,
        applyTagChanges: async (changes) => {
          seenDuringRun = await statusOfEast();
          return session.applyTagChanges(changes);
        },
      };
    });
    const { report } = await runTenant(store, () => refusing, tenantId);
    expect(report.applied.children.some((c) => c.accountId === 'south')).toBe(true);
    expect(seenDuringRun).toBe('needs-reconnect');
  });

  it('a refreshed token is stored for its own account', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const refreshing = provider.connectorWith((session, connection, hooks) => ({
      ...session,
      pullChild: async () => {
        await hooks.onTokens?.({
          accessToken: `new-${connection.accountId}`,
          refreshToken: 'r',
          expiresAt: null,
        });
        return session.pullChild();
      },
    }));
    await runTenant(store, () => refreshing, tenantId);
    const stored = await store.accounts.list(tenantId);
    expect(stored.find((a) => a.accountId === 'north')?.tokens.accessToken).toBe('new-north');
    expect(stored.find((a) => a.accountId === 'east')?.tokens.accessToken).toBe('new-east');
  });

  it('a run that dies while applying is safe to run again: same final state, no duplicate copies', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    let dying = true;
    const crashing = provider.connectorWith((session) => ({
      ...session,
      applyCorporate: async (actions, plan) => {
        await session.applyCorporate(actions.slice(0, 1), plan);
        if (dying) throw new Error('process killed');
        return session.applyCorporate(actions.slice(1), plan);
      },
    }));
    const first = await runTenant(store, () => crashing, tenantId);
    expect(first.status).toBe('partial');
    dying = false;
    await runTenant(store, () => provider.connector(), tenantId);
    const final = await runTenant(store, () => provider.connector(), tenantId, { dryRun: true });
    expect(final.report.plan.children).toEqual([]);
    expect(final.report.plan.corporate).toEqual([]);
    expect(provider.accounts.get('corp')?.contacts).toHaveLength(2);
  });
});

describe("a run's people", () => {
  const query = { sort: 'name', dir: 'asc', limit: 50, offset: 0 } as const;

  it('stores each shared person with names, the community that had them first, and keyed hashes of their keys', async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const { runId } = await runTenant(store, () => provider.connector(), tenantId);
    const { total, people } = await store.people.list(tenantId, runId, query);
    expect(total).toBe(2);
    const bob = people.find((p) => p.name === 'Bob');
    expect(bob).toMatchObject({ primaryAccountId: 'north', reason: 'created', firstAccountId: 'north' });
    expect(bob?.firstCreatedAt?.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(bob?.members.map((m) => [m.accountId, m.recordId, m.name])).toEqual([
      ['north', 'n1', 'Bob'],
      ['south', 's1', 'record s1'],
    ]);
    // Created at the same instant: the account connected first (the tenant's order: north, south, east) had them.
    const carol = people.find((p) => p.sharedId !== bob?.sharedId);
    expect(carol).toMatchObject({ firstAccountId: 'north', primaryAccountId: 'north' });
    expect(carol?.tags).toEqual([PRIMARY, SECONDARY]);

    const hash = await store.tenants.hasher(tenantId);
    const find = async (key: string) =>
      (await store.people.list(tenantId, runId, { ...query, keyHashes: [`h:${hash(key)}`] })).people.map(
        (p) => p.sharedId,
      );
    expect(await find('bob@example.com')).toEqual([bob?.sharedId]);
    expect(await find('+12125550100')).toEqual([carol?.sharedId]);
    const audit = await store.audit.list(tenantId, runId);
    expect(audit.find((e) => e.recordId === 'n1')).toMatchObject({ name: 'Bob', sharedId: bob?.sharedId });
  });

  it("stores a preview's changes as planned audit entries (naming each person) and writes nothing", async () => {
    const provider = new MemoryProvider(demo());
    const tenantId = await tenantFor(provider);
    const { runId, report } = await runTenant(store, () => provider.connector(), tenantId, { dryRun: true });
    expect(provider.writes).toBe(0);
    const audit = await store.audit.list(tenantId, runId);
    expect(audit).toHaveLength(report.plan.children.length + report.plan.corporate.length);
    expect(new Set(audit.map((e) => e.status))).toEqual(new Set(['planned']));
    expect(audit.find((e) => e.recordId === 'n1')).toMatchObject({ action: 'tag', name: 'Bob' });
    expect(audit.filter((e) => e.action === 'create-copy').map((e) => [e.accountId, e.name])).toContainEqual([
      'corp',
      'Bob',
    ]);
    expect((await store.people.list(tenantId, runId, query)).total).toBe(2);
  });
});
