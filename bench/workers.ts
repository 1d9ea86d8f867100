import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../connectors/connector.ts';
import { startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { RedisJobQueue } from '../src/jobs/redis-queue.ts';
import { openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { testRedis } from '../test/support/redis.ts';
import {
  emailEdit,
  FLEET_SECRET,
  fleetDatabase,
  fleetLayout,
  fleetSnapshot,
  maxRequestsPerWindow,
  seedTenants,
  spawnWorker,
} from '../test/support/worker-fleet.ts';

// npm run bench:workers -- --tenants 5 --contacts 3000 --workers 3
// The same tenants (two communities of --contacts people each, half shared, and a corporate portal) synced by one
// `worker` process and then by --workers, on the local Postgres server and Redis, against the HubSpot simulator
// with HubSpot's real 110 requests / 10 s window. Each tenant gets its daily job and a webhook job. Logs go to
// stderr; the last stdout line is one JSON object.

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '5' },
    contacts: { type: 'string', default: '3000' },
    workers: { type: 'string', default: '3' },
  },
});
const tenants = Number(values.tenants);
const perChild = Number(values.contacts);
const workerCount = Number(values.workers);
if ([tenants, perChild, workerCount].some((n) => !Number.isInteger(n) || n < 1)) {
  process.stderr.write('error: --tenants, --contacts and --workers must be positive integers\n');
  process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);

const redis = await testRedis();
if (redis.skip) {
  log(`error: Redis at ${redis.url} is needed: ${redis.skip}`);
  process.exit(1);
}

interface Pass {
  wallMs: number;
  jobs: number;
  ranTwice: number;
  lost: number;
  http429: number;
  maxRequestsPer10s: number;
}

async function pass(workers: number): Promise<Pass> {
  const layout = fleetLayout(tenants, perChild, 'b');
  const sim = await startHubspotSimulator({ snapshot: fleetSnapshot(layout), searchLagMs: 50 });
  const database = await fleetDatabase();
  const opened = await openDatabase({ databaseUrl: database.url, dataDir: '' });
  const store = new Store(opened, new SecretBox(FLEET_SECRET));
  const settings = { enabled: true, copyToCorporate: true };
  const ids = await seedTenants(store, layout.tenants, settings);
  const prefix = redis.prefix();
  const queue = new RedisJobQueue({ url: redis.url, prefix }, silentLogger);
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DATABASE_URL: database.url,
    SIM_URL: sim.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-workers-')),
  };
  const fleet = await Promise.all(Array.from({ length: workers }, () => spawnWorker(env)));
  log(`${workers} worker(s) up; ${ids.length} tenants of ${perChild} contacts per community`);
  try {
    const started = Date.now();
    const portals = layout.tenants.flatMap((t) => [...t.children, t.corporate]);
    for (const [i, tenantId] of ids.entries()) {
      // The daily job (as its job scheduler makes it) and a webhook job for an edit in the first community.
      await queue.enqueue({ tenantId, trigger: 'schedule' });
      const north = layout.tenants[i]?.children[0] ?? '';
      await store.changeEvents.record([emailEdit(north, sim.portal(north).contacts[0]?.id ?? '')]);
      await queue.enqueue({ tenantId, trigger: 'webhook' }, { delayMs: 1_000 });
    }
    const jobs = ids.length * 2;
    for (;;) {
      const completed = await queue.queue.getCompletedCount();
      const failed = await queue.queue.getFailedCount();
      const pending = await store.changeEvents.unprocessed('hubspot', portals);
      if (completed + failed >= jobs && pending === 0 && (await queue.queue.getActiveCount()) === 0) break;
      if (Date.now() - started > 15 * 60_000) throw new Error('jobs did not finish within 15 minutes');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const wallMs = Date.now() - started;
    const completed = await queue.queue.getJobs(['completed']);
    const byTenantTrigger = new Map<string, number>();
    for (const job of completed) {
      const key = `${job.data.tenantId} ${job.data.trigger}`;
      byTenantTrigger.set(key, (byTenantTrigger.get(key) ?? 0) + 1);
    }
    let ranTwice = 0;
    for (const tenantId of ids) {
      const daily = (await store.runs.list(tenantId, 50)).filter(
        (r) => r.trigger === 'schedule' && r.status !== 'failed',
      );
      if (daily.length > 1) ranTwice += daily.length - 1;
      ranTwice += Math.max(0, (byTenantTrigger.get(`${tenantId} webhook`) ?? 0) - 1);
    }
    const lost = ids.flatMap((id) =>
      ['schedule', 'webhook'].filter((t) => !byTenantTrigger.has(`${id} ${t}`)),
    );
    const calls = sim.calls.all();
    const result: Pass = {
      wallMs,
      jobs,
      ranTwice,
      lost: lost.length,
      http429: calls.filter((c) => c.status === 429).length,
      maxRequestsPer10s: maxRequestsPerWindow(calls),
    };
    log(`${workers} worker(s): ${JSON.stringify(result)} (${calls.length} requests)`);
    return result;
  } finally {
    for (const worker of fleet) worker.child.kill('SIGTERM');
    await Promise.all(fleet.map((w) => w.exited));
    await queue.close();
    await opened.close();
    await database.drop();
    await sim.close();
    await redis.clear(prefix);
  }
}

const one = await pass(1);
const many = await pass(workerCount);
process.stdout.write(
  `${JSON.stringify({
    tenants,
    portals: tenants * 3,
    workers: workerCount,
    jobs: many.jobs,
    ranTwice: one.ranTwice + many.ranTwice,
    lost: one.lost + many.lost,
    http429: one.http429 + many.http429,
    maxRequestsPer10s: Math.max(one.maxRequestsPer10s, many.maxRequestsPer10s),
    wallMs1: one.wallMs,
    wallMsN: many.wallMs,
  })}\n`,
);
process.exit(0);
