import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type ServerDeps } from '../../src/server/app.ts';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
import { SecretBox } from '../../src/store/secrets.ts';
import { Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import type { MemoryProvider } from './memory-connector.ts';

// The app's HTTP server over a test database and the in-memory provider, on a free port of this machine. Its
// public URL is the address it answers on, so browsers pass the same-origin check.

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
  const store = options.store ?? new Store(opened, new SecretBox(options.secret));
  let app: ReturnType<typeof createApp> | undefined;
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => app?.(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  app = createApp({
    store,
    connectorFor: () => provider.connector(),
    enabledProviders: ['hubspot'],
    runTenant: (tenantId, runOptions) => runTenant(store, () => provider.connector(), tenantId, runOptions),
    appSecret: options.secret,
    publicUrl: base,
    ...options,
  });
  return { base, store, close: () => server.close() };
}

/**
 * The app on a fresh in-memory PGlite for one test file: started before its tests, stopped after. Read `base` and
 * `store` inside tests (they exist once the file's beforeAll ran).
 */
export function useTestApp(
  provider: MemoryProvider,
  options: { secret: string } & Partial<ServerDeps>,
): TestApp & { opened: OpenDatabase } {
  let opened: OpenDatabase | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    opened = await openDatabase({ dataDir: 'memory://' });
    app = await startTestApp(opened, provider, options);
  });
  afterAll(async () => {
    app?.close();
    await opened?.close();
  });
  const started = () => {
    if (!app || !opened) throw new Error('the test app starts in beforeAll: use it inside a test');
    return { app, opened };
  };
  return {
    get base() {
      return started().app.base;
    },
    get store() {
      return started().app.store;
    },
    get opened() {
      return started().opened;
    },
    close: () => app?.close(),
  };
}
