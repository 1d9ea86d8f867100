import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AccountConnection, ProviderName, Tokens } from '../../connectors/connector.ts';
import { settingsSchema } from '../core/index.ts';
import type { AccountTable, Database } from './schema.ts';
import type { SecretBox } from './secrets.ts';

// Connected CRM accounts. Every read and write names its tenant: no method can reach another tenant's rows.

/**
 * `pending`: connected through a shared link by someone who is not the tenant's signed-in admin; never read or
 * written until an admin approves it. `rejected`: refused by an admin; its tokens are gone.
 */
export type AccountStatus = 'connected' | 'needs-reconnect' | 'disconnected' | 'pending' | 'rejected';

/** Accounts a run reads and writes. */
export const ACTIVE_STATUSES: readonly AccountStatus[] = ['connected', 'needs-reconnect'];
export const ALL_STATUSES: readonly AccountStatus[] = [
  'connected',
  'needs-reconnect',
  'pending',
  'disconnected',
  'rejected',
];

export interface StoredAccount extends AccountConnection {
  /** The store's id of the connection. */
  id: string;
  provider: ProviderName;
  status: AccountStatus;
  connectedAt: Date;
  /** Who completed a connection that waits for approval. */
  requestedBy: string | null;
}

export interface NewAccount {
  provider: ProviderName;
  externalId: string;
  role: 'child' | 'corporate';
  name: string;
  country: string | null;
  tokens: Tokens;
  details: AccountConnection['details'];
}

const NO_TOKENS: Tokens = { accessToken: '', refreshToken: null, expiresAt: null };

export class AccountRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  /**
   * Stores a connection with its tokens: a new row, or the tenant's existing row for the same provider account
   * (tokens and details refreshed, never a second row). `pending` rows wait for an admin's approval.
   */
  async save(
    tenantId: string,
    account: NewAccount,
    status: 'connected' | 'pending' = 'connected',
    requestedBy: string | null = null,
  ): Promise<StoredAccount> {
    const existing = await this.byExternalId(tenantId, account.externalId);
    const id = existing?.id ?? randomUUID();
    const values = {
      provider: account.provider,
      role: account.role,
      name: account.name,
      country: account.country,
      status,
      tokens: this.#seal(id, account.tokens),
      details: JSON.stringify(account.details),
      disconnected_at: null,
      requested_by: status === 'pending' ? requestedBy : null,
    };
    if (existing) {
      await this.db
        .updateTable('accounts')
        // Connecting again keeps the account's place in the connection order (DESIGN 2.3's last tie-break).
        .set(values)
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .execute();
    } else {
      await this.db
        .insertInto('accounts')
        .values({
          id,
          tenant_id: tenantId,
          external_id: account.externalId,
          connected_at: new Date(),
          ...values,
        })
        .execute();
    }
    return (await this.get(tenantId, id)) as StoredAccount;
  }

  async get(tenantId: string, id: string): Promise<StoredAccount | null> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.#account(row) : null;
  }

  async byExternalId(tenantId: string, externalId: string): Promise<StoredAccount | null> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row ? this.#account(row) : null;
  }

  /** The tenant's accounts a run serves (connected or needing reconnection), or those of the given statuses. */
  async list(
    tenantId: string,
    statuses: readonly AccountStatus[] = ACTIVE_STATUSES,
  ): Promise<StoredAccount[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', [...statuses])
      // Corporate first, then children in connection order: the plan's last tie-break (DESIGN 2.3, rule 5).
      .orderBy('role', 'desc')
      .orderBy('connection_order')
      .execute();
    return rows.map((row) => this.#account(row));
  }

  /**
   * Tenants with sync enabled (any, with `evenDisabled`) that have any of these accounts connected: whom a
   * provider's webhooks concern. The one lookup across tenants, one statement for a burst's accounts, and it returns
   * ids only.
   */
  async tenantsToResync(
    provider: ProviderName,
    externalIds: readonly string[],
    options: { evenDisabled?: boolean } = {},
  ): Promise<string[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('accounts')
      .innerJoin('tenants', 'tenants.id', 'accounts.tenant_id')
      .select(['tenants.id as id', 'tenants.settings as settings'])
      .distinct()
      .where('accounts.provider', '=', provider)
      .where('accounts.external_id', 'in', [...externalIds])
      .where('accounts.status', '=', 'connected')
      .execute();
    return rows
      .filter((row) => options.evenDisabled || settingsSchema.parse(row.settings).enabled)
      .map((row) => row.id);
  }

  /** Changes what a connection stands for (role, name, provider details), keeping its tokens and history. */
  async reconfigure(
    tenantId: string,
    id: string,
    change: { role: 'child' | 'corporate'; name: string; details: AccountConnection['details'] },
  ): Promise<void> {
    await this.#update(tenantId, id, {
      role: change.role,
      name: change.name,
      details: JSON.stringify(change.details),
    });
  }

  /** The name the admin sees for an account. */
  async rename(tenantId: string, id: string, name: string): Promise<void> {
    await this.#update(tenantId, id, { name });
  }

  /** The country an account's phone numbers are read with; null for the tenant's default. */
  async setCountry(tenantId: string, id: string, country: string | null): Promise<void> {
    await this.#update(tenantId, id, { country });
  }

  async saveTokens(tenantId: string, id: string, tokens: Tokens): Promise<void> {
    await this.#update(tenantId, id, { tokens: this.#seal(id, tokens) });
  }

  /** Marks an account connected or needing reconnection; an ended (disconnected, rejected) one stays ended. */
  async setStatus(tenantId: string, id: string, status: 'connected' | 'needs-reconnect'): Promise<void> {
    await this.#update(tenantId, id, { status, requested_by: null }, [...ACTIVE_STATUSES, 'pending']);
  }

  /** Ends a connection (`disconnected` by an admin, `rejected` while pending): its tokens are wiped, its history stays. */
  async end(tenantId: string, id: string, status: 'disconnected' | 'rejected'): Promise<void> {
    await this.#update(tenantId, id, {
      status,
      disconnected_at: new Date(),
      tokens: this.#seal(id, NO_TOKENS),
    });
  }

  /**
   * Changes one of the tenant's rows (another tenant's row with that id is never touched), when it is in one of
   * `from` statuses if given.
   */
  async #update(
    tenantId: string,
    id: string,
    values: Updateable<AccountTable>,
    from?: readonly AccountStatus[],
  ): Promise<void> {
    let query = this.db
      .updateTable('accounts')
      .set(values)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id);
    if (from) query = query.where('status', 'in', [...from]);
    await query.execute();
  }

  #seal(accountId: string, tokens: Tokens): string {
    return this.box.seal(JSON.stringify(tokens), `account:${accountId}`);
  }

  #account(r: Selectable<AccountTable>): StoredAccount {
    return {
      id: r.id,
      provider: r.provider as ProviderName,
      accountId: r.external_id,
      role: r.role,
      name: r.name,
      country: r.country,
      status: r.status,
      tokens: JSON.parse(this.box.open(r.tokens, `account:${r.id}`)) as Tokens,
      details: r.details,
      connectedAt: r.connected_at,
      requestedBy: r.requested_by,
    };
  }
}
