import { afterEach, describe, expect, it } from 'vitest';
import { type RevertedChange, removalPlan, revertPlan } from '../../src/core/index.ts';
import type { RunOnceReport } from '../../src/sync/run-once.ts';
import { FAST_WINDOW, readScenario, startTenant, type Tenant, tagValuesOf } from './sync-fixture.ts';

// Undo against the HubSpot simulator through the real client: a revert writes back the option values the CRM
// held before (labels in the audit map to the same values), and removing everything empties the tag property.

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

/** Every contact's stored tag values, per portal. */
function tagState(t: Tenant): Record<string, Record<string, string[]>> {
  const portals = [...t.snapshot.children.map((c) => c.id), t.snapshot.corporate?.id ?? ''];
  return Object.fromEntries(
    portals.map((id) => [
      id,
      Object.fromEntries(t.simulator.portal(id).contacts.map((c) => [c.id, tagValuesOf(t, id, c.id)])),
    ]),
  );
}

/** What a run changed, as its audit records it (labels). */
const changesOf = (report: RunOnceReport, corporateId: string): RevertedChange[] => [
  ...report.applied.children.map((c) => ({
    accountId: c.accountId,
    recordId: c.contactId,
    action: 'tag' as const,
    before: c.before,
    after: c.after,
  })),
  ...report.applied.corporate.flatMap((a) =>
    a.action === 'update'
      ? [
          {
            accountId: corporateId,
            recordId: a.contactId,
            action: 'update-copy' as const,
            before: a.before,
            after: a.after,
          },
        ]
      : [],
  ),
];

describe('undo through the HubSpot simulator', () => {
  it('reverting a run restores the exact tag values it replaced, in children and corporate copies', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const corporateId = tenant.snapshot.corporate?.id ?? '';
    const accounts = tenant.snapshot.children.map((c) => ({ id: c.id, name: c.name }));
    await tenant.run();
    const afterFirst = tagState(tenant);
    expect(Object.values(afterFirst[corporateId] ?? {}).flat()).toContain('engaging-in-101-primary');

    // The user tag is dropped: the second run rewrites every tagged record.
    const settings = { ...tenant.snapshot.settings, tags: [] };
    const second = await tenant.run({ settings });
    expect(second.written).toBeGreaterThan(0);
    expect(tagState(tenant)).not.toEqual(afterFirst);

    const preview = await tenant.run({
      settings,
      dryRun: true,
      planner: (snapshot) => revertPlan(snapshot, changesOf(second, corporateId), { accounts }),
    });
    expect(preview.toWrite.children.length + preview.toWrite.corporate.length).toBe(second.written);
    expect(tagState(tenant)).not.toEqual(afterFirst);

    const revert = await tenant.run({
      settings,
      planner: (snapshot) => revertPlan(snapshot, changesOf(second, corporateId), { accounts }),
    });
    expect(revert.failures).toEqual([]);
    expect(revert.plan.warnings).toEqual([]);
    expect(tagState(tenant)).toEqual(afterFirst);
  });

  it('removing everything empties the tag property of every contact and keeps every copy', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW);
    const corporateId = tenant.snapshot.corporate?.id ?? '';
    await tenant.run();
    const copies = tenant.simulator.portal(corporateId).contacts.length;
    const removed = await tenant.run({
      settings: { ...tenant.snapshot.settings, copyToCorporate: false },
      planner: removalPlan,
    });
    expect(removed.failures).toEqual([]);
    for (const portal of Object.values(tagState(tenant))) expect(Object.values(portal).flat()).toEqual([]);
    expect(tenant.simulator.portal(corporateId).contacts).toHaveLength(copies);
  });
});
