import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.ts';
import { storedRecord } from '../../test/support/snapshot-builder.ts';
import type { OpenDatabase } from './database.ts';
import { SecretBox } from './secrets.ts';
import { type NewChangeEvent, Store } from './store.ts';

const SECRET = 'a-test-app-secret-that-is-long-enough-0123456789';
const databases = await testDatabases();

const event = (overrides: Partial<NewChangeEvent> = {}): NewChangeEvent => ({
  provider: 'hubspot',
  accountId: '101',
  subscriptionId: '5',
  subscriptionType: 'contact.propertyChange',
  objectTypeId: null,
  objectId: '7',
  propertyName: 'firstname',
  propertyValue: 'Bob',
  mergedObjectIds: null,
  primaryObjectId: null,
  associatedObjectId: null,
  associatedTypeId: null,
  occurredAt: new Date('2025-01-01T00:00:00Z'),
  changeSource: 'CRM_UI',
  sourceId: 'userId:1',
  ...overrides,
});

const contact = storedRecord;

const portal = (externalId: string) => ({
  provider: 'hubspot' as const,
  externalId,
  role: 'child' as const,
  name: `Portal ${externalId}`,
  country: null,
  tokens: { accessToken: 'a', refreshToken: null, expiresAt: null },
  details: {},
});

