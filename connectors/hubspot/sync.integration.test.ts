import { afterEach, describe, expect, it } from 'vitest';
import {
  FAST_WINDOW,
  readScenario,
  startTenant,
  type Tenant,
  tagValuesOf,
  writeCalls,
} from './sync-fixture.ts';

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

describe.each(['bob-smith-two-communities', 'conversions-decide', 'no-longer-shared'])(
  'full sync of %s',
  (name) => {
    it('writes exactly what the plan says, and a rerun writes nothing', async () => {
      tenant = await startTenant(readScenario(name), FAST_WINDOW);
      const first = await tenant.run();
      expect(first.accountErrors).toEqual([]);
      expect(first.failures).toEqual([]);
      const { plan } = first;
      for (const change of plan.children)
        expect(tagValuesOf(tenant, change.accountId, change.contactId)).toEqual(
          [...change.afterValues].sort(),
        );

      const corporateId = tenant.snapshot.corporate?.id;
      if (corporateId && tenant.snapshot.settings.copyToCorporate) {
        const corporate = tenant.simulator.portal(corporateId);
        for (const action of plan.corporate) {
          if (action.action === 'update') {
            expect(tagValuesOf(tenant, corporateId, action.contactId)).toEqual(
              [...action.afterValues].sort(),
            );
            continue;
          }
          const copies = corporate.contacts.filter((c) =>
            action.email
              ? c.properties.email === action.email.toLowerCase()
              : c.properties.community_sync_shared_id === action.sharedId,
          );
          expect(copies).toHaveLength(1);
          expect((copies[0]?.properties.community_sync_tags ?? '').split(';').sort()).toEqual(
            [...action.afterValues].sort(),
          );
        }
      }
      expect(first.written).toBeGreaterThan(0);

      tenant.simulator.calls.clear();
      const second = await tenant.run();
      expect(second.written).toBe(0);
      expect(second.plan.children).toEqual([]);
      expect(second.plan.corporate).toEqual([]);
      expect(writeCalls(tenant)).toBe(0);
    });
  },
);
