#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../app/config.ts';
import type { Runtime } from '../app/runtime.ts';
import { heldReason } from '../core/index.ts';
import { planInParallel } from '../parallel/plan-in-parallel.ts';
import { DataDirLockedError } from '../store/data-dir-lock.ts';
import { formatPlan } from './format-plan.ts';
import { ProgressDisplay } from './progress.ts';
import { InputError, readSnapshotFile } from './read-snapshot-file.ts';

/** Exit codes: 0 done, 1 failed while working, 2 bad input (arguments, files, settings, a DATA_DIR in use). */
const EXIT_BAD_INPUT = 2;

/** The DATA_DIR refusal behind an error (opening the store wraps its errors with what was being opened). */
function lockedDataDir(error: unknown): DataDirLockedError | null {
  for (let cause = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof DataDirLockedError) return cause;
  return null;
}

/** An error the person running the command can fix, reported as its message alone. */
function fixableByUser(error: unknown): boolean {
  return error instanceof InputError || error instanceof ConfigError || lockedDataDir(error) !== null;
}

const program = new Command('community-sync')
  .description('Community Sync: finds people shared between CRM accounts and tags them')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

program
  .command('plan')
  .description('print the plan for a snapshot file (DESIGN.md section 3), without any CRM')
  .requiredOption('--snapshot <file>', 'snapshot JSON file')
  .option('--json', 'print the plan as JSON and nothing else')
  .action(async (options: { snapshot: string; json?: boolean }) => {
    const snapshot = await readSnapshotFile(options.snapshot);
    const plan = await planInParallel(snapshot);
    process.stdout.write(
      options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan, snapshot)}\n`,
    );
  });

// The app's parts (database, server, connectors) load only for the commands that use them, so `plan` starts fast.
async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>, keepOpen = false): Promise<T> {
  const { loadConfig } = await import('../app/config.ts');
  const { createLogger } = await import('../app/logger.ts');
  const { openRuntime } = await import('../app/runtime.ts');
  const { configuredConnectors } = await import('../../connectors/index.ts');
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await openRuntime(config, logger, configuredConnectors(config));
  try {
    return await work(runtime);
  } finally {
    if (!keepOpen) await runtime.close();
  }
}

/**
 * In sandbox mode the embedded database is held by the running sandbox (`npm start`): say in one line how to sync
 * its tenant instead.
 */
async function sandboxAware(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const locked = lockedDataDir(error);
    const { loadConfig } = await import('../app/config.ts');
    if (!locked || !loadConfig().sandbox) throw error;
    throw new InputError(
      `the embedded database in ${locked.dir} is in use by ${locked.holder}, the sandbox (npm start) most likely: ` +
        `press "Run now" on its admin page (http://127.0.0.1:${loadConfig().PORT}/) to sync, ` +
        'or stop the sandbox first and run sync again',
    );
  }
}

async function tenantOrRefuse(runtime: Runtime, tenantId: string) {
  const tenant = await runtime.store.tenants.get(tenantId);
  if (tenant) return tenant;
  const known = (await runtime.store.tenants.list()).map((t) => `${t.id} (${t.name})`);
  throw new InputError(
    `no tenant ${tenantId}; known tenants: ${known.join(', ') || 'none yet: install the app first'}`,
  );
}

program
  .command('serve')
  .description('run the app: OAuth install, admin page, daily runs (what npm start runs)')
  .action(async () => {
    const { loadConfig } = await import('../app/config.ts');
    const { createLogger } = await import('../app/logger.ts');
    const { startApp } = await import('../app/start.ts');
    const config = loadConfig();
    const started = await startApp(config, createLogger(config.LOG_LEVEL), (line) => {
      process.stdout.write(`${line}\n`);
    });
    const stop = () => {
      void started.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('worker')
  .description(
    'run the jobs serve queues in Redis (daily runs, webhook resyncs); needs REDIS_URL and DATABASE_URL',
  )
  .option('--concurrency <n>', 'jobs of different tenants run at once', '1')
  .action(async (options: { concurrency: string }) => {
    const concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new InputError('--concurrency must be a whole number from 1 to 64');
    const { loadConfig } = await import('../app/config.ts');
    const { startWorker, stopOnSignals, WORKER_NEEDS } = await import('../app/worker.ts');
    const config = loadConfig();
    if (!config.REDIS_URL || !config.DATABASE_URL) throw new InputError(WORKER_NEEDS);
    await withRuntime(async (runtime) => {
      stopOnSignals(await startWorker(runtime, { concurrency }), runtime);
    }, true);
  });

program
  .command('sync')
  .description("run a tenant's sync now")
  .requiredOption('--tenant <id>', 'tenant id (see the accounts command)')
  .option('--dry-run', 'plan and explain, write nothing')
  .option('--confirm-mass-change', 'write even a change the mass-change guard would hold')
  .action(async (options: { tenant: string; dryRun?: boolean; confirmMassChange?: boolean }) => {
    await sandboxAware(() =>
      withRuntime(async (runtime) => {
        await tenantOrRefuse(runtime, options.tenant);
        const progress = new ProgressDisplay(process.stderr);
        const { status, report } = await runtime.runTenant(options.tenant, {
          dryRun: options.dryRun ?? false,
          trigger: 'cli',
          onProgress: (event) => progress.update(event),
          ...(options.confirmMassChange ? { confirmMassChange: true } : {}),
        });
        progress.finish();
        const lines = [`${report.plan.shared.length} shared contacts`];
        for (const person of report.plan.shared)
          lines.push(`  ${person.primaryAccountId}: ${person.explanation}`);
        const planned = report.plan.children.length + report.plan.corporate.length;
        lines.push(
          options.dryRun
            ? `${planned} changes planned, nothing written (dry run)`
            : status === 'held'
              ? `${heldReason(report.held)} (--confirm-mass-change)`
              : `${report.written} changes written`,
        );
        for (const error of report.accountErrors) lines.push(`account ${error.accountId}: ${error.message}`);
        for (const failure of report.failures)
          lines.push(
            `record ${failure.recordId ?? failure.sharedId} in ${failure.accountId}: ${failure.message}`,
          );
        process.stdout.write(`${lines.join('\n')}\n`);
        if (status !== 'succeeded') process.exitCode = 1;
      }),
    );
  });

program
  .command('accounts')
  .description("list a tenant's connected accounts and their status")
  .requiredOption('--tenant <id>', 'tenant id')
  .action(async (options: { tenant: string }) => {
    await withRuntime(async (runtime) => {
      await tenantOrRefuse(runtime, options.tenant);
      const { ALL_STATUSES } = await import('../store/store.ts');
      const accounts = await runtime.store.accounts.list(options.tenant, ALL_STATUSES);
      const lines = accounts.map((a) => [a.name, a.role, a.provider, a.accountId, a.status].join('\t'));
      process.stdout.write(`${['name\trole\tprovider\taccount\tstatus', ...lines].join('\n')}\n`);
    });
  });

program
  .command('hubspot-project')
  .description("write HubSpot's developer-platform project files generated from manifest.json")
  .requiredOption('--out <dir>', 'folder to write the project into')
  .action(async (options: { out: string }) => {
    const { readManifest, writeHubSpotProject } = await import('./hubspot-project.ts');
    for (const file of writeHubSpotProject(readManifest(), options.out)) process.stdout.write(`${file}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (fixableByUser(error)) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  } else {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
  // A failed `serve` may leave a listening server or simulator behind: stop here.
  process.exit();
}
