import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.ts';
import { storedRecord } from '../../test/support/snapshot-builder.ts';
import type { Contact } from '../core/index.ts';
import type { OpenDatabase } from './database.ts';
import { SecretBox } from './secrets.ts';
import { Store } from './store.ts';

// Single records and deals of the stored state, on both databases: the `?|` lookups and the per-account junk count.

const databases = await testDatabases();

const record = storedRecord;
const name = (c: Contact) => `record ${c.id}`;

for (const database of databases) {
  describe.skipIf(database.skip !== null)(`stored records on ${database.name}`, () => {
    let opened: OpenDatabase;
    let store: Store;
    let tenantId: string;
    beforeAll(async () => {
      opened = await database.open();
      store = new Store(opened, new SecretBox('record-states-secret-long-enough-0123456789'));
      tenantId = (await store.tenants.create('Records', {})).id;
      await store.accountStates.save(
        tenantId,
        {
          id: 'A',
          pipelines: [],
          deals: [{ id: 'd1', pipelineId: 'p', stageId: 's', contactIds: ['1', '2'] }],
          contacts: ['1', '2', '3', '4'].map((id) => record(id, ['h:desk'], [`h:own-${id}`])),
        },
        name,
      );
      await store.accountStates.save(
        tenantId,
        { id: 'B', pipelines: [], deals: [], contacts: [record('9', ['h:desk', 'h:bob'])] },
        name,
      );
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('finds records by any keyed hash, email or phone, in every account', async () => {
      const found = await store.records.withKeys(tenantId, ['h:own-2', 'h:bob']);
      expect(found.map((r) => `${r.accountId}/${r.contact.id}`).sort()).toEqual(['A/2', 'B/9']);
    });

    it('a key is junk when more than the limit of one account’s records carry it, wherever it is looked up', async () => {
      expect(await store.records.junkKeys(tenantId, ['A', 'B'], ['h:desk', 'h:own-1', 'h:bob'], 3)).toEqual(
        new Set(['h:desk']),
      );
      expect(await store.records.junkKeys(tenantId, ['A', 'B'], ['h:desk'], 4)).toEqual(new Set());
    });

    it('upserts and removes single records and deals; deals are found by contact', async () => {
      await store.records.upsert(tenantId, 'A', [record('2', ['h:carol'])], name);
      await store.records.remove(tenantId, 'A', ['3']);
      expect((await store.records.byIds(tenantId, 'A', ['2', '3'])).map((c) => c.keys)).toEqual([
        { emails: ['h:carol'], phones: [] },
      ]);
      expect(await store.records.junkKeys(tenantId, ['A'], ['h:desk'], 1)).toEqual(new Set(['h:desk']));
      expect(await store.records.junkKeys(tenantId, ['A'], ['h:desk'], 2)).toEqual(new Set());
      await store.records.upsertDeals(tenantId, 'A', [
        { id: 'd1', pipelineId: 'p', stageId: 't', contactIds: ['4'] },
      ]);
      expect(await store.records.deals(tenantId, 'A', { contactIds: ['1'] })).toEqual([]);
      expect(await store.records.deals(tenantId, 'A', { contactIds: ['4'] })).toEqual([
        { id: 'd1', pipelineId: 'p', stageId: 't', contactIds: ['4'] },
      ]);
      expect(
        (await store.accountStates.get(tenantId, { id: 'A', name: 'A', country: null }))?.deals,
      ).toHaveLength(1);
    });
  });
}
