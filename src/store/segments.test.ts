import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.ts';
import type { OpenDatabase } from './database.ts';
import { SecretBox } from './secrets.ts';
import { Store } from './store.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe.skipIf(database.skip !== null)(`segments in the store on ${database.name}`, () => {
    let opened: OpenDatabase;
    let store: Store;
    beforeAll(async () => {
      opened = await database.open();
      store = new Store(opened, new SecretBox('a-test-app-secret-that-is-long-enough-0123456789'));
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('bumps the generation only when segments is turned on, not on other saves', async () => {
      const tenant = await store.tenants.create('Sunrise');
      expect(await store.segments.generation(tenant.id)).toBe(0);
      await store.tenants.updateSettings(tenant.id, { segments: true });
      expect(await store.segments.generation(tenant.id)).toBe(1);
      await store.tenants.updateSettings(tenant.id, { segments: true, tags: ['vip'] });
      await store.tenants.updateSettings(tenant.id, { matchOn: 'email' });
      expect(await store.segments.generation(tenant.id)).toBe(1);
      await store.tenants.updateSettings(tenant.id, { segments: false });
      expect(await store.segments.generation(tenant.id)).toBe(1);
      await store.tenants.updateSettings(tenant.id, { segments: true });
      expect(await store.segments.generation(tenant.id)).toBe(2);
    });

    it("keeps each account's lists and problem apart, replacing them on save", async () => {
      const tenant = await store.tenants.create('Oakwood');
      expect(await store.segments.forAccount(tenant.id, 'p1')).toEqual({
        segments: [],
        generation: null,
        problem: null,
      });
      const lists = [
        { key: 'primary' as const, id: '11', name: 'CS · primary here' },
        { key: 'shared' as const, id: '10', name: 'renamed by admin' },
      ];
      await store.segments.save(tenant.id, 'p1', { segments: lists, generation: 1, problem: null });
      await store.segments.save(tenant.id, 'p2', {
        segments: [],
        generation: 1,
        problem: 'segments-permission',
      });
      expect(await store.segments.forAccount(tenant.id, 'p1')).toEqual({
        segments: [lists[0], lists[1]],
        generation: 1,
        problem: null,
      });
      expect([...(await store.segments.problems(tenant.id))]).toEqual([['p2', 'segments-permission']]);
      await store.segments.save(tenant.id, 'p1', {
        segments: [lists[0] as (typeof lists)[0]],
        generation: 2,
        problem: null,
      });
      expect((await store.segments.forAccount(tenant.id, 'p1')).segments).toEqual([lists[0]]);
    });
  });
}
