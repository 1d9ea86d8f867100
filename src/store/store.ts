import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AccountConnection, CallStats, ProviderName, Tokens } from '../../connectors/connector.ts';
import { type ChildAccount, type Contact, type Settings, settingsSchema } from '../core/index.ts';
import type { AccountTable, Database } from './schema.ts';
import { keyedHash, newHashKey, type SecretBox } from './secrets.ts';

// Every read and write names its tenant: no method can reach another tenant's rows.

export interface Tenant {
  id: string;
  name: string;
  settings: Settings;
  createdAt: Date;
}

export type AccountStatus = 'connected' | 'needs-reconnect' | 'disconnected';

export interface StoredAccount extends AccountConnection {
  /** The store's id of the connection. */
  id: string;
  provider: ProviderName;
  status: AccountStatus;
  connectedAt: Date;
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

export interface InstallState {
  id: string;
  tenantId: string | null;
  provider: ProviderName;
  role: 'child' | 'corporate';
}

export interface RunSummary {
  id: number;
  tenantId: string;
  status: 'running' | 'succeeded' | 'partial' | 'failed';
  dryRun: boolean;
  trigger: string;
  startedAt: Date;
  endedAt: Date | null;
  changes: number;
  shared: number;
  calls: Record<string, CallStats>;
  warnings: unknown[];
  errors: unknown[];
}

export interface AuditEntry {
  accountId: string;
  recordId: string;
  action: 'tag' | 'create-copy' | 'update-copy';
  before: string[];
  after: string[];
  reason: string;
}

export class RunInProgressError extends Error {
  override readonly name = 'RunInProgressError';
  constructor(tenantId: string) {
    super(`a run is already in progress for tenant ${tenantId}; wait for it to finish`);
  }
}

export class Store {
  constructor(
    readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  // Tenants ----------------------------------------------------------------------------------------------

  async createTenant(name: string, settings: unknown = {}): Promise<Tenant> {
    const id = randomUUID();
    const parsed = settingsSchema.parse(settings);
    const row = await this.db
      .insertInto('tenants')
      .values({
        id,
        name,
        settings: JSON.stringify(parsed),
        hash_key: this.box.seal(newHashKey(), `tenant:${id}`),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { id, name, settings: parsed, createdAt: row.created_at };
  }

  async tenant(tenantId: string): Promise<Tenant | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    return row
      ? {
          id: row.id,
          name: row.name,
          settings: settingsSchema.parse(row.settings),
          createdAt: row.created_at,
        }
      : null;
  }

  async tenants(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      settings: settingsSchema.parse(row.settings),
      createdAt: row.created_at,
    }));
  }

  /** Validates and stores a tenant's settings; throws zod's error naming the bad field. */
  async updateSettings(tenantId: string, settings: unknown): Promise<Settings> {
    const parsed = settingsSchema.parse(settings);
    await this.db
      .updateTable('tenants')
      .set({ settings: JSON.stringify(parsed) })
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return parsed;
  }

  /** Hashes a normalised email or phone key under the tenant's own key. */
  async hasher(tenantId: string): Promise<(value: string) => string> {
    const row = await this.db
      .selectFrom('tenants')
      .select('hash_key')
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow();
    const key = this.box.open(row.hash_key, `tenant:${tenantId}`);
    return (value) => keyedHash(key, value);
  }

  // Accounts ---------------------------------------------------------------------------------------------

  /** Connects an account, or refreshes the tokens and details of one the tenant already has. */
  async connectAccount(tenantId: string, account: NewAccount): Promise<StoredAccount> {
    const existing = await this.db
      .selectFrom('accounts')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('external_id', '=', account.externalId)
      .executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    const values = {
      provider: account.provider,
      role: account.role,
      name: account.name,
      country: account.country,
      status: 'connected' as const,
      tokens: this.#sealTokens(id, account.tokens),
      details: JSON.stringify(account.details),
      connected_at: new Date(),
      disconnected_at: null,
    };
    if (existing) {
      await this.db
        .updateTable('accounts')
        .set(values)
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .execute();
    } else {
      await this.db
        .insertInto('accounts')
        .values({ id, tenant_id: tenantId, external_id: account.externalId, ...values })
        .execute();
    }
    return (await this.account(tenantId, id)) as StoredAccount;
  }

