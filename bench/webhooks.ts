import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { silentLogger } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { startSalesforceSimulator } from '../connectors/salesforce/simulator.ts';
import type { LoggedCall } from '../connectors/shared/simulator-kit.ts';
import { ProgressDisplay } from '../src/cli/progress.ts';
import { RedisJobQueue } from '../src/jobs/redis-queue.ts';
import { openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { syntheticTenant } from './synthetic-tenant.ts';
import { BENCH_TRIGGER, type ServerAnswer, type ServerRequest } from './webhooks-server.ts';
import {
  connectHubspotTenant,
  connectSalesforceTenant,
  cpuBetween,
  cpuMsByProcess,
  matchTargets,
  percentile,
  waitFor,
} from './webhooks-tenants.ts';

// npm run bench:webhooks [-- --in-process] (ACCOUNTS=50 PER=20000 by default; DATABASE_URL names the Postgres
// server, default the local one, where a database of its own is made and dropped; REDIS_URL the Redis server,
// default the local one, where the run's keys take a prefix of their own and are deleted after). Issue 10's
// benchmark, in the app's production shape: a serving process (`serve` with REDIS_URL, bench/webhooks-server.ts)
// answers webhooks and queues jobs, and one `worker` process runs them; this process holds the simulated CRMs.
// A full run, queued as a job, pulls the synthetic tenant through the HubSpot simulator once in the worker (the
// store then holds it as any completed run leaves it), measuring the serving process's longest event-loop stall;
// then 10,000 signed webhook events are acknowledged, 50 new contacts are made through the simulator's API and timed
// until their tags are written there, and a small Salesforce tenant is polled at the default interval. With
// `--in-process` (or BENCH_IN_PROCESS=1) there is no Redis and no worker: the serving process runs everything, as
// `serve` without REDIS_URL does. Logs on stderr; the last stdout line is one JSON object.
// BENCH_SERVER_ARGS / BENCH_WORKER_ARGS pass node flags to those processes (`--trace-gc`, `--cpu-prof …`).

const ACCOUNTS = Number(process.env.ACCOUNTS ?? 50);
const PER = Number(process.env.PER ?? 20_000);
const CHANGES = Number(process.env.CHANGES ?? 50);
const SF_CHANGES = Number(process.env.SF_CHANGES ?? 6);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_PROCESS = process.argv.includes('--in-process') || process.env.BENCH_IN_PROCESS === '1';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The simulators' priority (nice), this process's once the app's are started: below serve's, above the worker's. */
const BENCH_NICENESS = 5;
const REDIS_PREFIX = `bench-webhooks-${randomBytes(4).toString('hex')}`;
const CLIENT = { clientId: 'bench-webhooks', clientSecret: 'bench-webhooks-client-secret' };
const APP_SECRET = randomBytes(32).toString('base64url');
const TAGS = 'community_sync_tags';
const log = (message: string) => process.stderr.write(`${message}\n`);
const since = (start: number) => Math.round(performance.now() - start);
const notOAuth = (c: LoggedCall) => !c.path.startsWith('/oauth/');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const database = `bench_webhooks_${randomBytes(4).toString('hex')}`;
const databaseUrl = Object.assign(new URL(BASE_URL), { pathname: `/${database}` }).toString();
const admin = new pg.Client({ connectionString: BASE_URL });
await admin.connect();
await admin.query(`create database ${database}`);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];

