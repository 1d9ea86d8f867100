import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl, testDatabases } from '../../test/support/databases.ts';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { recordingLogger } from '../../test/support/recording-logger.ts';
import { type TcpProxy, tcpProxy } from '../../test/support/tcp-proxy.ts';
import { startTestApp } from '../../test/support/test-app.ts';
import { DatabaseUnreachableError, type OpenDatabase } from './database.ts';

// check() is what /healthz asks: the database answers, or an error says why not. The outage is real: the app
// reaches the Postgres server through a local proxy the test stops and starts again.

const SECRET = 'health-test-secret-that-is-long-enough-0123456789';
const databases = await testDatabases();
const server = databases.find((d) => d.name === 'postgres');
if (!server) throw new Error('testDatabases() lists no postgres entry');

describe.skipIf(server.skip)('check() on the Postgres server', () => {
  let proxy: TcpProxy;
  let opened: OpenDatabase;
  const logger = recordingLogger();

  beforeAll(async () => {
    const target = new URL(serverUrl);
    proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const through = new URL(serverUrl);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    opened = await server.open({ url: through.toString(), logger });
  });

  afterAll(async () => {
    await proxy?.start().catch(() => {});
    await opened?.close();
    await proxy?.stop();
  });

  it('reports the database down while it is unreachable, and up again after', async () => {
    await expect(opened.check()).resolves.toBeUndefined();
    await proxy.stop();
    const down = await opened.check().catch((error: unknown) => error);
    expect(down).toBeInstanceOf(DatabaseUnreachableError);
    expect((down as Error).message).toMatch(/^the database is not reachable: .*ECONNREFUSED/);
    await proxy.start();
    await expect(opened.check()).resolves.toBeUndefined();
  });

  it('/healthz answers 503 while the database is down and the app keeps serving, then 200 again', async () => {
    const app = await startTestApp(opened, new MemoryProvider({ children: [] }), { secret: SECRET });
    try {
      expect((await fetch(`${app.base}/healthz`)).status).toBe(200);
      await proxy.stop();
      const down = await fetch(`${app.base}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', detail: 'the database is not reachable' });
      expect((await fetch(`${app.base}/api/session`)).status).toBe(200);
      await proxy.start();
      expect(await (await fetch(`${app.base}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      app.close();
    }
  });
});