  async account(tenantId: string, id: string): Promise<StoredAccount | null> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.#account(row) : null;
  }

  /** The tenant's accounts, disconnected ones only when asked. */
  async accounts(tenantId: string, { includeDisconnected = false } = {}): Promise<StoredAccount[]> {
    let query = this.db.selectFrom('accounts').selectAll().where('tenant_id', '=', tenantId);
    if (!includeDisconnected) query = query.where('status', '!=', 'disconnected');
    const rows = await query.orderBy('role', 'desc').orderBy('name').orderBy('id').execute();
    return rows.map((row) => this.#account(row));
  }

  /**
   * Tenants with sync enabled that have this account connected: whom a provider's webhook concerns. The one
   * lookup across tenants, and it returns ids only.
   */
  async tenantsToResync(provider: ProviderName, externalId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .innerJoin('tenants', 'tenants.id', 'accounts.tenant_id')
      .select(['tenants.id as id', 'tenants.settings as settings'])
      .where('accounts.provider', '=', provider)
      .where('accounts.external_id', '=', externalId)
      .where('accounts.status', '=', 'connected')
      .execute();
    return rows.filter((row) => settingsSchema.parse(row.settings).enabled).map((row) => row.id);
  }

  /** Changes what a connection stands for (role, name, provider details), keeping its tokens and history. */
  async reconfigureAccount(
    tenantId: string,
    id: string,
    change: { role: 'child' | 'corporate'; name: string; details: AccountConnection['details'] },
  ): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ role: change.role, name: change.name, details: JSON.stringify(change.details) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** The name the admin sees for an account. */
  async renameAccount(tenantId: string, id: string, name: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ name })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async saveTokens(tenantId: string, id: string, tokens: Tokens): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ tokens: this.#sealTokens(id, tokens) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async setStatus(tenantId: string, id: string, status: AccountStatus): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ status, disconnected_at: status === 'disconnected' ? new Date() : null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** Disconnects an account: its tokens are wiped, its audit history stays. */
  async disconnect(tenantId: string, id: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({
        status: 'disconnected',
        disconnected_at: new Date(),
        tokens: this.#sealTokens(id, { accessToken: '', refreshToken: null, expiresAt: null }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  #sealTokens(accountId: string, tokens: Tokens): string {
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
    };
  }

  // Install states ---------------------------------------------------------------------------------------

  async createInstallState(
    state: Omit<InstallState, 'id'>,
    ttlMs: number,
    now = new Date(),
  ): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('install_states')
      .values({
        id,
        tenant_id: state.tenantId,
        provider: state.provider,
        role: state.role,
        expires_at: new Date(now.getTime() + ttlMs),
      })
      .execute();
    return id;
  }

  /** Uses a state once: null when unknown, already used or expired. */
  async consumeInstallState(id: string, now = new Date()): Promise<InstallState | null> {
    const row = await this.db
      .updateTable('install_states')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row
      ? { id: row.id, tenantId: row.tenant_id, provider: row.provider as ProviderName, role: row.role }
      : null;
  }

  // Runs and audit ---------------------------------------------------------------------------------------

  /** Starts a run; throws RunInProgressError while another run of the tenant is going. */
  async startRun(tenantId: string, options: { dryRun: boolean; trigger: string }): Promise<number> {
    try {
      const row = await this.db
        .insertInto('runs')
        .values({
          tenant_id: tenantId,
          status: 'running',
          dry_run: options.dryRun,
          trigger: options.trigger,
          calls: JSON.stringify({}),
          changes: 0,
          shared: 0,
          warnings: JSON.stringify([]),
          errors: JSON.stringify([]),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    } catch (error) {
      if (/runs_one_running|duplicate key/.test(String((error as Error).message))) {
        throw new RunInProgressError(tenantId);
      }
      throw error;
    }
  }

  async finishRun(
    tenantId: string,
    runId: number,
    result: Pick<RunSummary, 'status' | 'changes' | 'shared' | 'calls' | 'warnings' | 'errors'>,
  ): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({
        status: result.status,
        ended_at: new Date(),
        changes: result.changes,
        shared: result.shared,
        calls: JSON.stringify(result.calls),
        warnings: JSON.stringify(result.warnings),
        errors: JSON.stringify(result.errors),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', runId)
      .execute();
  }

  /**
   * Marks runs left `running` by a process that died as failed, so the tenant can run again. Called at start,
   * when no run of this process can be going.
   */
  async failAbandonedRuns(): Promise<number> {
    const result = await this.db
      .updateTable('runs')
      .set({
        status: 'failed',
        ended_at: new Date(),
        errors: JSON.stringify(['the process stopped during the run']),
      })
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async runs(tenantId: string, limit = 20): Promise<RunSummary[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      status: row.status,
      dryRun: row.dry_run,
      trigger: row.trigger,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      changes: row.changes,
      shared: row.shared,
      calls: row.calls as Record<string, CallStats>,
      warnings: row.warnings,
      errors: row.errors,
    }));
  }

  // Last known state of each account (DESIGN.md 2.7) -------------------------------------------------------

  /** Replaces an account's stored state with what a run just read; contacts must carry hashed `keys`. */
  async saveAccountState(
    tenantId: string,
    account: Pick<ChildAccount, 'id' | 'pipelines' | 'deals'> & { contacts: readonly Contact[] },
    nameOf: (contact: Contact) => string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('records')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', account.id)
        .execute();
      await trx
        .deleteFrom('account_states')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', account.id)
        .execute();
      await trx
        .insertInto('account_states')
        .values({
          tenant_id: tenantId,
          account_id: account.id,
          read_at: new Date(),
          pipelines: JSON.stringify(account.pipelines),
          deals: JSON.stringify(account.deals),
        })
        .execute();
      for (let i = 0; i < account.contacts.length; i += 1_000) {
        const rows = account.contacts.slice(i, i + 1_000).map((c) => {
          if (!c.keys)
            throw new Error(`contact ${c.id} of ${account.id} has no hashed keys; refusing to store it`);
          return {
            tenant_id: tenantId,
            account_id: account.id,
            record_id: c.id,
            name: nameOf(c),
            created_at: c.createdAt,
            conversions: c.conversions,
            first_conversion_at: c.firstConversionAt,
            tags: JSON.stringify(c.tags),
            tag_values: JSON.stringify(c.tagValues ?? c.tags),
            email_hashes: JSON.stringify(c.keys.emails),
            phone_hashes: JSON.stringify(c.keys.phones),
          };
        });
        await trx.insertInto('records').values(rows).execute();
      }
    });
  }

  /** An account's last stored state, in the snapshot's shape (keys hashed, no emails or phones); null if none. */
  async accountState(
    tenantId: string,
    account: { id: string; name: string; country: string | null },
  ): Promise<ChildAccount | null> {
    const state = await this.db
      .selectFrom('account_states')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', account.id)
      .executeTakeFirst();
    if (!state) return null;
    const records = await this.db
      .selectFrom('records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', account.id)
      .orderBy('record_id')
      .execute();
    return {
      id: account.id,
      name: account.name,
      country: account.country as ChildAccount['country'],
      pipelines: state.pipelines as ChildAccount['pipelines'],
      deals: state.deals as ChildAccount['deals'],
      contacts: records.map((r) => ({
        id: r.record_id,
        emails: [],
        phones: [],
        createdAt: r.created_at as string,
        conversions: r.conversions,
        firstConversionAt: r.first_conversion_at,
        properties: { name: r.name },
        tags: r.tags,
        tagValues: r.tag_values,
        keys: { emails: r.email_hashes, phones: r.phone_hashes },
      })),
    };
  }

  async addAudit(tenantId: string, runId: number, entries: readonly AuditEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 500) {
      await this.db
        .insertInto('audit')
        .values(
          entries.slice(i, i + 500).map((e) => ({
            tenant_id: tenantId,
            run_id: runId,
            account_id: e.accountId,
            record_id: e.recordId,
            action: e.action,
            before: JSON.stringify(e.before),
            after: JSON.stringify(e.after),
            reason: e.reason,
          })),
        )
        .execute();
    }
  }

  async audit(tenantId: string, runId: number): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      accountId: row.account_id,
      recordId: row.record_id,
      action: row.action as AuditEntry['action'],
      before: row.before,
      after: row.after,
      reason: row.reason,
    }));
  }
}
