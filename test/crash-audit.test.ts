import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import { sandboxConnection } from '../connectors/hubspot/sync-fixture.ts';
import { openDatabase } from '../src/store/database.ts';
import { SecretBox } from '../src/store/secrets.ts';
import { Store } from '../src/store/store.ts';
import { runTenant } from '../src/sync/run-tenant.ts';
import { account, person, tenant } from './support/snapshot-builder.ts';

// A run killed mid-write (SIGKILL, no chance to clean up) leaves every change that reached the CRM on record in
// the audit, and the next run converges.

const SECRET = 'crash-test-secret-that-is-long-enough-0123456789';
const PEOPLE = 1_500;
const root = join(import.meta.dirname, '..');

const snapshot = tenant({
  settings: { copyToCorporate: false },
  children: ['north', 'south'].map((id) =>
    account(
      id,
      Array.from({ length: PEOPLE }, (_, i) => person(`${id}-${i}`, { emails: [`person${i}@example.com`] })),
      { name: id === 'north' ? 'North' : 'South' },
    ),
  ),
});

let simulator: RunningHubspotSimulator | undefined;
afterAll(async () => {
  await simulator?.close();
});

const tagged = (sim: RunningHubspotSimulator) =>
  ['north', 'south'].flatMap((portal) =>
    sim
      .portal(portal)
      .contacts.filter((c) => (c.properties.community_sync_tags ?? '') !== '')
      .map((c) => `${portal}/${c.id}`),
  );

describe('a run killed mid-write', () => {
  it('leaves an audit entry for every change that reached the CRM, and the next run finishes the job', async () => {
    const sim = await startHubspotSimulator({ snapshot, rateLimit: { max: 110, intervalMs: 1_000 } });
    simulator = sim;
    const dataDir = join(mkdtempSync(join(tmpdir(), 'cs-crash-')), 'data');
    const setup = await openDatabase({ dataDir });
    const setupStore = new Store(setup, new SecretBox(SECRET));
    const { id: tenantId } = await setupStore.tenants.create('Crash Living', { copyToCorporate: false });
    for (const child of snapshot.children) {
      const connection = sandboxConnection(child, 'child');
      await setupStore.accounts.save(tenantId, {
        provider: 'hubspot',
        externalId: child.id,
        role: 'child',
        name: child.name,
        country: null,
        tokens: connection.tokens,
        details: {},
      });
    }
    await setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/support/crash-run.ts')], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, SIM_URL: sim.url, TENANT_ID: tenantId, APP_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    // Kill it once some writes have landed and before all have.
    for (;;) {
      const count = tagged(sim).length;
      if (count >= 300) break;
      if (child.exitCode !== null) throw new Error(`the run ended before it could be killed: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const written = tagged(sim);
    expect(written.length).toBeLessThan(2 * PEOPLE);

    const after = await openDatabase({ dataDir });
    try {
      const store = new Store(after, new SecretBox(SECRET));
      const [killed] = await store.runs.list(tenantId);
      expect(killed?.status).toBe('running');
      const audit = await store.audit.list(tenantId, killed?.id ?? 0);
      const onRecord = new Set(audit.map((e) => `${e.accountId}/${e.recordId}`));
      expect(written.filter((record) => !onRecord.has(record))).toEqual([]);
      expect(audit.every((e) => e.status === 'pending' || e.status === 'written')).toBe(true);

      // The process is gone: its run is failed, and the next run writes the rest and nothing twice.
      expect(await store.runs.failAbandoned({ staleAfterMs: 0 })).toBe(1);
      const connector = hubspotConnector({ baseUrl: sim.url, clientId: 'sim-client-id', clientSecret: 'x' });
      const rerun = await runTenant(store, () => connector, tenantId);
      expect(rerun.status).toBe('succeeded');
      expect(rerun.report.written).toBe(2 * PEOPLE - written.length);
      expect(tagged(sim)).toHaveLength(2 * PEOPLE);
    } finally {
      await after.close();
    }
  }, 120_000);
});
