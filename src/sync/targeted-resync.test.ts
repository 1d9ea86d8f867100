import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import type { ChildAccount, SnapshotInput } from '../core/index.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { RunInProgressError, Store } from '../store/store.ts';
import { noChanges, TARGETED_MAX_RECORDS } from './changes.ts';
import { runTenant } from './run-tenant.ts';
import { targetedResync } from './targeted-resync.ts';

const PRIMARY = 'primary-shared-contact';
const SECONDARY = 'secondary-shared-contact';

const demo = (): SnapshotInput => ({
  children: [
    account('north', [
      person('n1', { emails: ['bob@example.com'], createdAt: '2020-01-01T00:00:00Z' }),
      person('n2', { emails: ['carol@example.com'] }),
    ]),
    account('south', [
      person('s1', { emails: ['BOB@example.com'] }),
      person('s2', { emails: ['dan@example.com'] }),
    ]),
    account('east', [person('e1', { phones: ['+1 212 555 0100'] })]),
  ],
  corporate: { id: 'corp', name: 'HQ', contacts: [] },
});

let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('targeted-test-secret-long-enough-0123456789abc'));
});
afterAll(async () => {
  await opened.close();
});

/** A tenant after its first full run. */
async function ranTenant(settings: object = { copyToCorporate: true }) {
  const provider = new MemoryProvider(demo());
  const tenant = await store.tenants.create('Demo', settings);
  await provider.connectAll(store, tenant.id);
  await runTenant(store, () => provider.connector(), tenant.id);
  return { provider, tenantId: tenant.id };
}

/** A contact as the provider holds it (every field set). */
const added = (id: string, emails: string[]): ChildAccount['contacts'][number] => ({
  id,
  emails,
  phones: [],
  createdAt: '2024-06-01T00:00:00.000Z',
  conversions: 0,
  firstConversionAt: null,
  properties: {},
  tags: [],
});

const child = (provider: MemoryProvider, id: string) => provider.accounts.get(id) as ChildAccount;
const tagsOf = (provider: MemoryProvider, accountId: string, contactId: string) =>
  provider.accounts.get(accountId)?.contacts.find((c) => c.id === contactId)?.tags;

