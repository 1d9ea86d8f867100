import type { AddressInfo } from 'node:net';
import { createApp, type ServerDeps } from '../../src/server/app.ts';
import type { OpenDatabase } from '../../src/store/database.ts';
import { SecretBox } from '../../src/store/secrets.ts';
import { Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import type { MemoryProvider } from './memory-connector.ts';

// The app's HTTP server over a test database and the in-memory provider, on a free port.

export interface TestApp {
  base: string;
  store: Store;
  close(): void;
}

export async function startTestApp(
  opened: OpenDatabase,
  provider: MemoryProvider,
  options: { secret: string } & Partial<ServerDeps>,
): Promise<TestApp> {
  const store = new Store(opened.db, new SecretBox(options.secret));
  const app = createApp({
    store,
    connectorFor: () => provider.connector(),
    enabledProviders: ['hubspot'],
    runTenant: (tenantId, runOptions) => runTenant(store, () => provider.connector(), tenantId, runOptions),
    appSecret: options.secret,
    publicUrl: 'http://localhost:3000',
    ...options,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    close: () => server.close(),
  };
}
