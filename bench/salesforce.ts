import { parseArgs } from 'node:util';
import { QUERY_PAGE, startSalesforceSimulator } from '../connectors/salesforce/simulator.ts';
import { runAccounts } from '../connectors/salesforce/test-support/tenant.ts';
import { type RunAccount, runOnce } from '../src/sync/run-once.ts';
import { RunProgress } from './run-progress.ts';
import { syntheticTenant } from './synthetic-tenant.ts';

// npm run bench:salesforce -- --accounts 5 --contacts 20000 [--one-org]
// `--contacts` is per account. One run against the local simulator, then a rerun. Logs go to stderr; the last
// stdout line is one JSON object of figures.
// lowerBound, per org: query pages of 2,000 for every query the run needs + write calls of 200 for the records
// that change + describe/stage calls (describes, and the first run's tag field and permission set setup).

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '5' },
    contacts: { type: 'string', default: '20000' },
    'one-org': { type: 'boolean', default: false },
  },
});
const accounts = Number(values.accounts);
const perAccount = Number(values.contacts);
const oneOrg = values['one-org'] ?? false;
if (!Number.isInteger(accounts) || accounts < 1 || !Number.isInteger(perAccount) || perAccount < 1) {
  process.stderr.write('error: --accounts and --contacts must be positive integers\n');
  process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);

const snapshot = syntheticTenant({ accounts, contacts: accounts * perAccount });
const simulator = await startSalesforceSimulator({ snapshot, oneOrg });
log(`simulator at ${simulator.url}; ${snapshot.children.length} accounts, ${perAccount} contacts each`);
const sum = (
  report: Awaited<ReturnType<typeof runOnce>>,
  pick: (s: (typeof report.calls)[string]) => number,
) => Object.values(report.calls).reduce((total, stats) => total + pick(stats), 0);
const total = (stats: { byKind: Record<string, number> }) =>
  Object.values(stats.byKind).reduce((a, b) => a + b, 0);

const pages = (rows: number) => Math.max(1, Math.ceil(rows / QUERY_PAGE));
/** Rows each query of a pull returns, from the simulator's seeded state. */
function readPages(accountId: string, role: 'child' | 'corporate'): number {
  const org = simulator.org(accountId);
  const count = (object: string, filter: (r: Record<string, unknown>) => boolean = () => true) =>
    [...org.table(object).values()].filter(filter).length;
  const mine = (r: Record<string, unknown>) => !oneOrg || r.AccountId === accountId;
  if (role === 'corporate') return pages(count('Contact', mine)) + (oneOrg ? 1 : 0);
  const opportunities = [...org.table('Opportunity').values()].filter(mine);
  return (
    pages(count('Contact', mine)) +
    (oneOrg ? 0 : pages(count('Lead'))) +
    1 + // stages
    pages(opportunities.length) +
    pages(count('OpportunityContactRole')) +
    pages(count('CampaignMember', (r) => r.HasResponded === true))
  );
}

const progress = new RunProgress('bench:salesforce', [
  ...snapshot.children.map((c) => ({ accountId: c.id, name: c.name })),
  ...(snapshot.corporate ? [{ accountId: snapshot.corporate.id, name: snapshot.corporate.name }] : []),
]);
/** The run's accounts, their connector reporting progress. */
function trackedAccounts() {
  const { children, corporate } = runAccounts(simulator, snapshot, oneOrg);
  const track = (account: RunAccount): RunAccount => ({
    ...account,
    connector: progress.track(account.connector),
  });
  return { children: children.map(track), corporate: corporate ? track(corporate) : null };
}

const accountsToRun = trackedAccounts();
const before = new Map(simulator.orgs().map((org) => [org, org.used]));
const started = performance.now();
const first = await runOnce({ settings: snapshot.settings, ...accountsToRun });
progress.done();
const wallMs = Math.round(performance.now() - started);
log(
  `first run: ${first.written} records written, ${first.failures.length} failures, ${first.accountErrors.length} account errors`,
);
for (const error of first.accountErrors) log(`  ${error.message}`);

let lowerBound = 0;
const perOrg: Record<string, { calls: number; lowerBound: number }> = {};
for (const account of [...snapshot.children.map((c) => c.id), snapshot.corporate?.id ?? '']) {
  if (!account) continue;
  const role = account === snapshot.corporate?.id ? 'corporate' : 'child';
  const corporateWrites = (action: 'create' | 'update') =>
    Math.ceil(first.plan.corporate.filter((a) => a.action === action).length / 200);
  const writeCalls =
    role === 'child'
      ? Math.ceil(first.plan.children.filter((c) => c.accountId === account).length / 200)
      : corporateWrites('create') + corporateWrites('update');
  const objects = role === 'child' && !oneOrg ? 2 : oneOrg && role === 'corporate' ? 2 : 1;
  // First-run setup per org: one field create per object, permission set lookup, create, field grants, assignment.
  const setup = oneOrg && role === 'child' && account !== snapshot.children[0]?.id ? 0 : objects + 4;
  const bound = readPages(account, role) + writeCalls + objects + setup;
  const calls = total(first.calls[account] ?? { byKind: {} });
  perOrg[account] = { calls, lowerBound: bound };
  lowerBound += bound;
}
for (const [account, figures] of Object.entries(perOrg))
  log(`  ${account}: ${figures.calls} calls, lower bound ${figures.lowerBound}`);

progress.reset();
const second = await runOnce({ settings: snapshot.settings, ...trackedAccounts() });
progress.done();
const rerunWrites = sum(second, (s) => s.byKind.write);
log(`rerun: ${sum(second, total)} calls, ${rerunWrites} write calls`);

const calls = sum(first, total);
// Requests answered with an error (refused, rate limited, failed) in either run.
const failedCalls = simulator.calls.count((c) => c.status >= 400);
const apiShare = Math.max(...[...before].map(([org, used]) => (org.used - used) / org.dailyLimit));
for (const c of simulator.calls.all())
  if (c.status >= 400) log(`  failed call: ${c.method} ${c.path.slice(0, 120)} ${c.status}`);
await simulator.close();
process.stdout.write(
  `${JSON.stringify({
    accounts,
    contacts: accounts * perAccount,
    calls,
    lowerBound,
    callRatio: Number((calls / lowerBound).toFixed(3)),
    wallMs,
    failedCalls,
    rerunWrites,
    apiShare: Number(apiShare.toFixed(5)),
  })}\n`,
);
