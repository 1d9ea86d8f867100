import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Connector } from '../connectors/connector.ts';
import type { RunningHubspotSimulator } from '../connectors/hubspot/simulator.ts';
import type { SalesforceSimulator } from '../connectors/salesforce/simulator.ts';
import { sfDate } from '../connectors/salesforce/simulator-org.ts';
import type { Snapshot } from '../src/core/index.ts';
import type { Store } from '../src/store/store.ts';

// The tenants bench:webhooks works on: connected in the store as the app's OAuth flow leaves them (HubSpot tokens
// issued by the simulator's OAuth; Salesforce as each org's integration user), and the people its changes match.

const accountsOf = (snapshot: Snapshot) => [
  ...snapshot.children.map((account) => ({ account, role: 'child' as const })),
  ...(snapshot.corporate ? [{ account: snapshot.corporate, role: 'corporate' as const }] : []),
];

/** A HubSpot tenant, enabled, every portal connected through a code the simulator issued. */
export async function connectHubspotTenant(
  store: Store,
  snapshot: Snapshot,
  simulator: RunningHubspotSimulator,
  connector: Connector,
): Promise<string> {
  const tenant = await store.tenants.create('Bench HubSpot', { ...snapshot.settings, enabled: true });
  for (const { account, role } of accountsOf(snapshot)) {
    const redirectUri = 'http://127.0.0.1/oauth/callback';
    const identity = await connector.exchangeCode({ code: simulator.issueCode(account.id), redirectUri });
    await store.accounts.save(tenant.id, {
      provider: 'hubspot',
      externalId: identity.accountId,
      role,
      name: account.name,
      country: account.country,
      tokens: identity.tokens,
      details: identity.details,
    });
  }
  return tenant.id;
}

/** A Salesforce tenant of one org per account, its seeded records last changed a day ago. */
export async function connectSalesforceTenant(
  store: Store,
  snapshot: Snapshot,
  simulator: SalesforceSimulator,
): Promise<string> {
  const longAgo = sfDate(new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString());
  for (const org of simulator.orgs())
    for (const table of org.tables.values())
      for (const record of table.values()) if ('SystemModstamp' in record) record.SystemModstamp = longAgo;
  const tenant = await store.tenants.create('Bench Salesforce', { ...snapshot.settings, enabled: true });
  for (const { account, role } of accountsOf(snapshot)) {
    await store.accounts.save(tenant.id, {
      provider: 'salesforce',
      externalId: account.id,
      role,
      name: account.name,
      country: account.country,
      tokens: {
        accessToken: `sandbox-${account.id}`,
        refreshToken: `refresh-${account.id}`,
        expiresAt: null,
      },
      details: {
        instanceUrl: simulator.url,
        layout: 'org-per-account',
        userId: simulator.org(account.id).userId,
      },
    });
  }
  return tenant.id;
}

export interface MatchTarget {
  /** The community the new contact is added to. */
  accountId: string;
  /** The community holding the one contact it matches, and that contact. */
  matchedAccountId: string;
  matchedId: string;
  email: string;
}

/**
 * `count` changes, each a new contact in one community whose email is that of a contact in another, who was in
 * no other community before (so the change makes one new shared person of two records). Spread over the accounts.
 */
export function matchTargets(snapshot: Snapshot, count: number): MatchTarget[] {
  const carriers = new Map<string, number>();
  for (const child of snapshot.children)
    for (const contact of child.contacts)
      for (const email of contact.emails)
        carriers.set(email.toLowerCase(), (carriers.get(email.toLowerCase()) ?? 0) + 1);
  const children = snapshot.children;
  const targets: MatchTarget[] = [];
  for (let n = 0; targets.length < count && n < count * 10; n++) {
    const matched = children[(n * 7 + 3) % children.length];
    const into = children[(n * 7 + 4 + (n % 3)) % children.length];
    if (!matched || !into || matched.id === into.id) continue;
    const contact = matched.contacts
      .slice(100 + n * 13)
      .find((c) => c.emails.length === 1 && carriers.get(c.emails[0]?.toLowerCase() ?? '') === 1);
    const email = contact?.emails[0];
    if (!contact || !email) continue;
    targets.push({ accountId: into.id, matchedAccountId: matched.id, matchedId: contact.id, email });
  }
  return targets;
}

/** The nearest-rank percentile of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Resolves once `done` holds, checking every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(
  done: () => boolean,
  what: string,
  timeoutMs: number,
  everyMs = 5,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * CPU time (ms) used so far by each named group of processes, from /proc (Linux; empty elsewhere): to see what
 * shared the cores while something was timed. `postgres` and `redis` are every process whose command line starts
 * `postgres` or `redis-server`.
 */
export function cpuMsByProcess(pids: Record<string, number | undefined>): Record<string, number> {
  const ticksMs = 10; // USER_HZ is 100 on Linux
  const cpuOf = (pid: number) => {
    try {
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * ticksMs;
    } catch {
      return 0;
    }
  };
  if (!existsSync('/proc/self/stat')) return {};
  const used: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) if (pid) used[name] = cpuOf(pid);
  used.postgres = 0;
  used.redis = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.startsWith('postgres')) used.postgres += cpuOf(Number(entry));
      else if (command.startsWith('redis-server')) used.redis += cpuOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return used;
}

/** What each group used between two readings of cpuMsByProcess, as one log line's words. */
export const cpuBetween = (before: Record<string, number>, after: Record<string, number>) =>
  Object.keys(after)
    .map((name) => `${name} ${(after[name] ?? 0) - (before[name] ?? 0)} ms`)
    .join(', ');
