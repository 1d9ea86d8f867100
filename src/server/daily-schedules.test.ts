import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTenant } from '../../test/support/hubspot-webhooks.ts';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import { startTestApp } from '../../test/support/test-app.ts';
import type { DailySchedules } from '../jobs/queue.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';

// With the Redis queue, daily runs are job schedulers outside the server: every change to a tenant's schedule or
// to whether it runs reaches them (a failure to reach them is left to the queue sweep, never to the admin).

const SECRET = 'schedules-test-secret-that-is-long-enough-0123456789';
const provider = new MemoryProvider({
  children: [account('north', [person('n1', { emails: ['bob@example.com'] })], { name: 'North' })],
  corporate: { id: 'corp', name: 'Sunrise HQ', contacts: [] },
});
const told: [string, { enabled: boolean; schedule: { time: string; timeZone: string } }][] = [];
let failing = false;
const schedules: DailySchedules = {
  scheduleDaily: async (tenantId, settings) => {
    if (failing) throw new Error('Redis did not answer');
    told.push([tenantId, { enabled: settings.enabled, schedule: settings.schedule }]);
  },
};

let opened: OpenDatabase;
let base: string;
let close: () => void;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  ({ base, close } = await startTestApp(opened, provider, { secret: SECRET, schedules }));
});
afterAll(async () => {
  close();
  await opened.close();
});

describe('daily runs kept by the queue', () => {
  it('follow saved settings, and uninstalling removes them', async () => {
    const { admin, tenantId } = await installTenant(base, 'corp', ['north']);
    const put = (body: unknown) => admin.send('PUT', `/api/tenants/${tenantId}/settings`, body);
    expect((await put({ enabled: true, schedule: { time: '05:30', timeZone: 'Europe/Paris' } })).status).toBe(
      200,
    );
    expect(told.at(-1)).toEqual([
      tenantId,
      { enabled: true, schedule: { time: '05:30', timeZone: 'Europe/Paris' } },
    ]);
    expect((await put({ schedule: { time: '22:00' } })).status).toBe(200);
    expect(told.at(-1)?.[1].schedule.time).toBe('22:00');

    // Redis away: the settings are saved all the same.
    failing = true;
    expect((await put({ enabled: false })).status).toBe(200);
    failing = false;
    expect((await put({ enabled: true })).status).toBe(200);
    expect(told.at(-1)?.[1].enabled).toBe(true);

    expect((await admin.send('DELETE', `/api/tenants/${tenantId}`)).status).toBe(204);
    expect(told.at(-1)).toEqual([
      tenantId,
      { enabled: false, schedule: { time: '22:00', timeZone: 'Europe/Paris' } },
    ]);
  });
});
