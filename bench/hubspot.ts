import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CallStats } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { sandboxConnection } from '../connectors/hubspot/sync-fixture.ts';
import type { Plan, Snapshot } from '../src/core/index.ts';
import { runOnce } from '../src/sync/run-once.ts';
import { RunProgress } from './run-progress.ts';
import { syntheticTenant } from './synthetic-tenant.ts';

// npm run bench:hubspot -- --portals 5 --contacts 20000
// A full sync of a synthetic tenant (--contacts per child portal, plus a corporate portal) against the simulator
// with HubSpot's real 110 requests / 10 s window, then a rerun. The simulator runs in its own process, as
// HubSpot would, so its work does not slow the connector's event loop. Calls are counted by the connector's
// sessions (every HTTP request, retries included). Logs go to stderr; the last stdout line is one JSON object.

const { values } = parseArgs({
  options: { portals: { type: 'string', default: '5' }, contacts: { type: 'string', default: '20000' } },
});
const portals = Number(values.portals);
const perPortal = Number(values.contacts);
if (!Number.isInteger(portals) || portals < 1 || !Number.isInteger(perPortal) || perPortal < 1) {
  process.stderr.write('error: --portals and --contacts must be positive integers\n');
  process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);
const WINDOW = { max: 110, intervalMs: 10_000 };
const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
const batches = (n: number) => Math.ceil(n / 100);

/** The fewest calls the API allows for the work the plan asks of each portal (see issue 3). */
function lowerBounds(snapshot: Snapshot, plan: Plan): Map<string, number> {
  const bounds = new Map<string, number>();
  // No portal starts with the tag property here: creating it (after its group) is the options' write.
  const schemaWrites = plan.tagOptions.length > 0 ? 2 : 0;
  for (const child of snapshot.children) {
    const changes = plan.children.filter((c) => c.accountId === child.id).length;
    const writes = changes > 0 ? schemaWrites + batches(changes) : 0;
    bounds.set(child.id, pages(child.contacts.length) + pages(child.deals.length) + 1 + 1 + writes);
  }
  if (snapshot.corporate) {
    const creates = plan.corporate.filter((a) => a.action === 'create');
    const updates = plan.corporate.length - creates.length;
    const withoutEmail = creates.some((a) => a.action === 'create' && !a.email);
    const writes =
      plan.corporate.length > 0
        ? schemaWrites + batches(creates.length) + batches(updates) + (withoutEmail ? 2 : 0)
        : 0;
    bounds.set(snapshot.corporate.id, pages(snapshot.corporate.contacts.length) + 1 + writes);
  }
  return bounds;
}

const total = (stats: CallStats) => Object.values(stats.byKind).reduce((a, b) => a + b, 0);
const sum = (all: Record<string, CallStats>, pick: (s: CallStats) => number) =>
  Object.values(all).reduce((n, s) => n + pick(s), 0);

function startSimulatorProcess(snapshotFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'connectors/simulators.ts', 'hubspot', '--snapshot', snapshotFile, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /listening on (\S+)/.exec(seen)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

log(`generating ${portals} portals × ${perPortal} contacts …`);
const snapshot = syntheticTenant({ accounts: portals, contacts: portals * perPortal });
const dir = mkdtempSync(join(tmpdir(), 'bench-hubspot-'));
const snapshotFile = join(dir, 'tenant.snapshot.json');
writeFileSync(snapshotFile, JSON.stringify(snapshot));
const { url, child } = await startSimulatorProcess(snapshotFile);
const hubspot = hubspotConnector({ baseUrl: url, clientId: 'bench', clientSecret: 'bench' });
let runStarted = performance.now();
const phases: string[] = [];
const mark = (what: string) => phases.push(`${what} ${Math.round(performance.now() - runStarted)}`);
// Marks when each account's pull and writes end, for the stderr timeline.
const connector: typeof hubspot = {
  ...hubspot,
  open(connection, hooks) {
    const session = hubspot.open(connection, hooks);
    const timed =
      <A extends unknown[], R>(what: string, work: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        const result = await work(...args);
        mark(`${connection.accountId}:${what}`);
        return result;
      };
    return {
      ...session,
      accountId: session.accountId,
      calls: () => session.calls(),
      ensureTagField: (o) => session.ensureTagField(o),
      pullChild: timed('pulled', () => session.pullChild()),
      pullCorporate: timed('pulled', () => session.pullCorporate()),
      applyTagChanges: timed('tagged', (c) => session.applyTagChanges(c)),
      applyCorporate: timed('copied', (a, p) => session.applyCorporate(a, p)),
    };
  },
};
const progress = new RunProgress('bench:hubspot', [
  ...snapshot.children.map((c) => ({ accountId: c.id, name: c.name })),
  ...(snapshot.corporate ? [{ accountId: snapshot.corporate.id, name: snapshot.corporate.name }] : []),
]);
const tracked = progress.track(connector);
const input = {
  settings: snapshot.settings,
  children: snapshot.children.map((c) => ({ connector: tracked, connection: sandboxConnection(c, 'child') })),
  corporate: snapshot.corporate
    ? { connector: tracked, connection: sandboxConnection(snapshot.corporate, 'corporate') }
    : null,
  pullConcurrency: portals + 1,
};

try {
  log(`simulator on ${url}; full sync …`);
  const started = performance.now();
  runStarted = started;
  const first = await runOnce(input);
  progress.done();
  log(`timeline (ms): ${phases.join(', ')}`);
  const wallMs = Math.round(performance.now() - started);
  const calls = sum(first.calls, total);
  const bounds = lowerBounds(snapshot, first.plan);
  const lowerBound = [...bounds.values()].reduce((a, b) => a + b, 0);
  const floorMs = Math.round((Math.max(...bounds.values()) * WINDOW.intervalMs) / WINDOW.max);
  log(
    `full sync: ${wallMs} ms, ${calls} calls, ${first.written} records written, ${first.failures.length} failures`,
  );
  for (const [id, bound] of bounds)
    log(`  portal ${id}: ${total(first.calls[id] as CallStats)} calls, lower bound ${bound}`);

  log('rerun …');
  const rerunStarted = performance.now();
  progress.reset();
  const rerun = await runOnce(input);
  progress.done();
  const rerunWrites = sum(rerun.calls, (s) => s.byKind.write);
  log(`rerun: ${Math.round(performance.now() - rerunStarted)} ms, ${rerunWrites} writes`);

  const contacts = snapshot.children.reduce((n, c) => n + c.contacts.length, 0);
  process.stdout.write(
    `${JSON.stringify({
      portals,
      contacts,
      calls,
      lowerBound,
      callRatio: Number((calls / lowerBound).toFixed(3)),
      wallMs,
      floorMs,
      wallRatio: Number((wallMs / floorMs).toFixed(3)),
      failedCalls: sum(first.calls, (s) => s.failed),
      http429: sum(first.calls, (s) => s.rateLimited),
      rerunWrites,
    })}\n`,
  );
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
