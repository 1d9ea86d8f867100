import type { Logger } from '../../connectors/connector.ts';
import type { RunningHubspotSimulator } from '../../connectors/hubspot/simulator.ts';
import { configuredConnectors } from '../../connectors/index.ts';
import type { Config } from './config.ts';
import { openRuntime, type Runtime, type Serving, serve } from './runtime.ts';

// `serve` / `npm start`: the app for real with credentials, or the sandbox on embedded defaults.

export interface Started {
  runtime: Runtime;
  serving: Serving;
  /** Sandbox mode: the simulated HubSpot holding the demo accounts (tests read the tags written there). */
  simulator?: RunningHubspotSimulator;
  /** Sandbox mode: the demo tenant. */
  sandboxTenantId?: string;
  close(): Promise<void>;
}

/**
 * Starts the app. `say` receives plain lines for stdout as they become true: in the sandbox first the simulated
 * CRM's base URL, then the first run's summary and the sandbox tenant's id, and last the admin URL; otherwise just
 * the URL.
 */
export async function startApp(
  config: Config,
  logger: Logger,
  say: (line: string) => void,
): Promise<Started> {
  if (!config.sandbox) {
    const runtime = await openRuntime(config, logger, configuredConnectors(config));
    const serving = await serve(
      runtime,
      config.HUBSPOT_CLIENT_SECRET ? { hubspotWebhookSecret: config.HUBSPOT_CLIENT_SECRET } : {},
    );
    say(serving.url);
    return {
      runtime,
      serving,
      close: async () => {
        await serving.close();
        await runtime.close();
      },
    };
  }

  const { installSandboxTenant, startSandboxCrm, suppressListLines } = await import('./sandbox.ts');
  const sandbox = await startSandboxCrm(config);
  // Said once the store is open: a start refused (another process holds DATA_DIR) prints only why.
  const runtime = await openRuntime(config, logger, configuredConnectors(config, sandbox.endpoints)).catch(
    async (error: unknown) => {
      await sandbox.simulator.close();
      throw error;
    },
  );
  say(`HubSpot simulator: ${sandbox.simulator.url} (demo accounts; nothing leaves this machine)`);
  let sandboxTenant: string | null = null;
  // The sandbox signs in whoever opens its page: only this machine may.
  const serving = await serve(runtime, {
    host: '127.0.0.1',
    sandboxTenantId: () => sandboxTenant,
    hubspotWebhookSecret: sandbox.endpoints.hubspotClientSecret,
  });
  // Webhooks on from the first start: every change made through the simulator's API reaches this app, signed.
  sandbox.simulator.webhooks.target(
    `${(config.PUBLIC_URL ?? serving.url).replace(/\/$/, '')}/webhooks/hubspot`,
  );
  const appUrl = serving.url.replace('localhost', '127.0.0.1');
  const tenantId = await installSandboxTenant(runtime, appUrl, (id) => {
    sandboxTenant = id;
  });
  const { report } = await runtime.runTenant(tenantId, { trigger: 'sandbox start' });
  const names = new Map((await runtime.store.accounts.list(tenantId)).map((a) => [a.accountId, a.name]));
  const byPrimary = new Map<string, number>();
  for (const person of report.plan.shared) {
    byPrimary.set(person.primaryAccountId, (byPrimary.get(person.primaryAccountId) ?? 0) + 1);
  }
  const summary = [
    `${report.plan.shared.length} shared contacts`,
    ...[...byPrimary].map(([id, count]) => `  ${count} with primary account ${names.get(id) ?? id}`),
    `${report.written} changes written`,
    // The lists each community now has (setting `segments`), once HubSpot has computed who is in them.
    ...(await suppressListLines(runtime, sandbox.simulator, tenantId)),
    ...report.accountErrors.map((e) => `account ${names.get(e.accountId) ?? e.accountId}: ${e.message}`),
    `Sandbox tenant: ${tenantId} (its admin page runs syncs while the sandbox runs; stop it to use the CLI)`,
    serving.url,
  ];
  for (const line of summary) say(line);
  return {
    runtime,
    serving,
    simulator: sandbox.simulator,
    sandboxTenantId: tenantId,
    close: async () => {
      await serving.close();
      await runtime.close();
      await sandbox.simulator.close();
    },
  };
}
