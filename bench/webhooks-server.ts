import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Connector, ProviderName } from '../connectors/connector.ts';
import { hubspotConnector } from '../connectors/hubspot/index.ts';
import { salesforceConnector } from '../connectors/salesforce/index.ts';
import { loadConfig } from '../src/app/config.ts';
import { createLogger } from '../src/app/logger.ts';
import { openRuntime, type Runtime, serve } from '../src/app/runtime.ts';
import { startWorker } from '../src/app/worker.ts';
import type { RunProgress } from '../src/sync/run-once.ts';

// The app's processes in bench:webhooks, as `serve` and `community-sync worker` run them: the store on the Postgres
// server, the connectors pointed at the bench's simulators (BENCH_HUBSPOT_URL; Salesforce through
// SALESFORCE_LOGIN_URL). argv `serve` (the default) or `worker`. With REDIS_URL the serving process only answers and
// queues, and the worker runs every job (the bench's full runs, queued with the trigger `bench`, report their
// progress and result over IPC); without it (`--in-process`) the serving process runs the jobs and, over IPC, the
// bench's full runs. The serving process measures, between `measure` and `measured`, its longest event-loop stall
// (perf_hooks.monitorEventLoopDelay) and the time it took to answer each webhook POST (from its headers to the end
// of its response, diagnostics_channel), and how long storing each delivery's events took.

export type ServerRequest =
  | { type: 'run'; tenantId: string }
  | { type: 'measure' }
  | { type: 'measured'; id: number };
export type ServerAnswer =
  | { type: 'ready' }
  | { type: 'progress'; progress: RunProgress }
  | {
      type: 'ran';
      tenantId: string;
      status: string;
      ms: number;
      written: number;
      shared: number;
      error?: string;
    }
  | {
      type: 'measured';
      id: number;
      loopStallMaxMs: number;
      webhookAcksMs: number[];
      storesMs: number[];
      stalls: Stall[];
    };

/**
 * A stall of the serving process's loop, to tell what it was: `ranMs` is the CPU time the process used meanwhile
 * (near `ms`: its own work, its collector's `gcMs` included; near 0: it waited for a core), `atMs` since `measure`.
 */
export interface Stall {
  atMs: number;
  ms: number;
  ranMs: number;
  gcMs: number;
}

/** The delay histogram samples every 10 ms; a sample's delay beyond that is the stall. */
const RESOLUTION_MS = 10;
/** Stalls longer than this are described (the five longest). */
const DESCRIBED_STALL_MS = 30;
/** The bench's full runs are queued (or asked for) with this trigger. */
export const BENCH_TRIGGER = 'bench';

const role = process.argv[2] ?? 'serve';
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
const opened = await openRuntime(config, logger, connectors);

/** The runtime, its bench-triggered full runs reporting their progress and result to the bench. */
const runtime: Runtime = {
  ...opened,
  runTenant: async (tenantId, options = {}) => {
    if (options.trigger !== BENCH_TRIGGER) return opened.runTenant(tenantId, options);
    const started = performance.now();
    const onProgress = ({ phase, accounts }: RunProgress) =>
      send({ type: 'progress', progress: { phase, accounts } });
    const ran = (
      fields: Pick<Extract<ServerAnswer, { type: 'ran' }>, 'status' | 'written' | 'shared' | 'error'>,
    ) => send({ type: 'ran', tenantId, ms: Math.round(performance.now() - started), ...fields });
    try {
      const result = await opened.runTenant(tenantId, { ...options, onProgress });
      ran({
        status: result.status,
        written: result.report.written,
        shared: result.report.plan.shared.length,
      });
      return result;
    } catch (error) {
      ran({ status: 'error', written: 0, shared: 0, error: String(error) });
      throw error;
    }
  },
};

/** Times the loop's stalls with a 10 ms timer, with the CPU time and the collector's pauses in each. */
function stallWatch() {
  let timer: NodeJS.Timeout | undefined;
  let found: Stall[] = [];
  let gcs: { at: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push({ at: entry.startTime, ms: entry.duration });
  });
  return {
    start() {
      found = [];
      gcs = [];
      observer.observe({ entryTypes: ['gc'] });
      const began = performance.now();
      let last = began;
      let cpu = process.cpuUsage();
      timer = setInterval(() => {
        const now = performance.now();
        const ms = now - last - RESOLUTION_MS;
        const used = process.cpuUsage(cpu);
        if (ms > DESCRIBED_STALL_MS) {
          const gcMs = gcs.filter((g) => g.at >= last && g.at < now).reduce((sum, g) => sum + g.ms, 0);
          found.push({
            atMs: Math.round(last - began),
            ms: Math.round(ms),
            ranMs: Math.round((used.user + used.system) / 1_000),
            gcMs: Math.round(gcMs),
          });
        }
        gcs = gcs.filter((g) => g.at >= now - 1_000);
        last = now;
        cpu = process.cpuUsage();
      }, RESOLUTION_MS);
    },
    stop(): Stall[] {
      clearInterval(timer);
      observer.disconnect();
      return found.sort((a, b) => b.ms - a.ms).slice(0, 5);
    },
  };
}

let close: () => Promise<unknown>;
if (role === 'worker') {
  const working = await startWorker(runtime);
  close = () => working.close();
} else {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const stalls = stallWatch();
  const acks: number[] = [];
  // How long each delivery's events took to be stored (waiting for a statement, then its round trip and commit).
  const stores: number[] = [];
  const events = runtime.store.changeEvents;
  const record = events.record.bind(events);
  events.record = (...args) => {
    const at = performance.now();
    return record(...args).finally(() => stores.push(performance.now() - at));
  };
  const began = new WeakMap<IncomingMessage, number>();
  const isWebhook = (request: IncomingMessage) =>
    request.method === 'POST' && (request.url ?? '').startsWith('/webhooks/');
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    if (isWebhook(request)) began.set(request, performance.now());
  });
  subscribe('http.server.response.finish', (message) => {
    const { request } = message as { request: IncomingMessage };
    const at = began.get(request);
    // Only the bench's batches (100 events, over 10 kB), not single events.
    if (at !== undefined && Number(request.headers['content-length'] ?? 0) > 10_000)
      acks.push(performance.now() - at);
  });
  const serving = await serve(runtime, { hubspotWebhookSecret: config.HUBSPOT_CLIENT_SECRET ?? '' });
  process.on('message', (message: ServerRequest) => {
    if (message.type === 'run') {
      runtime.runTenant(message.tenantId, { trigger: BENCH_TRIGGER }).catch(() => {});
    } else if (message.type === 'measure') {
      acks.length = 0;
      stores.length = 0;
      delay.reset();
      delay.enable();
      stalls.start();
    } else {
      delay.disable();
      send({
        type: 'measured',
        id: message.id,
        loopStallMaxMs: Math.max(0, Math.round(delay.max / 1e6 - RESOLUTION_MS)),
        webhookAcksMs: acks.splice(0),
        storesMs: stores.splice(0),
        stalls: stalls.stop(),
      });
    }
  });
  close = () => serving.close();
}
process.once('SIGTERM', () => {
  close()
    .then(() => opened.close())
    .finally(() => process.exit(0));
});
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
send({ type: 'ready' });
