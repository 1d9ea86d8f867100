import { hubspotConnector } from '../../connectors/hubspot/index.ts';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { startWorker, stopOnSignals } from '../../src/app/worker.ts';
import { PROCESS_ID } from '../../src/sync/run-tenant.ts';

// `community-sync worker` as the CLI starts it (same config, runtime and startWorker), with HubSpot at SIM_URL (the
// simulator) instead of api.hubapi.com. Prints `worker <owner id>` once it takes jobs.

const simulator = process.env.SIM_URL;
if (!simulator) throw new Error('SIM_URL is required');
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const runtime = await openRuntime(config, logger, {
  hubspot: hubspotConnector({
    baseUrl: simulator,
    clientId: 'sim-client-id',
    clientSecret: 'sim-client-secret',
  }),
});
stopOnSignals(await startWorker(runtime), runtime);
process.stdout.write(`worker ${PROCESS_ID}\n`);