for (const database of databases) {
  describe.skipIf(database.skip !== null)(`change events and privacy deletions on ${database.name}`, () => {
    let opened: OpenDatabase;
    let store: Store;
    beforeAll(async () => {
      opened = await database.open();
      store = new Store(opened, new SecretBox(SECRET));
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('stores deliveries arriving together, each as it came; their events are read back once each', async () => {
      const { id: tenantId } = await store.tenants.create('Together');
      await store.accounts.save(tenantId, portal('909'));
      const at = (second: number) => new Date(Date.UTC(2025, 1, 1, 0, 0, second));
      const delivery = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) =>
          event({ accountId: '909', objectId: String(from + i), occurredAt: at(from + i) }),
        );
      const counts = await Promise.all([
        store.changeEvents.record(delivery(0, 10)),
        store.changeEvents.record(delivery(5, 15)),
        store.changeEvents.record(delivery(0, 10).reverse()),
        store.changeEvents.record(delivery(20, 40)),
      ]);
      // The same events again in one batch (a retry, in any order) are known at once; overlapping batches are
      // stored, and their events read back once.
      expect(counts).toEqual([10, 10, 0, 20]);
      expect(await store.changeEvents.unprocessed('hubspot', ['909'])).toBe(40);
      expect(await store.changeEvents.accountsWithPending('hubspot', new Date(Date.now() + 1_000))).toContain(
        '909',
      );
      const pending = await store.changeEvents.pending(tenantId, 'hubspot', ['909'], 100);
      expect(pending.map((e) => Number(e.objectId)).sort((x, y) => x - y)).toEqual([
        ...Array.from({ length: 15 }, (_, i) => i),
        ...Array.from({ length: 20 }, (_, i) => 20 + i),
      ]);
      expect(await store.changeEvents.unprocessed('hubspot', ['909'])).toBe(35);
      // Still known after its events were read.
      expect(await store.changeEvents.record(delivery(5, 15))).toBe(0);
      // An event that is not whole is dropped alone when read; the rest of its delivery and the next ones are kept.
      const bad = event({ accountId: '909', objectId: 'bad', subscriptionType: null as unknown as string });
      await store.changeEvents.record([bad, ...delivery(40, 42)]);
      await store.changeEvents.record(delivery(42, 44));
      const after = await store.changeEvents.pending(tenantId, 'hubspot', ['909'], 100);
      expect(after).toHaveLength(39);
      expect(after.some((e) => e.objectId === 'bad')).toBe(false);
    });

    it('stores a delivery once: the same event again (or with no property) is skipped', async () => {
      const { id: tenantId } = await store.tenants.create('Once');
      await store.accounts.save(tenantId, portal('101'));
      expect(
        await store.changeEvents.record([event(), event({ propertyName: null, propertyValue: null })]),
      ).toBe(2);
      expect(
        await store.changeEvents.record([event(), event({ propertyName: null, propertyValue: null })]),
      ).toBe(0);
      // Another time, property or subscription is another event.
      expect(
        await store.changeEvents.record([
          event({ occurredAt: new Date('2025-01-01T00:00:01Z') }),
          event({ propertyName: 'lastname' }),
          event({
            subscriptionId: '6',
            mergedObjectIds: ['8', '9'],
            primaryObjectId: '7',
            propertyValue: null,
          }),
        ]),
      ).toBe(3);
      const pending = await store.changeEvents.pending(tenantId, 'hubspot', ['101']);
      expect(pending).toHaveLength(5);
      expect(pending[0]).toMatchObject({ ...event(), id: expect.any(String) });
      expect(await store.changeEvents.pending(tenantId, 'hubspot', ['102'])).toEqual([]);
      expect(pending.find((e) => e.subscriptionId === '6')).toMatchObject({
        mergedObjectIds: ['8', '9'],
        primaryObjectId: '7',
        propertyValue: null,
        occurredAt: new Date('2025-01-01T00:00:00Z'),
      });
      await store.changeEvents.markProcessed(
        tenantId,
        pending.slice(0, 4).map((e) => e.id),
      );
      expect((await store.changeEvents.pending(tenantId, 'hubspot', ['101'])).map((e) => e.id)).toEqual([
        pending[4]?.id,
      ]);
    });

    it('reads back every column as recorded, and a delivery an earlier version kept as objects', async () => {
      const { id: tenantId } = await store.tenants.create('Columns');
      await store.accounts.save(tenantId, portal('303'));
      const full = event({
        accountId: '303',
        objectTypeId: '0-1',
        objectId: '71',
        propertyName: null,
        propertyValue: null,
        subscriptionType: 'object.merge',
        mergedObjectIds: ['72', '73'],
        primaryObjectId: '71',
        associatedObjectId: '900',
        associatedTypeId: '0-3',
        occurredAt: new Date(Date.UTC(2025, 2, 3, 4, 5, 6, 789)),
        changeSource: 'CRM_UI',
        sourceId: 'userId:9',
      });
      const bare = event({ accountId: '303', objectId: '74', changeSource: null, sourceId: null });
      expect(await store.changeEvents.record([full, bare])).toBe(2);
      // Before positions, a delivery kept each event as an object named by column, its empty ones left out.
      await opened.db
        .insertInto('change_deliveries')
        .values({
          provider: 'hubspot',
          fingerprint: 'stored-by-an-earlier-version',
          account_ids: ['303'],
          events: JSON.stringify([
            {
              provider: 'hubspot',
              account_id: '303',
              subscription_id: '5',
              subscription_type: 'contact.merge',
              object_id: '75',
              property_name: '',
              occurred_at: '2025-03-03T04:05:07.001Z',
              merged_object_ids: ['76'],
              primary_object_id: '75',
              change_source: 'CRM_UI',
            },
          ]),
          received_at: new Date(),
        })
        .execute();
      const pending = await store.changeEvents.pending(tenantId, 'hubspot', ['303']);
      expect(pending.map(({ id: _, receivedAt: __, ...e }) => e)).toEqual([
        full,
        bare,
        event({
          accountId: '303',
          subscriptionType: 'contact.merge',
          objectId: '75',
          propertyName: null,
          propertyValue: null,
          mergedObjectIds: ['76'],
          primaryObjectId: '75',
          occurredAt: new Date('2025-03-03T04:05:07.001Z'),
          sourceId: null,
        }),
      ]);
    });

    it('a portal connected to two tenants: each processes its events, and they are done once both have', async () => {
      const connect = async (name: string) => {
        const tenant = await store.tenants.create(name);
        await store.accounts.save(tenant.id, portal('555'));
        return tenant.id;
      };
      const [first, second] = [await connect('First'), await connect('Second')];
      await store.changeEvents.record([
        event({ accountId: '555' }),
        event({ accountId: '555', objectId: '8' }),
      ]);
      const ids = (await store.changeEvents.pending(first, 'hubspot', ['555'])).map((e) => e.id);
      expect(ids).toHaveLength(2);

      await store.changeEvents.markProcessed(first, ids);
      expect(await store.changeEvents.pending(first, 'hubspot', ['555'])).toEqual([]);
      // The second tenant's job ran later: it still sees both events.
      expect((await store.changeEvents.pending(second, 'hubspot', ['555'])).map((e) => e.id)).toEqual(ids);
      const processed = () =>
        opened.db.selectFrom('change_events').select(['id', 'processed_at']).where('id', 'in', ids).execute();
      expect((await processed()).every((e) => e.processed_at === null)).toBe(true);

      await store.changeEvents.markProcessed(second, ids.slice(0, 1));
      expect((await store.changeEvents.pending(second, 'hubspot', ['555'])).map((e) => e.id)).toEqual(
        ids.slice(1),
      );
      // Processed by every tenant of the portal: done for good, and who did it is no longer kept.
      const rows = await processed();
      expect(rows.find((e) => String(e.id) === ids[0])?.processed_at).toBeInstanceOf(Date);
      expect(rows.find((e) => String(e.id) === ids[1])?.processed_at).toBeNull();
      const remembered = await opened.db.selectFrom('change_events_done').select('event_id').execute();
      expect(remembered.map((r) => String(r.event_id))).toEqual([ids[1]]);
    });

    it('a privacy deletion forgets the record, suppresses its keys, and names the corporate copy made from it', async () => {
      const tenant = await store.tenants.create('T');
      const child = { id: '101', pipelines: [], deals: [] };
      await store.accountStates.save(
        tenant.id,
        { ...child, contacts: [contact('7', ['h:bob'], ['h:555']), contact('8', ['h:ann'])] },
        (c) => `Person ${c.id}`,
      );
      await store.accountStates.save(
        tenant.id,
        {
          id: 'corp',
          pipelines: [],
          deals: [],
          contacts: [contact('900', ['h:bob']), contact('901', ['h:555'])],
        },
        (c) => `Copy ${c.id}`,
      );
      // The app created copy 900; 901 was the customer's own contact.
      const runId = await store.runs.start(tenant.id, { dryRun: false, trigger: 'manual', owner: 'test' });
      const [auditId] = await store.audit.intend(tenant.id, runId, [
        {
          accountId: 'corp',
          recordId: 'copy of 101/7',
          action: 'create-copy',
          before: [],
          after: ['x'],
          reason: 'r',
        },
      ]);
      await store.audit.settle(tenant.id, [{ id: auditId as number, status: 'written', recordId: '900' }]);

      const request = {
        accountId: '101',
        recordId: '7',
        occurredAt: new Date(1_000),
        corporateAccountId: 'corp',
      };
      const deletion = await store.privacyDeletions.forget(tenant.id, request);
      expect(deletion.corporateCopies).toEqual([{ accountId: 'corp', recordId: '900', name: 'Copy 900' }]);
      const state = await store.accountStates.get(tenant.id, { id: '101', name: 'C', country: null });
      expect(state?.contacts.map((c) => c.id)).toEqual(['8']);
      expect(await store.privacyDeletions.suppressedKeys(tenant.id)).toEqual(['h:555', 'h:bob']);
      // Delivered again: nothing changes, the copy found the first time stays listed.
      await store.privacyDeletions.forget(tenant.id, request);
      expect(await store.privacyDeletions.list(tenant.id)).toEqual([
        { ...deletion, forgottenAt: expect.any(Date) },
      ]);
      expect(await store.privacyDeletions.suppressedKeys(tenant.id)).toEqual(['h:555', 'h:bob']);
    });
  });
}
