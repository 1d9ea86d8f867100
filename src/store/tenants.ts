import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { ProviderName } from '../../connectors/connector.ts';
import { mergeSettings, type Settings, settingsSchema } from '../core/index.ts';
import type { Database, TenantTable } from './schema.ts';
import { keyedHash, newHashKey, type SecretBox } from './secrets.ts';

// Tenants: one per corporate account (a unique constraint says so), with its settings and its hashing key.

export interface CorporateAccountRef {
  provider: ProviderName;
  accountId: string;
}

export interface Tenant {
  id: string;
  name: string;
  settings: Settings;
  createdAt: Date;
  /** The corporate account the app was installed on; null only for tenants made outside an install (tests). */
  corporate: CorporateAccountRef | null;
  uninstalledAt: Date | null;
}

const toTenant = (row: Selectable<TenantTable>): Tenant => ({
  id: row.id,
  name: row.name,
  settings: settingsSchema.parse(row.settings),
  createdAt: row.created_at,
  corporate:
    row.corporate_provider && row.corporate_account_id
      ? { provider: row.corporate_provider as ProviderName, accountId: row.corporate_account_id }
      : null,
  uninstalledAt: row.uninstalled_at,
});

export class TenantRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  /**
   * The tenant of a corporate account, made on first install. Two installs racing on one account both get the one
   * tenant: the unique constraint decides, never a second row.
   */
  async forCorporateAccount(
    name: string,
    corporate: CorporateAccountRef,
  ): Promise<{ tenant: Tenant; created: boolean }> {
    const existing = await this.byCorporateAccount(corporate);
    if (existing) return { tenant: existing, created: false };
    const id = randomUUID();
    const inserted = await this.db
      .insertInto('tenants')
      .values(this.#newRow(id, name, {}, corporate))
      .onConflict((c) => c.constraint('tenants_corporate_account').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { tenant: toTenant(inserted), created: true };
    const winner = await this.byCorporateAccount(corporate);
    if (!winner) throw new Error(`no tenant for ${corporate.provider} account ${corporate.accountId}`);
    return { tenant: winner, created: false };
  }

  /** A tenant with no corporate account yet (tests and tools); settings validated, defaults filled in. */
  async create(name: string, settings: unknown = {}): Promise<Tenant> {
    const row = await this.db
      .insertInto('tenants')
      .values(this.#newRow(randomUUID(), name, settings, null))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTenant(row);
  }

  async byCorporateAccount(corporate: CorporateAccountRef): Promise<Tenant | null> {
    const row = await this.db
      .selectFrom('tenants')
      .selectAll()
      .where('corporate_provider', '=', corporate.provider)
      .where('corporate_account_id', '=', corporate.accountId)
      .executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async get(tenantId: string): Promise<Tenant | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
    return rows.map(toTenant);
  }

  /** Merges a validated subset of the settings into the stored ones; throws zod's error naming a bad field. */
  async updateSettings(tenantId: string, patch: unknown): Promise<Settings> {
    const tenant = await this.get(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    return this.saveSettings(tenantId, mergeSettings(tenant.settings, patch));
  }

  /**
   * Stores settings the caller validated with the core's schema (`settingsSchema` / `mergeSettings`). Turning
   * `segments` on bumps the tenant's segments generation (in the same statement, from the stored value): the next
   * run makes again the lists an admin deleted while it was off (docs/decisions.md).
   */
  async saveSettings(tenantId: string, settings: Settings): Promise<Settings> {
    const parsed = settingsSchema.parse(settings);
    const turnedOn = sql<number>`case when coalesce((settings->>'segments')::boolean, false) then 0 else 1 end`;
    await this.db
      .updateTable('tenants')
      .set({
        settings: JSON.stringify(parsed),
        ...(parsed.segments ? { segments_generation: sql`segments_generation + ${turnedOn}` } : {}),
      })
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return parsed;
  }

  /** The name admins see for the tenant (the corporate account's). */
  async rename(tenantId: string, name: string): Promise<void> {
    await this.db.updateTable('tenants').set({ name }).where('id', '=', tenantId).execute();
  }

  /** Uninstalled: daily runs stop (`enabled` off); installing again brings the tenant back. */
  async setInstalled(tenantId: string, installed: boolean): Promise<void> {
    const tenant = await this.get(tenantId);
    if (!tenant) return;
    await this.db
      .updateTable('tenants')
      .set({
        uninstalled_at: installed ? null : new Date(),
        ...(installed ? {} : { settings: JSON.stringify({ ...tenant.settings, enabled: false }) }),
      })
      .where('id', '=', tenantId)
      .execute();
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

  #newRow(id: string, name: string, settings: unknown, corporate: CorporateAccountRef | null) {
    return {
      id,
      name,
      settings: JSON.stringify(settingsSchema.parse(settings)),
      hash_key: this.box.seal(newHashKey(), `tenant:${id}`),
      corporate_provider: corporate?.provider ?? null,
      corporate_account_id: corporate?.accountId ?? null,
    };
  }
}
