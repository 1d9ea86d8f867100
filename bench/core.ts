import { parseArgs } from 'node:util';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { createPlan } from '../src/core/plan.ts';
import type { Snapshot } from '../src/core/snapshot.ts';
import { planInParallel } from '../src/parallel/plan-in-parallel.ts';
import { syntheticTenant } from './synthetic-tenant.ts';

// npm run bench:core -- --accounts 50 --contacts 1000000
// Logs go to stderr; the last stdout line is one JSON object of figures.

const { values } = parseArgs({
  options: { accounts: { type: 'string', default: '50' }, contacts: { type: 'string', default: '1000000' } },
});
const accounts = Number(values.accounts);
const contacts = Number(values.contacts);
if (!Number.isInteger(accounts) || accounts < 1 || !Number.isInteger(contacts) || contacts < 1) {
  process.stderr.write('error: --accounts and --contacts must be positive integers\n');
  process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);

/**
 * The floor a straightforward implementation pays: one thread normalises every key (libphonenumber-js for
 * phones) and groups records by key in a Map. Nothing else.
 */
function floorPass(snapshot: Snapshot): number {
  const groups = new Map<string, number[]>();
  let record = 0;
  for (const child of snapshot.children) {
    const country = (child.country ?? snapshot.settings.defaultCountry) as 'US';
    for (const contact of child.contacts) {
      for (const raw of contact.emails) {
        const email = raw.trim().toLowerCase();
        const at = email.indexOf('@');
        if (at <= 0 || email.indexOf('@', at + 1) !== -1 || email.indexOf('.', at + 1) === -1) continue;
        const group = groups.get(email);
        if (group) group.push(record);
        else groups.set(email, [record]);
      }
      for (const raw of contact.phones) {
        const phone = parsePhoneNumberFromString(raw, country);
        if (!phone?.isValid()) continue;
        const group = groups.get(phone.number);
        if (group) group.push(record);
        else groups.set(phone.number, [record]);
      }
      record++;
    }
  }
  return groups.size;
}

function timed<T>(work: () => T): [T, number] {
  const start = performance.now();
  const result = work();
  return [result, performance.now() - start];
}

log(`generating ${contacts} contacts in ${accounts} accounts …`);
const [snapshot, generateMs] = timed(() => syntheticTenant({ accounts, contacts }));
log(`generated in ${Math.round(generateMs)} ms`);

// Warm both paths up on a small tenant so neither measurement pays the other's JIT warm-up.
const warm = syntheticTenant({ accounts: 5, contacts: 20_000, seed: 7 });
floorPass(warm);
createPlan(warm);

const [keys, floorMs] = timed(() => floorPass(snapshot));
log(`floor: ${keys} distinct keys in ${Math.round(floorMs)} ms`);
const planStart = performance.now();
const plan = await planInParallel(snapshot);
const planMs = performance.now() - planStart;
log(
  `plan: ${plan.shared.length} shared, ${plan.children.length} tag changes, ${plan.corporate.length} corporate actions, ${plan.warnings.length} warnings in ${Math.round(planMs)} ms`,
);

const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(
  JSON.stringify({
    accounts,
    contacts,
    shared: plan.shared.length,
    planMs: Math.round(planMs),
    floorMs: Math.round(floorMs),
    peakRssMb,
  }),
);
