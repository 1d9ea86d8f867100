import { hubspotConnector } from '../../connectors/hubspot/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import { SecretBox } from '../../src/store/secrets.ts';
import { Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';

// A tenant's run in a process of its own, for tests that kill it mid-write: DATA_DIR, SIM_URL, TENANT_ID and
// APP_SECRET say what to run against.

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const database = await openDatabase({ dataDir: env('DATA_DIR') });
const store = new Store(database, new SecretBox(env('APP_SECRET')));
const connector = hubspotConnector({
  baseUrl: env('SIM_URL'),
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
});
process.stdout.write('running\n');
const { status } = await runTenant(store, () => connector, env('TENANT_ID'), { trigger: 'test' });
process.stdout.write(`finished ${status}\n`);
await database.close();
