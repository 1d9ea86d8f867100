import { mkdtempSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { WORKER_NICENESS } from '../src/app/worker.ts';
import { RedisJobQueue } from '../src/jobs/redis-queue.ts';
import { type OpenDatabase, openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { testDatabases } from './support/databases.ts';
import { testRedis } from './support/redis.ts';
import {
  changesLeft,
  duplicateEmails,
  emailEdit,
  FLEET_SECRET,
  fleetDatabase,
  fleetLayout,
  fleetSnapshot,
  maxRequestsPerWindow,
  seedTenants,
  spawnWorker,
  type WorkerProcess,
} from './support/worker-fleet.ts';

// Three `worker` processes on one Redis queue and one Postgres server, five tenants against the HubSpot simulator
// (HubSpot's real 110 requests / 10 s window): every daily and webhook job runs once, and a worker killed mid-run
// leaves its job to another, which converges without copying anyone twice.

const redis = await testRedis();
const postgres = (await testDatabases()).find((d) => d.name === 'postgres');
const skip = redis.skip ?? postgres?.skip ?? null;

const fleet = fleetLayout(5, 150, 't');
const big = fleetLayout(1, 1_200, 'k');
const settings = { enabled: true, copyToCorporate: true, schedule: { time: '03:00', timeZone: 'UTC' } };

const until = async (
  what: string,
  check: () => Promise<boolean>,
  ms: number,
  explain?: () => Promise<string>,
) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${(await explain?.()) ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

describe.skipIf(skip)('three worker processes', () => {
  const prefix = redis.prefix();
  let sim: RunningHubspotSimulator;
  let database: Awaited<ReturnType<typeof fleetDatabase>>;
  let opened: OpenDatabase;
  let store: Store;
  let queue: RedisJobQueue;
  let tenantIds: string[] = [];
  let bigTenant = '';
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sim = await startHubspotSimulator({ snapshot: fleetSnapshot(fleet, big), searchLagMs: 50 });
    database = await fleetDatabase();
    opened = await openDatabase({ databaseUrl: database.url, dataDir: '' });
    store = new Store(opened, new SecretBox(FLEET_SECRET));
    tenantIds = await seedTenants(store, fleet.tenants, settings);
    [bigTenant] = (await seedTenants(store, big.tenants, settings)) as [string];
    queue = new RedisJobQueue({ url: redis.url, prefix }, silentLogger);
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATABASE_URL: database.url,
      SIM_URL: sim.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cs-fleet-')),
    };
    workers.push(...(await Promise.all([1, 2, 3].map(() => spawnWorker(env)))));
    // Each gives way to `serve` on a shared host.
    for (const worker of workers) expect(getPriority(worker.child.pid)).toBe(WORKER_NICENESS);
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await queue?.close();
    await opened?.close();
    await database?.drop();
    await sim?.close();
    await redis.clear(prefix);
  }, 60_000);

  const connector = () =>
    hubspotConnector({ baseUrl: sim.url, clientId: 'sim-client-id', clientSecret: 'sim-client-secret' });
  const runsOf = async (tenantId: string, trigger: string) =>
    (await store.runs.list(tenantId, 50)).filter((r) => r.trigger === trigger);

  it('runs each daily and webhook job of five tenants once, within every portal limit, with no 429', async () => {
    // Daily runs due at the next minute (UTC), scheduled as saving the settings does.
    const due = new Date(Math.ceil((Date.now() + 1_000) / 60_000) * 60_000);
    const time = due.toISOString().slice(11, 16);
    for (const tenantId of tenantIds) {
      const saved = await store.tenants.updateSettings(tenantId, { schedule: { time, timeZone: 'UTC' } });
      await queue.scheduleDaily(tenantId, saved);
      expect((await queue.nextDailyRun(tenantId))?.getTime()).toBe(due.getTime());
    }
    await until(
      'the daily runs',
      async () => {
        for (const id of tenantIds)
          if ((await runsOf(id, 'schedule')).every((r) => r.endedAt === null)) return false;
        return true;
      },
      150_000,
    );

    // Webhooks: an edit per tenant stored as the webhook route stores it, then a burst of requests for its job.
    const portals = fleet.tenants.flatMap((t) => [...t.children, t.corporate]);
    for (const t of fleet.tenants) {
      const [north] = t.children;
      const contact = sim.portal(north).contacts[0];
      expect(await store.changeEvents.record([emailEdit(north, contact?.id ?? '')])).toBe(1);
    }
    for (let burst = 0; burst < 3; burst++)
      for (const tenantId of tenantIds)
        await queue.enqueue({ tenantId, trigger: 'webhook' }, { delayMs: 1_000 });
    await until(
      'the webhook jobs',
      async () =>
        (await store.changeEvents.unprocessed('hubspot', portals)) === 0 &&
        (await queue.queue.getActiveCount()) === 0 &&
        (await queue.waiting()).length === 0,
      120_000,
      async () =>
        JSON.stringify({
          pending: await store.changeEvents.unprocessed('hubspot', portals),
          active: await queue.queue.getActiveCount(),
          waiting: await queue.waiting(),
          failed: (await queue.queue.getJobs(['failed'])).map((j) => j.failedReason),
          workers: workers.map((w) => w.output().slice(-2_000)),
        }),
    );

    const completed = await queue.queue.getJobs(['completed']);
    const ours = new Set(tenantIds);
    for (const tenantId of tenantIds) {
      const jobs = completed.filter((j) => j.data.tenantId === tenantId).map((j) => j.data.trigger);
      expect(jobs.sort()).toEqual(['schedule', 'webhook']);
      const daily = await runsOf(tenantId, 'schedule');
      expect(daily.map((r) => r.status)).toEqual(['succeeded']);
      expect(await changesLeft(store, connector(), tenantId)).toBe(0);
    }
    expect(completed.filter((j) => !ours.has(j.data.tenantId))).toEqual([]);
    expect(await queue.queue.getJobs(['failed'])).toEqual([]);
    // Each worker took jobs: the work was shared, not run by one process.
    expect(new Set(completed.map((j) => j.processedBy)).size).toBeGreaterThan(1);
    expect(sim.calls.count((c) => c.status === 429)).toBe(0);
    expect(maxRequestsPerWindow(sim.calls.all())).toBeLessThanOrEqual(110);
    for (const t of fleet.tenants) expect(duplicateEmails(sim.portal(t.corporate).contacts)).toEqual([]);
  }, 300_000);

  it('a worker killed mid-run leaves its job to another, the run it left failed with why, and the next converges', async () => {
    const [tenant] = big.tenants;
    if (!tenant) throw new Error('no tenant');
    const copies = () => sim.portal(tenant.corporate).contacts.length;
    // Kill the worker running it once its writes have begun and before they end: of the six batches of 100
    // corporate copies, sent at once, all but one are held long enough for the kill to come first.
    sim.script({
      portalId: tenant.corporate,
      method: 'POST',
      pathPrefix: '/crm/v3/objects/contacts/batch/upsert',
      holdMs: 10_000,
      times: 5,
    });
    await queue.enqueue({ tenantId: bigTenant, trigger: 'schedule' });
    const end = Date.now() + 120_000;
    while (copies() === 0) {
      if (Date.now() > end) throw new Error('the run never wrote');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const [active] = await queue.queue.getJobs(['active']);
    const pid = Number(active?.processedBy?.split(':').pop());
    const victim = workers.find((w) => w.child.pid === pid);
    if (!victim) throw new Error(`no worker with pid ${pid} (${active?.processedBy})`);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    expect(copies()).toBeLessThan(600);

    await until(
      'another worker to finish the job',
      async () => (await runsOf(bigTenant, 'schedule')).some((r) => r.status === 'succeeded'),
      240_000,
    );
    const runs = await runsOf(bigTenant, 'schedule');
    const killed = runs.find((r) => r.status === 'failed');
    expect(killed?.errors).toEqual([{ message: 'the process running it stopped during the run' }]);
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(1);
    const [job] = (await queue.queue.getJobs(['completed'])).filter((j) => j.data.tenantId === bigTenant);
    expect(job?.processedBy).not.toBe(active?.processedBy);

    expect(await changesLeft(store, connector(), bigTenant)).toBe(0);
    // Half of each community's 1,200 people are shared: one corporate copy each, never two.
    expect(copies()).toBe(600);
    expect(duplicateEmails(sim.portal(tenant.corporate).contacts)).toEqual([]);
  }, 300_000);
});
