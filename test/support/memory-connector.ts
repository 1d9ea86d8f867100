import {
  type AccountConnection,
  type AccountSession,
  type ApplyReport,
  type Connector,
  ConnectorError,
  type SessionHooks,
} from '../../connectors/connector.ts';
import { CallTally } from '../../connectors/shared/call-tally.ts';
import {
  type ChildAccount,
  type CorporateAccount,
  type Plan,
  parseSnapshot,
  type SnapshotInput,
} from '../../src/core/index.ts';
import type { Store } from '../../src/store/store.ts';

// An in-memory provider for testing what sits above the connector interface (runs, stored state, the app).
// It keeps every account's records, applies writes to them, and can be told to fail an account's reads.

type AccountData = ChildAccount | CorporateAccount;

export class MemoryProvider {
  readonly accounts = new Map<string, AccountData>();
  readonly unreadable = new Set<string>();
  writes = 0;
  exchanges = 0;
  /** Refresh tokens revoked at the provider, in order. */
  readonly revoked: string[] = [];

  /** Seeds every account of a snapshot (children and corporate). */
  constructor(input: SnapshotInput) {
    const snapshot = parseSnapshot(input);
    for (const child of snapshot.children) this.accounts.set(child.id, structuredClone(child));
    if (snapshot.corporate) this.accounts.set(snapshot.corporate.id, structuredClone(snapshot.corporate));
  }

  connection(accountId: string, role: 'child' | 'corporate' = 'child'): AccountConnection {
    const data = this.accounts.get(accountId);
    return {
      accountId,
      name: data?.name ?? accountId,
      role,
      country: data?.country ?? null,
      tokens: { accessToken: `memory-${accountId}`, refreshToken: null, expiresAt: null },
      details: {},
    };
  }

  /** Connects every account to a tenant in the store, as the install and connect flow would. */
  async connectAll(store: Store, tenantId: string, corporateId = 'corp'): Promise<void> {
    for (const [id, data] of this.accounts) {
      const role = id === corporateId ? 'corporate' : 'child';
      const connection = this.connection(id, role);
      await store.accounts.save(tenantId, {
        provider: 'hubspot',
        externalId: id,
        role,
        name: data.name,
        country: connection.country,
        tokens: connection.tokens,
        details: {},
      });
    }
  }

  /** The connector, with each session passed through `change` (to make one fail, say). */
  connectorWith(
    change: (session: AccountSession, connection: AccountConnection, hooks: SessionHooks) => AccountSession,
  ): Connector {
    const connector = this.connector();
    return {
      ...connector,
      open: (connection, hooks = {}) => change(connector.open(connection, hooks), connection, hooks),
    };
  }

  connector(): Connector {
    return {
      provider: 'hubspot',
      // OAuth as a provider does it, minus the consent page: the code `code-<accountId>` connects that account,
      // consented by user `admin`; `code-<accountId>~<user>` by another user.
      authorizeUrl: ({ state, redirectUri }) =>
        `http://memory.invalid/authorize?${new URLSearchParams({ state, redirect_uri: redirectUri })}`,
      exchangeCode: async ({ code }) => {
        const [accountId = '', user = 'admin'] = code.replace(/^code-/, '').split('~');
        const data = this.accounts.get(accountId);
        if (!code.startsWith('code-') || !data)
          throw new ConnectorError('rejected', accountId, 'exchange code', 'invalid code', { status: 400 });
        this.exchanges += 1;
        return {
          accountId,
          name: data.name,
          tokens: {
            accessToken: `access-${accountId}-${this.exchanges}`,
            refreshToken: `refresh-${accountId}-${this.exchanges}`,
            expiresAt: null,
          },
          details: {},
          user: { id: user, label: `${user}@${accountId}.example.com` },
        };
      },
      refreshTokens: () => Promise.reject(new Error('the memory provider does not refresh tokens')),
      revokeTokens: async (tokens) => {
        this.revoked.push(tokens.refreshToken ?? tokens.accessToken);
      },
      open: (connection) => this.#session(connection.accountId),
      recordUrl: (connection, recordId) =>
        `https://memory.invalid/${encodeURIComponent(connection.accountId)}/records/${encodeURIComponent(recordId)}`,
    };
  }

  #session(accountId: string): AccountSession {
    const tally = new CallTally();
    const data = () => {
      tally.sent('read');
      if (this.unreadable.has(accountId)) {
        throw new ConnectorError('unavailable', accountId, 'pull', 'simulated outage');
      }
      const found = this.accounts.get(accountId);
      if (!found) throw new ConnectorError('rejected', accountId, 'pull', 'no such account');
      return structuredClone(found);
    };
    const write = (contactId: string, labels: string[], values: string[]): void => {
      const contact = this.accounts.get(accountId)?.contacts.find((c) => c.id === contactId);
      if (!contact) throw new Error(`no contact ${contactId} in ${accountId}`);
      contact.tags = labels;
      contact.tagValues = values;
      this.writes += 1;
    };
    return {
      accountId,
      ensureTagField: async () => {
        tally.sent('schema');
      },
      pullChild: async () => data() as ChildAccount,
      pullCorporate: async () => data() as CorporateAccount,
      applyTagChanges: async (changes) => {
        tally.sent('write');
        for (const change of changes) write(change.contactId, change.after, change.afterValues);
        return { written: changes.length, copies: [], failures: [] };
      },
      applyCorporate: async (actions, _plan: Plan) => {
        tally.sent('write');
        const report: ApplyReport = { written: 0, copies: [], failures: [] };
        const corporate = this.accounts.get(accountId) as CorporateAccount;
        for (const action of actions) {
          if (action.action === 'update') write(action.contactId, action.after, action.afterValues);
          else {
            const id = `copy-${corporate.contacts.length + 1}`;
            corporate.contacts.push({
              id,
              // Created now, as a CRM stamps it (a run's stored copies are stamped when it stores them).
              createdAt: new Date().toISOString(),
              emails: action.email ? [action.email] : [],
              phones: action.phone ? [action.phone] : [],
              conversions: 0,
              firstConversionAt: null,
              tags: action.after,
              tagValues: action.afterValues,
              properties: action.properties,
            });
            this.writes += 1;
            for (const sharedId of action.sharedIds) report.copies.push({ sharedId, contactId: id });
          }
          report.written += 1;
        }
        return report;
      },
      readContactDetails: async (ids) => {
        const wanted = new Set(ids);
        return data()
          .contacts.filter((c) => wanted.has(c.id))
          .map((c) => ({ id: c.id, emails: c.emails, phones: c.phones }));
      },
      readRecords: async (wanted) => {
        const account = data();
        const deals = 'deals' in account ? account.deals : [];
        const contactIds = new Set(wanted.contacts);
        const dealIds = new Set(wanted.deals);
        const read = deals.filter(
          (d) =>
            dealIds.has(d.id) ||
            (wanted.dealsOfContacts !== false && d.contactIds.some((id) => contactIds.has(id))),
        );
        for (const deal of read) for (const id of deal.contactIds) contactIds.add(id);
        return {
          contacts: account.contacts.filter((c) => contactIds.has(c.id)),
          deals: read,
          ...(wanted.pipelines && 'pipelines' in account ? { pipelines: account.pipelines } : {}),
        };
      },
      calls: () => tally.stats(),
    };
  }
}
