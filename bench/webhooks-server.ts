import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Connector, ProviderName } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { salesforceConnector } from '../connectors/salesforce/index.ts';
import { loadConfig } from '../src/app/config.ts';
import { createLogger } from '../src/app/logger.ts';
import { openRuntime, serve } from '../src/app/runtime.ts';
import type { RunProgress } from '../src/sync/run-once.ts';

// The serving process of bench:webhooks: the app as `serve` runs it, its store on the Postgres server, its
// connectors pointed at the bench's simulators (BENCH_HUBSPOT_URL; Salesforce through SALESFORCE_LOGIN_URL). It
// holds no tenant data of its own. Over IPC the bench asks it for a full run of a tenant, measured by the longest
// event-loop stall while it ran (perf_hooks.monitorEventLoopDelay, in this process).

export type ServerRequest = { type: 'run'; tenantId: string; id: number };
export type ServerAnswer =
  | { type: 'ready'; url: string }
  | { type: 'progress'; progress: RunProgress }
  | {
      type: 'ran';
      id: number;
      status: string;
      ms: number;
      written: number;
      shared: number;
      loopStallMaxMs: number;
      error?: string;
    };

/** The delay histogram samples every 10 ms; a sample's delay beyond that is the stall. */
const RESOLUTION_MS = 10;

const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL);
const send = (answer: ServerAnswer) => process.send?.(answer);
const connectors: Partial<Record<ProviderName, Connector>> = {
  hubspot: hubspotConnector({
    baseUrl: process.env.BENCH_HUBSPOT_URL ?? '',
    clientId: config.HUBSPOT_CLIENT_ID ?? '',
    clientSecret: config.HUBSPOT_CLIENT_SECRET ?? '',
  }),
  salesforce: salesforceConnector({
    clientId: config.SALESFORCE_CLIENT_ID ?? '',
    clientSecret: config.SALESFORCE_CLIENT_SECRET ?? '',
    ...(config.SALESFORCE_LOGIN_URL ? { loginUrl: config.SALESFORCE_LOGIN_URL } : {}),
  }),
};
const runtime = await openRuntime(config, logger, connectors);
const serving = await serve(runtime, { hubspotWebhookSecret: config.HUBSPOT_CLIENT_SECRET ?? '' });
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

process.on('message', (message: ServerRequest) => {
  if (message.type !== 'run') return;
  const started = performance.now();
  delay.reset();
  delay.enable();
  const answer = (
    fields: Omit<Extract<ServerAnswer, { type: 'ran' }>, 'type' | 'id' | 'ms' | 'loopStallMaxMs'>,
  ) => {
    delay.disable();
    send({
      type: 'ran',
      id: message.id,
      ms: Math.round(performance.now() - started),
      loopStallMaxMs: Math.max(0, Math.round(delay.max / 1e6 - RESOLUTION_MS)),
      ...fields,
    });
  };
  const progress = ({ phase, accounts }: RunProgress) =>
    send({ type: 'progress', progress: { phase, accounts } });
  runtime.runTenant(message.tenantId, { trigger: 'bench', onProgress: progress }).then(
    (result) =>
      answer({
        status: result.status,
        written: result.report.written,
        shared: result.report.plan.shared.length,
      }),
    (error: unknown) => answer({ status: 'error', written: 0, shared: 0, error: String(error) }),
  );
});
process.once('SIGTERM', () => {
  serving
    .close()
    .then(() => runtime.close())
    .finally(() => process.exit(0));
});
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
send({ type: 'ready', url: serving.url });
