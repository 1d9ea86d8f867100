#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { planInParallel } from '../parallel/plan-in-parallel.ts';
import { formatPlan } from './format-plan.ts';
import { InputError, readSnapshotFile } from './read-snapshot-file.ts';

/** Exit codes: 0 done, 1 failed while working, 2 bad input (arguments or files). */
const EXIT_BAD_INPUT = 2;

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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (error instanceof InputError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  } else {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
