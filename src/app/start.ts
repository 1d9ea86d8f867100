import type { Logger } from '../../connectors/connector.ts';
import { configuredConnectors } from '../../connectors/index.ts';
import type { Config } from './config.ts';
import { openRuntime, type Runtime, type Serving, serve } from './runtime.ts';

// `serve` / `npm start`: the app for real with credentials, or the sandbox on embedded defaults.

export interface Started {
  runtime: Runtime;
  serving: Serving;
  /** Plain lines for stdout: the sandbox's first-run summary, then the admin URL, last. */
  summary: string[];
  close(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<Started> {
  if (!config.sandbox) {
    const runtime = await openRuntime(config, logger, configuredConnectors(config));
    const serving = await serve(
      runtime,
      config.HUBSPOT_CLIENT_SECRET ? { hubspotWebhookSecret: config.HUBSPOT_CLIENT_SECRET } : {},
    );
    return {
      runtime,
      serving,
      summary: [serving.url],
      close: async () => {
        await serving.close();
        await runtime.close();
      },
    };
  }

  const { installSandboxTenant, startSandboxCrm } = await import('./sandbox.ts');
  const sandbox = await startSandboxCrm(config);
  const runtime = await openRuntime(config, logger, configuredConnectors(config, sandbox.endpoints));
  let sandboxTenant: string | null = null;
  const serving = await serve(runtime, {
    sandboxTenantId: () => sandboxTenant,
    hubspotWebhookSecret: sandbox.endpoints.hubspotClientSecret,
  });
  const appUrl = serving.url.replace('localhost', '127.0.0.1');
  const tenantId = await installSandboxTenant(runtime, appUrl, (id) => {
    sandboxTenant = id;
  });
  const { report } = await runtime.runTenant(tenantId, { trigger: 'sandbox start' });
  const names = new Map((await runtime.store.accounts(tenantId)).map((a) => [a.accountId, a.name]));
  const byPrimary = new Map<string, number>();
  for (const person of report.plan.shared) {
    byPrimary.set(person.primaryAccountId, (byPrimary.get(person.primaryAccountId) ?? 0) + 1);
  }
  const summary = [
    `sandbox: demo HubSpot accounts on ${sandbox.simulator.url} (simulated; nothing leaves this machine)`,
    `${report.plan.shared.length} shared contacts`,
    ...[...byPrimary].map(([id, count]) => `  ${count} with primary account ${names.get(id) ?? id}`),
    `${report.written} changes written`,
    ...report.accountErrors.map((e) => `account ${names.get(e.accountId) ?? e.accountId}: ${e.message}`),
    serving.url,
  ];
  return {
    runtime,
    serving,
    summary,
    close: async () => {
      await serving.close();
      await runtime.close();
      await sandbox.simulator.close();
    },
  };
}