describe('a targeted resync', () => {
  it('tags a new contact matching one in another community, and its match, reading only that contact', async () => {
    const { provider, tenantId } = await ranTenant();
    child(provider, 'east').contacts.push(added('e2', ['carol@example.com']));
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('east'), contacts: ['e2'] }],
      trigger: 'webhook',
    });
    expect(result.mode).toBe('targeted');
    expect(tagsOf(provider, 'east', 'e2')).toEqual([SECONDARY]);
    expect(tagsOf(provider, 'north', 'n2')).toEqual([PRIMARY]);
    // One read of east; tag writes to east and north; the new copy in the corporate account.
    expect(result.calls).toBeLessThanOrEqual(8);
    expect(result.written).toBe(3);
    const run = await store.runs.get(tenantId, result.runId as number);
    expect(run).toMatchObject({ trigger: 'webhook', status: 'succeeded', changes: 3 });
    // The people shown after it: the full run's Bob, and Carol, new.
    const people = await store.people.list(tenantId, run?.id as number, {
      sort: 'name',
      dir: 'asc',
      limit: 10,
      offset: 0,
    });
    expect(people.people.map((p) => p.members.map((m) => m.recordId).sort())).toEqual(
      expect.arrayContaining([
        ['n1', 's1'],
        ['e2', 'n2'],
      ]),
    );
    expect(people.total).toBe(2);
  });

  it('does nothing for a change that changes no fact the rules use (the app’s own tag write)', async () => {
    const { provider, tenantId } = await ranTenant();
    const runs = (await store.runs.list(tenantId)).length;
    const writes = provider.writes;
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('north'), contacts: ['n1'] }],
      trigger: 'webhook',
    });
    expect(result).toMatchObject({ runId: null, mode: 'unchanged', written: 0 });
    expect(provider.writes).toBe(writes);
    expect(await store.runs.list(tenantId)).toHaveLength(runs);
  });

  it('a run that ends while it reads makes it give way (nothing written, no run left) and the retry reads afresh', async () => {
    const { provider, tenantId } = await ranTenant();
    child(provider, 'east').contacts.push(added('e2', ['carol@example.com']));
    let fullRunMeanwhile = true;
    const racing = provider.connectorWith((session) => ({
      ...session,
      readRecords: async (query) => {
        const read = await session.readRecords(query);
        if (fullRunMeanwhile) {
          fullRunMeanwhile = false;
          // A full run (say, the daily one) starts and ends between this read and the resync's lock.
          await runTenant(store, () => provider.connector(), tenantId);
        }
        return read;
      },
    }));
    const runs = (await store.runs.list(tenantId)).length;
    const request = {
      tenantId,
      changes: [{ ...noChanges('east'), contacts: ['e2'] }],
      trigger: 'webhook',
    };
    await expect(targetedResync(store, () => racing, request)).rejects.toBeInstanceOf(RunInProgressError);
    // Only the full run was recorded; the resync's own run was dropped before it wrote.
    expect(await store.runs.list(tenantId)).toHaveLength(runs + 1);
    const retried = await targetedResync(store, () => racing, request);
    expect(retried.mode).toBe('unchanged');
    expect(tagsOf(provider, 'east', 'e2')).toEqual([SECONDARY]);
  });

  it('a deleted contact leaves its match unshared: the match loses the app’s tags, and so does its copy', async () => {
    const { provider, tenantId } = await ranTenant();
    expect(tagsOf(provider, 'north', 'n1')).toEqual([PRIMARY]);
    const copy = provider.accounts.get('corp')?.contacts.find((c) => c.emails.includes('bob@example.com'));
    expect(copy?.tags.length).toBeGreaterThan(0);
    child(provider, 'south').contacts = child(provider, 'south').contacts.filter((c) => c.id !== 's1');
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('south'), deletedContacts: ['s1'] }],
      trigger: 'webhook',
    });
    expect(result.mode).toBe('targeted');
    expect(tagsOf(provider, 'north', 'n1')).toEqual([]);
    expect(copy?.tags).toEqual([]);
    expect(await store.records.byIds(tenantId, 'south', ['s1'])).toEqual([]);
  });

  it('a merge forgets the merged record and re-reads the survivor, which carries both emails', async () => {
    const { provider, tenantId } = await ranTenant();
    const south = child(provider, 'south');
    // s2 (dan@) absorbs s1 (bob@): Bob stays shared through s2.
    south.contacts = south.contacts.filter((c) => c.id !== 's1');
    const s2 = south.contacts.find((c) => c.id === 's2');
    if (s2) s2.emails = ['dan@example.com', 'bob@example.com'];
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('south'), merges: [{ primaryId: 's2', mergedIds: ['s1'] }] }],
      trigger: 'webhook',
    });
    expect(result.mode).toBe('targeted');
    expect(tagsOf(provider, 'south', 's2')).toEqual([SECONDARY]);
    expect(tagsOf(provider, 'north', 'n1')).toEqual([PRIMARY]);
    expect((await store.records.byIds(tenantId, 'south', ['s1', 's2'])).map((c) => c.id)).toEqual(['s2']);
  });

  it('a deal moving ahead makes its account primary', async () => {
    const { provider, tenantId } = await ranTenant();
    const south = child(provider, 'south');
    south.deals.push({ id: 'd1', pipelineId: 'p1', stageId: 'tour', contactIds: ['s1'] });
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('south'), deals: ['d1'] }],
      trigger: 'webhook',
    });
    expect(result.mode).toBe('targeted');
    expect(tagsOf(provider, 'south', 's1')).toEqual([PRIMARY]);
    expect(tagsOf(provider, 'north', 'n1')).toEqual([SECONDARY]);
  });

  it('waits for a run in progress (RunInProgressError) and runs in full past the threshold', async () => {
    const { provider, tenantId } = await ranTenant();
    child(provider, 'east').contacts.push(added('e2', ['carol@example.com']));
    const changes = [{ ...noChanges('east'), contacts: ['e2'] }];
    const held = await store.runs.start(tenantId, { dryRun: false, trigger: 'manual', owner: 'someone' });
    await expect(
      targetedResync(store, () => provider.connector(), { tenantId, changes, trigger: 'webhook' }),
    ).rejects.toBeInstanceOf(RunInProgressError);
    await store.runs.finish(tenantId, held, {
      status: 'succeeded',
      changes: 0,
      shared: 0,
      calls: {},
      warnings: [],
      errors: [],
    });
    const many = Array.from({ length: TARGETED_MAX_RECORDS + 1 }, (_, i) => `x${i}`);
    const result = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes: [{ ...noChanges('east'), contacts: many }],
      trigger: 'webhook',
    });
    expect(result.mode).toBe('full');
    expect(tagsOf(provider, 'east', 'e2')).toEqual([SECONDARY]);
  });

  it('a resync whose writes fail leaves the stored facts as they were, so the retry of the change does the work', async () => {
    const { provider, tenantId } = await ranTenant();
    child(provider, 'east').contacts.push(added('e2', ['carol@example.com']));
    const changes = [{ ...noChanges('east'), contacts: ['e2'] }];
    const failing = provider.connectorWith((session, connection) =>
      connection.accountId === 'north'
        ? {
            ...session,
            applyTagChanges: () => Promise.reject(new Error('north is down')),
          }
        : session,
    );
    const first = await targetedResync(store, () => failing, { tenantId, changes, trigger: 'webhook' });
    expect(first.mode).toBe('targeted');
    expect((await store.runs.get(tenantId, first.runId as number))?.status).toBe('partial');
    expect(tagsOf(provider, 'north', 'n2')).toEqual([]);
    expect(await store.records.byIds(tenantId, 'east', ['e2'])).toEqual([]);

    const retry = await targetedResync(store, () => provider.connector(), {
      tenantId,
      changes,
      trigger: 'webhook',
    });
    expect(retry.mode).toBe('targeted');
    expect(tagsOf(provider, 'north', 'n2')).toEqual([PRIMARY]);
    expect(tagsOf(provider, 'east', 'e2')).toEqual([SECONDARY]);
  });
});
