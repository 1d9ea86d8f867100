import { type OpenDatabase, openDatabase } from '../../../src/store/database.ts';
import { SecretBox } from '../../../src/store/secrets.ts';
import { Store, type StoredAccount } from '../../../src/store/store.ts';
import type { TargetedResyncRequest, TargetedResyncResult } from '../../../src/sync/changes.ts';
import { type SalesforceConnector, salesforceConnector } from '../index.ts';
import { type SalesforceSimulator, startSalesforceSimulator } from '../simulator.ts';
import { sfDate } from '../simulator-org.ts';
import { connectionOf, tenantSnapshot } from './tenant.ts';

// The small tenant of tenant.ts in a store, connected and enabled, against a running simulator: what the change
// feed tests poll and stream. `staff` writes through the simulator's REST API as another user of the org, the
// way a community's staff changes records.

export interface FeedTenant {
  simulator: SalesforceSimulator;
  store: Store;
  tenantId: string;
  connector: SalesforceConnector;
  accounts: StoredAccount[];
  /** Every resync request handed over, in order. */
  resyncs: TargetedResyncRequest[];
  /** A resync that records its request (and, when set, answers with `resyncAnswer` or throws it). */
  resync(request: TargetedResyncRequest): Promise<TargetedResyncResult>;
  resyncAnswer: (() => Promise<TargetedResyncResult>) | null;
  staff(
    accountId: string,
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<unknown>;
  close(): Promise<void>;
}

export async function startFeedTenant(options: { oneOrg?: boolean } = {}): Promise<FeedTenant> {
  const oneOrg = options.oneOrg ?? false;
  const snapshot = tenantSnapshot();
  const simulator = await startSalesforceSimulator({ snapshot, oneOrg });
  // The seeded records were last changed long ago, before any feed looked.
  const longAgo = sfDate(new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString());
  for (const org of simulator.orgs())
    for (const table of org.tables.values())
      for (const record of table.values()) if ('SystemModstamp' in record) record.SystemModstamp = longAgo;
  const opened: OpenDatabase = await openDatabase({ dataDir: 'memory://' });
  const store = new Store(opened, new SecretBox('feed-test-secret-that-is-long-enough-0123456789'));
  const tenant = await store.tenants.create('Acme Living', { enabled: true, tags: ['multi-location'] });
  const connector = salesforceConnector({
    loginUrl: simulator.url,
    clientId: 'client',
    clientSecret: 'secret',
    sleep: async () => {},
  });
  const accounts: StoredAccount[] = [];
  const roles = [
    ...snapshot.children.map((c) => ({ account: c, role: 'child' as const })),
    ...(snapshot.corporate ? [{ account: snapshot.corporate, role: 'corporate' as const }] : []),
  ];
  for (const { account, role } of roles) {
    const connection = connectionOf(simulator, account, role, oneOrg);
    accounts.push(
      await store.accounts.save(tenant.id, {
        provider: 'salesforce',
        externalId: connection.accountId,
        role,
        name: connection.name,
        country: connection.country,
        tokens: connection.tokens,
        details: connection.details,
      }),
    );
  }
  const feed: FeedTenant = {
    simulator,
    store,
    tenantId: tenant.id,
    connector,
    accounts,
    resyncs: [],
    resyncAnswer: null,
    async resync(request) {
      feed.resyncs.push(request);
      if (feed.resyncAnswer) return feed.resyncAnswer();
      return { runId: null, mode: 'targeted', written: 0, calls: 0 };
    },
    async staff(accountId, method, path, body) {
      const token = simulator.staffToken(accountId);
      const response = await fetch(`${simulator.url}/services/data/v59.0${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok)
        throw new Error(`staff ${method} ${path}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? null : response.json();
    },
    async close() {
      await opened.close();
      await simulator.close();
    },
  };
  return feed;
}
