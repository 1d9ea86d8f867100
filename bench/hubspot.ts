import { parseArgs } from 'node:util';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { sandboxConnection } from '../connectors/hubspot/sync-fixture.ts';
import type { Plan, Snapshot } from '../src/core/index.ts';
import { runOnce } from '../src/sync/run-once.ts';
import { syntheticTenant } from './synthetic-tenant.ts';

// npm run bench:hubspot -- --portals 5 --contacts 20000
// A full sync of a synthetic tenant (--contacts per child portal, plus a corporate portal) against the simulator
// with HubSpot's real 110 requests / 10 s window, then a rerun. Logs go to stderr; the last stdout line is one
// JSON object of figures.

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
  const wanted = plan.tagOptions.length > 0;
  // No portal starts with the tag property here: creating it is the options' one write, after its group.
  const schemaWrites = wanted ? 2 : 0;
  for (const child of snapshot.children) {
    const changes = plan.children.filter((c) => c.accountId === child.id).length;
    const writes = changes > 0 ? schemaWrites + batches(changes) : 0;
    bounds.set(child.id, pages(child.contacts.length) + pages(child.deals.length) + 1 + 1 + writes);
  }
  if (snapshot.corporate) {
    const creates = plan.corporate.filter((a) => a.action === 'create');
    const updates = plan.corporate.length - creates.length;
    const withoutEmail = creates.filter((a) => a.action === 'create' && !a.email).length;
    const writes =
      plan.corporate.length > 0
        ? schemaWrites + batches(creates.length) + batches(updates) + (withoutEmail ? 3 : 0)
        : 0;
    bounds.set(snapshot.corporate.id, pages(snapshot.corporate.contacts.length) + 1 + writes);
  }
  return bounds;
}

log(`generating ${portals} portals × ${perPortal} contacts …`);
const snapshot = syntheticTenant({ accounts: portals, contacts: portals * perPortal });
const simulator = await startHubspotSimulator({ snapshot, rateLimit: WINDOW });
const connector = hubspotConnector({ baseUrl: simulator.url, clientId: 'bench', clientSecret: 'bench' });
const input = {
  settings: snapshot.settings,
  children: snapshot.children.map((c) => ({ connector, connection: sandboxConnection(c, 'child') })),
  corporate: snapshot.corporate
    ? { connector, connection: sandboxConnection(snapshot.corporate, 'corporate') }
    : null,
  pullConcurrency: portals + 1,
};

try {
  log(`simulator on ${simulator.url}; full sync …`);
  const started = performance.now();
  const first = await runOnce(input);
  const wallMs = Math.round(performance.now() - started);
  const calls = simulator.calls.count();
  const http429 = simulator.calls.count((c) => c.status === 429);
  const failedCalls = Object.values(first.calls).reduce((sum, s) => sum + s.failed, 0);
  const bounds = lowerBounds(snapshot, first.plan);
  const lowerBound = [...bounds.values()].reduce((a, b) => a + b, 0);
  const floorMs = Math.round((Math.max(...bounds.values()) * WINDOW.intervalMs) / WINDOW.max);
  log(
    `full sync: ${wallMs} ms, ${calls} calls, ${first.written} records written, ${first.failures.length} failures`,
  );
  for (const [id, bound] of bounds)
    log(`  portal ${id}: ${simulator.calls.count((c) => c.accountId === id)} calls, lower bound ${bound}`);

  log('rerun …');
  simulator.calls.clear();
  const rerunStarted = performance.now();
  await runOnce(input);
  const rerunWrites = simulator.calls.count((c) => c.method !== 'GET');
  log(`rerun: ${Math.round(performance.now() - rerunStarted)} ms, ${rerunWrites} writes`);

  const contacts = snapshot.children.reduce((sum, c) => sum + c.contacts.length, 0);
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
      failedCalls,
      http429,
      rerunWrites,
    })}\n`,
  );
} finally {
  await simulator.close();
}
