import { readFileSync } from 'node:fs';
import { parseSnapshot, type Snapshot } from '../../src/core/index.ts';
import { type RunOnceInput, runOnce } from '../../src/sync/run-once.ts';
import type { AccountConnection, Connector } from '../connector.ts';
import { type HubspotOptionsInput, hubspotConnector } from './index.ts';
import {
  type HubspotSimulatorOptions,
  type RunningHubspotSimulator,
  startHubspotSimulator,
} from './simulator.ts';

// A tenant served by the simulator, for integration tests and the benchmark: connections use the simulator's
// `sandbox-<portal id>` tokens unless a test gives others.

export function readScenario(name: string): Snapshot {
  return parseSnapshot(
    JSON.parse(readFileSync(new URL(`../../test/scenarios/${name}.snapshot.json`, import.meta.url), 'utf8')),
  );
}

export function sandboxConnection(
  account: { id: string; name: string; country?: string | null },
  role: 'child' | 'corporate',
): AccountConnection {
  return {
    accountId: account.id,
    name: account.name,
    role,
    country: account.country ?? null,
    tokens: { accessToken: `sandbox-${account.id}`, refreshToken: null, expiresAt: null },
    details: {},
  };
}

/** HubSpot's window shrunk to 1 s, so tests pace ten times faster with the same rules. */
export const FAST_WINDOW = { rateLimit: { max: 110, intervalMs: 1_000 } };

export interface Tenant {
  simulator: RunningHubspotSimulator;
  connector: Connector;
  snapshot: Snapshot;
  run(overrides?: Partial<RunOnceInput>): ReturnType<typeof runOnce>;
  close(): Promise<void>;
}

export async function startTenant(
  snapshot: Snapshot,
  simulatorOptions: Omit<HubspotSimulatorOptions, 'snapshot'> = {},
  connectorOptions: HubspotOptionsInput = {},
): Promise<Tenant> {
  const simulator = await startHubspotSimulator({ snapshot, searchLagMs: 50, ...simulatorOptions });
  const connector = hubspotConnector({
    baseUrl: simulator.url,
    clientId: 'sim-client-id',
    clientSecret: 'sim-client-secret',
    ...connectorOptions,
  });
  const run = (overrides: Partial<RunOnceInput> = {}) =>
    runOnce({
      settings: snapshot.settings,
      children: snapshot.children.map((c) => ({ connector, connection: sandboxConnection(c, 'child') })),
      corporate: snapshot.corporate
        ? { connector, connection: sandboxConnection(snapshot.corporate, 'corporate') }
        : null,
      ...overrides,
    });
  return { simulator, connector, snapshot, run, close: () => simulator.close() };
}

/** The tag values a portal's contact holds now. */
export function tagValuesOf(
  tenant: Tenant,
  portalId: string,
  contactId: string,
  tagProperty = 'community_sync_tags',
): string[] {
  const contact = tenant.simulator.portal(portalId).contacts.find((c) => c.id === contactId);
  const raw = contact?.properties[tagProperty];
  return raw ? raw.split(';').sort() : [];
}

export const writeCalls = (tenant: Tenant) =>
  tenant.simulator.calls.count((c) => c.method !== 'GET' && !c.path.startsWith('/oauth/'));
