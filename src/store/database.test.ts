import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl, testDatabases } from '../../test/support/databases.ts';
import { recordingLogger } from '../../test/support/recording-logger.ts';
import { type TcpProxy, tcpProxy } from '../../test/support/tcp-proxy.ts';
import { DatabaseUnreachableError, type OpenDatabase } from './database.ts';

// check() is what /healthz asks: the database answers, or an error says why not. The outage is real: the app
// reaches the Postgres server through a local proxy the test stops and starts again.

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
});
