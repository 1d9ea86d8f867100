import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { Connector } from '../../connectors/connector.ts';
import { sandboxConnection } from '../../connectors/hubspot/sync-fixture.ts';
import type { LoggedCall } from '../../connectors/shared/simulator-kit.ts';
import type { Snapshot } from '../../src/core/index.ts';
import type { NewChangeEvent, Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import { serverUrl } from './databases.ts';
import { account, person, tenant } from './snapshot-builder.ts';

// Tenants synced by several `worker` processes against one HubSpot simulator: the layout (two communities and a
// corporate portal per tenant, half their people shared), a Postgres database of their own, the worker processes,
// and what the tests and the benchmark check afterwards.

const root = join(import.meta.dirname, '..', '..');
export const FLEET_SECRET = 'fleet-test-secret-that-is-long-enough-0123456789';

export interface FleetTenant {
  name: string;
  children: [string, string];
  corporate: string;
}

type Portal = ReturnType<typeof account>;

/** `tenants` tenants of two communities with `perChild` contacts each (half shared) and an empty corporate portal. */
export function fleetLayout(
  tenants: number,
  perChild: number,
  tag = 't',
): { portals: Portal[]; tenants: FleetTenant[] } {
  const layout: FleetTenant[] = [];
  const portals = [];
  for (let t = 0; t < tenants; t++) {
    const [a, b, c] = ['a', 'b', 'c'].map((p) => `${tag}${t}${p}`) as [string, string, string];
    const email = (i: number, side: string) =>
      i < perChild / 2 ? `p${i}@${tag}${t}.example.com` : `${side}${i}@${tag}${t}.example.com`;
    portals.push(
      account(
        a,
        Array.from({ length: perChild }, (_, i) => person(`${a}-${i}`, { emails: [email(i, 'a')] })),
        {
          name: `Tenant ${t} North`,
        },
      ),
      account(
        b,
        Array.from({ length: perChild }, (_, i) => person(`${b}-${i}`, { emails: [email(i, 'b')] })),
        {
          name: `Tenant ${t} South`,
        },
      ),
      account(c, [], { name: `Tenant ${t} Corporate` }),
    );
    layout.push({ name: `Tenant ${t}`, children: [a, b], corporate: c });
  }
  return { portals, tenants: layout };
}

/** The simulator's snapshot of every portal: it serves them alike; which one is corporate is the app's business. */
export const fleetSnapshot = (...layouts: { portals: Portal[] }[]): Snapshot =>
  tenant({ children: layouts.flatMap((l) => l.portals) });

/** Stores the tenants with their portals connected (simulator sandbox tokens); returns their ids in layout order. */
export async function seedTenants(
  store: Store,
  layout: readonly FleetTenant[],
  settings: Record<string, unknown>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const t of layout) {
    const { id } = await store.tenants.create(t.name, settings);
    const portals = [
      ...t.children.map((p, i) => ({
        id: p,
        role: 'child' as const,
        name: `${t.name} ${i ? 'South' : 'North'}`,
      })),
      { id: t.corporate, role: 'corporate' as const, name: `${t.name} Corporate` },
    ];
    for (const portal of portals) {
      const connection = sandboxConnection(portal, portal.role);
      await store.accounts.save(id, {
        provider: 'hubspot',
        externalId: portal.id,
        role: portal.role,
        name: portal.name,
        country: null,
        tokens: connection.tokens,
        details: {},
      });
    }
    ids.push(id);
  }
  return ids;
}

/** A Postgres database of its own on the test server (worker processes reach it by URL alone). */
export async function fleetDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cs_fleet_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`).finally(() => admin.end());
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`).finally(() => client.end());
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** The owner its runs record (runs.owner). */
  processId: string;
  output(): string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts a `worker` process (test/support/worker-process.ts) and waits until it takes jobs. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/support/worker-process.ts')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', APP_SECRET: FLEET_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const processId = /^worker (\S+)$/m.exec(output)?.[1];
      if (processId) resolve({ child, processId, output: () => output, exited });
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((how) =>
      reject(new Error(`worker exited (${String(how)}) before it started:\n${output}`)),
    );
  });
}

/** The most requests any portal received in any rolling window of `windowMs`. */
export function maxRequestsPerWindow(calls: readonly LoggedCall[], windowMs = 10_000): number {
  const byPortal = new Map<string, number[]>();
  for (const call of calls) {
    if (!call.accountId) continue;
    byPortal.set(call.accountId, [...(byPortal.get(call.accountId) ?? []), call.at]);
  }
  let most = 0;
  for (const times of byPortal.values()) {
    times.sort((a, b) => a - b);
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
      most = Math.max(most, end - start + 1);
    }
  }
  return most;
}

/** Changes a fresh plan of the tenant still asks for (0: the CRM is where the plan wants it). */
export async function changesLeft(store: Store, connector: Connector, tenantId: string): Promise<number> {
  const { report } = await runTenant(store, () => connector, tenantId, { dryRun: true, trigger: 'check' });
  return report.plan.children.length + report.plan.corporate.length;
}

/** Emails carried by more than one contact of a portal (a corporate copy made twice). */
export function duplicateEmails(
  contacts: readonly { properties: Record<string, string | null> }[],
): string[] {
  const seen = new Map<string, number>();
  for (const c of contacts) {
    const email = c.properties.email;
    if (email) seen.set(email, (seen.get(email) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([email]) => email);
}

/** A HubSpot edit of a contact's email, as the webhook route stores it. */
export const emailEdit = (accountId: string, objectId: string, occurredAt = new Date()): NewChangeEvent => ({
  provider: 'hubspot',
  accountId,
  subscriptionId: '1',
  subscriptionType: 'contact.propertyChange',
  objectTypeId: '0-1',
  objectId,
  propertyName: 'email',
  propertyValue: null,
  mergedObjectIds: null,
  primaryObjectId: null,
  associatedObjectId: null,
  associatedTypeId: null,
  occurredAt,
  changeSource: 'CRM_UI',
  sourceId: null,
});
