import { type ChildAccount, createPlan, parseSnapshot } from '../../core/index.ts';
import type { Store, StoredAccount } from '../../store/store.ts';

// Where an export gets a run's shared people from. The one store-backed source below re-plans the latest real
// run from each account's stored state (names, creation dates, tags and hashed keys: what that run read); the
// per-run people table (run_people) replaces it, here and only here, when it lands.

export interface ExportMember {
  accountId: string;
  accountName: string;
  recordId: string;
  name: string;
  createdAt: string | null;
  url: string | null;
  /** The tags this record holds, when the source knows them (the person's `tags` otherwise). */
  tags?: string[];
}

export interface ExportPerson {
  sharedId: string;
  name: string;
  /** The sentence saying why the primary community is primary. */
  explanation: string;
  /** The tags the app wrote on every record of the person (each record adds its primary or secondary tag). */
  tags: string[];
  primary: { accountId: string; name: string };
  first: { accountId: string; name: string; createdAt: string | null };
  members: ExportMember[];
}

export interface PeopleSource {
  /** The run an export is for: `latest` is the tenant's latest finished real run; null when there is none. */
  run(tenantId: string, run: number | 'latest'): Promise<{ id: number } | null>;
  people(tenantId: string, runId: number): Promise<ExportPerson[]>;
}

/** A record's page in its CRM (until the connectors' own `recordUrl` takes over). */
export function recordUrl(account: StoredAccount, recordId: string): string | null {
  if (account.provider === 'hubspot')
    return `https://app.hubspot.com/contacts/${account.accountId}/record/0-1/${recordId}`;
  const instance = account.details.instanceUrl;
  if (typeof instance !== 'string') return null;
  const object = recordId.startsWith('00Q') ? 'Lead' : 'Contact';
  return `${instance}/lightning/r/${object}/${recordId}/view`;
}

const byCreation = (a: ExportMember, b: ExportMember) =>
  (a.createdAt ?? '\uffff').localeCompare(b.createdAt ?? '\uffff');

export function storedPeopleSource(store: Store): PeopleSource {
  const latestRealRun = async (tenantId: string) =>
    (await store.runs.list(tenantId, 500)).find(
      (r) => !r.dryRun && (r.status === 'succeeded' || r.status === 'partial'),
    ) ?? null;
  return {
    async run(tenantId, run) {
      const latest = await latestRealRun(tenantId);
      // Stored state is the latest real run's: earlier runs' people are not kept by this source.
      return latest && (run === 'latest' || run === latest.id) ? { id: latest.id } : null;
    },
    async people(tenantId) {
      const tenant = await store.tenants.get(tenantId);
      if (!tenant) return [];
      const accounts = (await store.accounts.list(tenantId)).filter((a) => a.role === 'child');
      const states = await Promise.all(
        accounts.map((a) =>
          store.accountStates.get(tenantId, { id: a.accountId, name: a.name, country: a.country }),
        ),
      );
      const children = states.filter((s): s is ChildAccount => s !== null);
      const plan = createPlan(parseSnapshot({ settings: tenant.settings, children, corporate: null }));
      const accountOf = new Map(accounts.map((a) => [a.accountId, a]));
      const recordOf = new Map(
        children.flatMap((child) => child.contacts.map((c) => [`${child.id}\u0000${c.id}`, c] as const)),
      );
      return plan.shared.map((shared) => {
        const members = shared.members.map((m): ExportMember => {
          const account = accountOf.get(m.accountId) as StoredAccount;
          const record = recordOf.get(`${m.accountId}\u0000${m.contactId}`);
          return {
            accountId: m.accountId,
            accountName: account.name,
            recordId: m.contactId,
            name: String(record?.properties.name ?? `record ${m.contactId}`),
            createdAt: record?.createdAt ?? null,
            url: recordUrl(account, m.contactId),
            tags: record?.tags ?? [],
          };
        });
        const primary = members.filter((m) => m.accountId === shared.primaryAccountId).sort(byCreation)[0];
        const first = [...members].sort(byCreation)[0] as ExportMember;
        const everywhere = members
          .map((m) => m.tags ?? [])
          .reduce((common, tags) => common.filter((t) => tags.includes(t)));
        return {
          sharedId: shared.id,
          name: primary?.name ?? first.name,
          explanation: shared.explanation,
          tags: everywhere,
          primary: {
            accountId: shared.primaryAccountId,
            name: accountOf.get(shared.primaryAccountId)?.name ?? '',
          },
          first: { accountId: first.accountId, name: first.accountName, createdAt: first.createdAt },
          members,
        };
      });
    },
  };
}
