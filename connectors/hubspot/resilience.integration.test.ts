import { Client } from '@hubspot/api-client';
import decoratorModule from '@hubspot/api-client/lib/src/services/ApiDecoratorService.js';
import { afterEach, describe, expect, it } from 'vitest';
import { account, person, tenant as snapshotOf } from '../../test/support/snapshot-builder.ts';
import {
  FAST_WINDOW,
  readScenario,
  sandboxConnection,
  startTenant,
  type Tenant,
  tagValuesOf,
} from './sync-fixture.ts';

let tenant: Tenant | null = null;
afterEach(async () => {
  await tenant?.close();
  tenant = null;
});

const noWait = (waits: number[]) => ({
  sleep: async (ms: number) => {
    waits.push(ms);
  },
});

describe('HubSpot connector against a misbehaving simulator', () => {
  it('waits out 429 windows and finishes the sync', async () => {
    tenant = await startTenant(
      readScenario('bob-smith-two-communities'),
      { rateLimit: { max: 3, intervalMs: 150 } },
      { limiter: { maxRequests: 1000, intervalMs: 1000, adoptPortalLimits: false, maxConcurrent: 8 } },
    );
    const report = await tenant.run();
    expect(report.failures).toEqual([]);
    expect(report.accountErrors).toEqual([]);
    const limited = tenant.simulator.calls.count((c) => c.status === 429);
    expect(limited).toBeGreaterThan(0);
    const counted = Object.values(report.calls).reduce((sum, s) => sum + s.rateLimited, 0);
    expect(counted).toBe(limited);
    for (const change of report.plan.children)
      expect(tagValuesOf(tenant, change.accountId, change.contactId)).toEqual([...change.afterValues].sort());
  });

  it('retries 5xx with back-off and 423 after 2 s', async () => {
    const waits: number[] = [];
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW, noWait(waits));
    tenant.simulator.script({
      portalId: '101',
      pathPrefix: '/crm/v3/objects/contacts',
      method: 'GET',
      status: 502,
      times: 2,
    });
    tenant.simulator.script({
      portalId: '102',
      pathPrefix: '/crm/v3/objects/contacts/batch/update',
      status: 423,
    });
    const report = await tenant.run();
    expect(report.failures).toEqual([]);
    expect(report.accountErrors).toEqual([]);
    expect(waits).toContain(2_000);
    expect(report.calls['101']?.retried).toBe(2);
    expect(report.calls['102']?.retried).toBe(1);
    for (const change of report.plan.children)
      expect(tagValuesOf(tenant, change.accountId, change.contactId)).toEqual([...change.afterValues].sort());
  });

  it('reports a call that finally fails with HubSpot message, and does the rest', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW, noWait([]));
    tenant.simulator.script({
      portalId: '102',
      pathPrefix: '/crm/v3/objects/contacts/batch/update',
      status: 500,
      body: { status: 'error', message: 'Maple is down', correlationId: 'x', category: 'INTERNAL_ERROR' },
      times: 100,
    });
    const report = await tenant.run();
    expect(report.failures.map((f) => [f.accountId, f.operation, f.message])).toEqual([
      ['102', 'update tags', 'Maple is down'],
    ]);
    expect(report.calls['102']?.failed).toBe(1);
    for (const change of report.plan.children.filter((c) => c.accountId !== '102'))
      expect(tagValuesOf(tenant, change.accountId, change.contactId)).toEqual([...change.afterValues].sort());
    expect(tenant.simulator.portal('1').contacts).toHaveLength(1);
  });

  it('creates no duplicate when a run dies between the copy write and its record', async () => {
    tenant = await startTenant(readScenario('bob-smith-two-communities'), FAST_WINDOW, noWait([]));
    // The upsert is applied but every answer is lost: the run sees only failures.
    tenant.simulator.script({
      portalId: '1',
      pathPrefix: '/crm/v3/objects/contacts/batch/upsert',
      status: 502,
      when: 'after',
      times: 100,
    });
    const crashed = await tenant.run();
    expect(crashed.failures.length).toBeGreaterThan(0);
    expect(tenant.simulator.portal('1').contacts).toHaveLength(1);
    const rerun = await tenant.run();
    expect(rerun.failures).toEqual([]);
    expect(tenant.simulator.portal('1').contacts).toHaveLength(1);
  });

  it('upserts a copy without email by the shared person id, idempotently', async () => {
    const snapshot = snapshotOf({
      settings: { copyToCorporate: true, matchOn: 'phone' },
      children: [
        account('A', [person('a1', { phones: ['(212) 555-0100'], properties: { firstname: 'Pat' } })]),
        account('B', [person('b1', { phones: ['212-555-0100'] })]),
      ],
      corporate: { id: 'corp', name: 'Corp', contacts: [] },
    });
    tenant = await startTenant(snapshot, FAST_WINDOW, noWait([]));
    const first = await tenant.run();
    const create = first.plan.corporate.find((a) => a.action === 'create');
    expect(create?.action === 'create' && create.email).toBe(null);
    const session = tenant.connector.open(sandboxConnection({ id: 'corp', name: 'Corp' }, 'corporate'));
    // Applying the same create again (a crash before the run recorded it) finds the same contact.
    const again = await session.applyCorporate(first.plan.corporate, first.plan);
    const contacts = tenant.simulator.portal('corp').contacts;
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties.community_sync_shared_id).toBe(create?.sharedId);
    expect(contacts[0]?.properties.phone).toBe('(212) 555-0100');
    expect(again.copies).toEqual(
      (create?.sharedIds ?? []).map((sharedId) => ({ sharedId, contactId: contacts[0]?.id })),
    );
  });
});

describe('per-portal limits', () => {
  it('@hubspot/api-client keeps its decorators process-wide: the last client built wins', () => {
    new Client({ accessToken: 'a', limiterOptions: { maxConcurrent: 1 } });
    type Service = { getInstance(): { decorators: unknown[] } };
    const loaded = decoratorModule as unknown as Service & { default?: Service };
    const service = (loaded.default ?? loaded).getInstance();
    expect(service.decorators).toHaveLength(1);
    new Client({ accessToken: 'b' });
    expect(service.decorators).toHaveLength(0);
  });

  it('gives each portal its own window: one portal spending its window holds no other back', async () => {
    tenant = await startTenant(
      readScenario('bob-smith-two-communities'),
      { rateLimit: { max: 110, intervalMs: 10_000 } },
      // Four requests a minute: a shared limiter would stall the three child pulls (4 calls each) for minutes.
      { limiter: { maxRequests: 4, intervalMs: 60_000, adoptPortalLimits: false } },
    );
    const report = await tenant.run({ pullConcurrency: 4, dryRun: true });
    expect(report.accountErrors).toEqual([]);
    for (const id of ['101', '102', '103'])
      expect(tenant.simulator.calls.count((c) => c.accountId === id)).toBe(4);
  });
});