try {
  let started = performance.now();
  const snapshot = syntheticTenant({ accounts: ACCOUNTS, contacts: ACCOUNTS * PER });
  const contacts = snapshot.children.reduce((n, c) => n + c.contacts.length, 0);
  const targets = matchTargets(snapshot, CHANGES);
  // HubSpot sends only what the app subscribed to (manifest.json): not the changes of its own tag property.
  const manifest = JSON.parse(readFileSync('manifest.json', 'utf8'));
  const hubspot = await startHubspotSimulator({
    snapshot,
    ...CLIENT,
    webhooks: { subscriptions: manifest.providers.hubspot.webhooks.crmObjects },
  });
  cleanups.push(() => hubspot.close());
  const sfSnapshot = syntheticTenant({ accounts: 3, contacts: 600, seed: 7 });
  const salesforce = await startSalesforceSimulator({ snapshot: sfSnapshot });
  cleanups.push(() => salesforce.close());
  log(`${contacts} contacts in ${ACCOUNTS} portals generated and served in ${since(started)} ms`);

  const opened = await openDatabase({ databaseUrl, dataDir });
  cleanups.push(() => opened.close());
  const store = new Store(opened, new SecretBox(APP_SECRET));
  const connector = hubspotConnector({ baseUrl: hubspot.url, ...CLIENT });
  const tenantId = await connectHubspotTenant(store, snapshot, hubspot, connector);
  const sfTenantId = await connectSalesforceTenant(store, sfSnapshot, salesforce);

  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    PUBLIC_URL: appUrl,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    APP_SECRET,
    SCHEDULER: 'off',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    HUBSPOT_CLIENT_ID: CLIENT.clientId,
    HUBSPOT_CLIENT_SECRET: CLIENT.clientSecret,
    BENCH_HUBSPOT_URL: hubspot.url,
    SALESFORCE_CLIENT_ID: 'client',
    SALESFORCE_CLIENT_SECRET: 'secret',
    SALESFORCE_LOGIN_URL: salesforce.url,
    ...(IN_PROCESS ? { REDIS_URL: '' } : { REDIS_URL, REDIS_PREFIX }),
  };
  let display: ProgressDisplay | null = null;
  /** One of the app's processes (bench/webhooks-server.ts), stopped at the end; its answers in order. */
  const start = async (role: 'serve' | 'worker', args: string | undefined) => {
    const child: ChildProcess = fork('bench/webhooks-server.ts', [role], {
      execArgv: ['--import', 'tsx', ...(args ?? '').split(' ').filter(Boolean)],
      stdio: ['ignore', 2, 2, 'ipc'],
      env,
    });
    cleanups.unshift(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    );
    const answers: ServerAnswer[] = [];
    child.on('message', (answer: ServerAnswer) => {
      if (answer.type === 'progress') display?.update(answer.progress);
      else answers.push(answer);
    });
    child.once('exit', (code) => code && log(`${role} exited with ${code}`));
    await waitFor(() => answers.some((a) => a.type === 'ready'), `the ${role} process to start`, 120_000, 50);
    return { child, answers };
  };
  if (!IN_PROCESS) {
    // The run's keys are all under its prefix: deleted at the end.
    cleanups.push(async () => {
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${REDIS_PREFIX}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    });
  }
  const server = await start('serve', process.env.BENCH_SERVER_ARGS);
  const worker = IN_PROCESS ? server : await start('worker', process.env.BENCH_WORKER_ARGS);
  // The webhook sender of step 2, started now at the app's priority: it waits for the word to begin.
  const sender = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/webhooks-acks.ts',
      `${appUrl}/webhooks/hubspot`,
      CLIENT.clientSecret,
      snapshot.children.map((c) => c.id).join(','),
    ],
    { stdio: ['pipe', 'pipe', 2] },
  );
  cleanups.unshift(() => sender.kill());
  const senderExit = new Promise<number | null>((resolve) => sender.once('exit', resolve));
  // This process holds the simulated CRMs, which stand for HubSpot's and Salesforce's servers, not on the app's
  // machine: once the app's processes (and the sender, which times them) are started at the priority they would
  // have, it runs at nice 5, so it takes the shared cores only when the serving process leaves them (the worker
  // lowers itself to 10). It measures nothing of its own: every figure is timed by the app's processes or the sender.
  try {
    if (getPriority() < BENCH_NICENESS) setPriority(BENCH_NICENESS);
  } catch (error) {
    log(`could not lower the bench's own priority (${error}); it shares the cores with the app at its own`);
  }
  const queue = IN_PROCESS ? null : new RedisJobQueue({ url: REDIS_URL, prefix: REDIS_PREFIX }, silentLogger);
  if (queue) cleanups.unshift(() => queue.close());
  hubspot.webhooks.target(`${appUrl}/webhooks/hubspot`);
  let measures = 0;
  /** The serving process's longest loop stall and its webhook answers' times while `work` ran. */
  const measured = async <T>(work: () => Promise<T>) => {
    server.child.send({ type: 'measure' } satisfies ServerRequest);
    const value = await work();
    const id = ++measures;
    server.child.send({ type: 'measured', id } satisfies ServerRequest);
    await waitFor(
      () => server.answers.some((a) => a.type === 'measured' && a.id === id),
      'a measure',
      10_000,
      20,
    );
    const found = server.answers.find((a) => a.type === 'measured' && a.id === id) as Extract<
      ServerAnswer,
      { type: 'measured' }
    >;
    if (found.stalls.length > 0)
      log(
        `the server's longest stalls: ${found.stalls.map((s) => `${s.ms} ms at ${s.atMs} ms (ran ${s.ranMs} ms, collecting ${s.gcMs} ms)`).join('; ')}`,
      );
    return { value, ...found };
  };
  /** A full run of the tenant: queued for the worker (in-process: asked of the server). */
  const fullRun = async (tenantId: string) => {
    const from = worker.answers.length;
    display = new ProgressDisplay(process.stderr, { label: 'full run' });
    if (queue) await queue.enqueue({ tenantId, trigger: BENCH_TRIGGER });
    else server.child.send({ type: 'run', tenantId } satisfies ServerRequest);
    const ran = () =>
      worker.answers.slice(from).find((a) => a.type === 'ran' && a.tenantId === tenantId) as
        | Extract<ServerAnswer, { type: 'ran' }>
        | undefined;
    await waitFor(() => ran() !== undefined, 'a full run', 900_000, 100);
    display.finish();
    display = null;
    const result = ran() as Extract<ServerAnswer, { type: 'ran' }>;
    if (result.status !== 'succeeded') throw new Error(`full run ${result.status}: ${result.error ?? ''}`);
    return result;
  };

  // 1. A full run of the tenant, in the worker (in-process: the server): the store ends holding it; the serving
  // process's longest loop stall meanwhile.
  log(
    `server on ${appUrl} (${IN_PROCESS ? 'in-process: no Redis, no worker' : `worker, Redis prefix ${REDIS_PREFIX}`}); full run of ${contacts} contacts …`,
  );
  let mark = hubspot.calls.all().length;
  const { value: full, loopStallMaxMs } = await measured(() => fullRun(tenantId));
  const fullRunCalls = hubspot.calls.all().slice(mark).filter(notOAuth).length;
  log(
    `full run: ${full.ms} ms, ${fullRunCalls} calls (OAuth excluded), ${full.written} written, ${full.shared} shared, ` +
      `the server's longest loop stall ${loopStallMaxMs} ms`,
  );
  await fullRun(sfTenantId);
  await hubspot.webhooks.idle();

  // 2. Ack latency: 100 signed POSTs of 100 events, 10 at a time, from a sender process of its own; each is stored
  // before its 2xx (counted below).
  started = performance.now();
  // Who used the cores meanwhile (Postgres counted whole: its autovacuum and checkpoints after the full run too).
  const pids = { server: server.child.pid, worker: worker.child.pid, bench: process.pid };
  const cpuBefore = cpuMsByProcess(pids);
  const vacuuming = async () => {
    const { rows } = await admin.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where backend_type = 'autovacuum worker'`,
    );
    return Number(rows[0]?.n ?? 0);
  };
  const vacuumingBefore = await vacuuming();
  let sent = '';
  sender.stdout?.on('data', (chunk: Buffer) => {
    sent += chunk.toString();
  });
  const {
    value: senderCode,
    webhookAcksMs,
    storesMs,
    loopStallMaxMs: ackStallMs,
  } = await measured(() => {
    sender.stdin?.end('go\n');
    return senderExit;
  });
  if (senderCode !== 0) throw new Error(`the webhook sender exited with ${senderCode}`);
  const { acks, cpuMs: senderCpuMs } = JSON.parse(sent) as { acks: number[]; cpuMs: number };
  log(
    `CPU during the acks: ${cpuBetween(cpuBefore, cpuMsByProcess(pids))} (the sender, exited: ${senderCpuMs} ms); autovacuum workers ${vacuumingBefore} before, ${await vacuuming()} after`,
  );
  const stored = new pg.Client({ connectionString: databaseUrl });
  await stored.connect();
  const { rows } = await stored
    // Stored as deliveries (one row each) until the worker reads their events; counted either way.
    .query<{ n: string }>(
      `select (select count(*) from change_events where property_name = '${TAGS}') +
        (select coalesce(sum(json_array_length(events)), 0) from change_deliveries where events is not null) as n`,
    )
    .finally(() => stored.end());
  const ackP99Ms = Math.round(percentile(acks, 99));
  log(`acks in the order sent (ms): ${acks.map((a) => Math.round(a)).join(' ')}`);
  log(
    `acks: ${acks.length} POSTs in ${since(started)} ms, p50 ${Math.round(percentile(acks, 50))} ms, p99 ${ackP99Ms} ms, ${rows[0]?.n} events stored`,
  );
  // The same POSTs as the server saw them: from their headers to the end of the 204 (no client, no connection).
  log(
    `acks in the server: ${webhookAcksMs.length} POSTs, p50 ${Math.round(percentile(webhookAcksMs, 50))} ms, p99 ${Math.round(percentile(webhookAcksMs, 99))} ms, max ${Math.round(Math.max(...webhookAcksMs))} ms; its longest loop stall meanwhile ${ackStallMs} ms; ` +
      `storing a delivery's events p50 ${Math.round(percentile(storesMs, 50))} ms, p99 ${Math.round(percentile(storesMs, 99))} ms`,
  );
  await new Promise((r) => setTimeout(r, 3_000));

  // 3. Salesforce at the default polling interval, meanwhile: changes spread over a minute, timed to their tags.
  const sfTargets = matchTargets(sfSnapshot, SF_CHANGES);
  const sfLags: number[] = [];
  const sfPhase = (async () => {
    for (const [n, target] of sfTargets.entries()) {
      const token = salesforce.staffToken(target.accountId);
      const made = performance.now();
      const response = await fetch(`${salesforce.url}/services/data/v59.0/sobjects/Contact`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ LastName: `Bench ${n}`, Email: target.email }),
      });
      const { id } = (await response.json()) as { id: string };
      const tagged = () =>
        Boolean(salesforce.org(target.accountId).table('Contact').get(id)?.Community_Sync_Tags__c);
      void waitFor(tagged, 'a Salesforce change to be tagged', 200_000, 50).then(() =>
        sfLags.push(performance.now() - made),
      );
      await new Promise((r) => setTimeout(r, 60_000 / SF_CHANGES));
    }
    await waitFor(() => sfLags.length === sfTargets.length, 'every Salesforce change tagged', 200_000, 100);
  })();

  // 4. Single changes through the HubSpot simulator's API, one at a time, timed to the tags it holds.
  const resyncs: number[] = [];
  const callsPer: number[] = [];
  for (const target of targets) {
    mark = hubspot.calls.all().length;
    const writeAt = performance.now();
    const response = await fetch(`${hubspot.url}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer sandbox-${target.accountId}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { email: target.email, firstname: 'Bench', lastname: 'Change' } }),
    });
    const { id } = (await response.json()) as { id: string };
    const tagsOf = (portal: string, record: string) =>
      hubspot.rawPortal(portal).contacts.get(record)?.properties[TAGS] ?? '';
    await waitFor(
      () => tagsOf(target.accountId, id) !== '' && tagsOf(target.matchedAccountId, target.matchedId) !== '',
      `the tags of a new contact in ${target.accountId}`,
      30_000,
    );
    resyncs.push(performance.now() - writeAt);
    // The resync's calls: everything after the staff's own write until the API is quiet again.
    let seen = hubspot.calls.all().length;
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      await hubspot.webhooks.idle();
      if (hubspot.calls.all().length === seen) break;
      seen = hubspot.calls.all().length;
    }
    const made = hubspot.calls
      .all()
      .slice(mark + 1)
      .filter(notOAuth);
    if (callsPer.length === 0)
      log(`the first change's calls: ${made.map((c) => `${c.accountId} ${c.method} ${c.path}`).join(', ')}`);
    callsPer.push(made.length);
  }
  const resyncP50Ms = Math.round(percentile(resyncs, 50));
  const resyncP95Ms = Math.round(percentile(resyncs, 95));
  const callsPerResync = Number(
    (callsPer.reduce((a, b) => a + b, 0) / Math.max(1, callsPer.length)).toFixed(2),
  );
  log(
    `changes: ${resyncs.length}, p50 ${resyncP50Ms} ms, p95 ${resyncP95Ms} ms, max ${Math.round(Math.max(...resyncs))} ms; calls ${callsPer.join(' ')}`,
  );
  await sfPhase;
  const salesforceLagP95Ms = Math.round(percentile(sfLags, 95));
  log(`salesforce: lags ${sfLags.map((l) => Math.round(l)).join(' ')} ms at the default 60 s poll`);

  process.stdout.write(
    `${JSON.stringify({
      contacts,
      ackP99Ms,
      resyncP50Ms,
      resyncP95Ms,
      callsPerResync,
      fullRunCalls,
      loopStallMaxMs,
      salesforceLagP95Ms,
    })}\n`,
  );
} catch (error) {
  log(`bench:webhooks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch((e) => log(`cleanup: ${e}`));
  await admin.query(`drop database if exists ${database} with (force)`).catch((e) => log(`drop: ${e}`));
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
// The Redis queue's connections would keep the process alive a while.
process.exit();
