import type { Kysely } from 'kysely';
import type { ProviderName } from '../../connectors/connector.ts';
import type { Database } from './schema.ts';

// Who administers a tenant (users who proved through the provider that they belong to its corporate account), and
// the log of what each of them did.

export interface Admin {
  /** `provider:userId`: how sessions and the action log name an admin. */
  key: string;
  label: string | null;
}

export interface AdminAction {
  id: number;
  actor: string;
  actorLabel: string | null;
  action: string;
  detail: Record<string, unknown>;
  at: Date;
}

export const adminKey = (provider: ProviderName | 'sandbox', userId: string) => `${provider}:${userId}`;

export class AdminRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records that this user signed in to the tenant (first time or again). */
  async seen(
    tenantId: string,
    provider: ProviderName | 'sandbox',
    user: { id: string; label: string | null },
  ): Promise<Admin> {
    const now = new Date();
    await this.db
      .insertInto('admins')
      .values({ tenant_id: tenantId, provider, user_id: user.id, label: user.label, last_seen_at: now })
      .onConflict((c) =>
        c.columns(['tenant_id', 'provider', 'user_id']).doUpdateSet({ label: user.label, last_seen_at: now }),
      )
      .execute();
    return { key: adminKey(provider, user.id), label: user.label };
  }

  async get(tenantId: string, key: string): Promise<Admin | null> {
    const colon = key.indexOf(':');
    if (colon <= 0) return null;
    const row = await this.db
      .selectFrom('admins')
      .select(['provider', 'user_id', 'label'])
      .where('tenant_id', '=', tenantId)
      .where('provider', '=', key.slice(0, colon))
      .where('user_id', '=', key.slice(colon + 1))
      .executeTakeFirst();
    return row ? { key, label: row.label } : null;
  }

  async record(
    tenantId: string,
    admin: Admin,
    action: string,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    await this.db
      .insertInto('admin_actions')
      .values({
        tenant_id: tenantId,
        actor: admin.key,
        actor_label: admin.label,
        action,
        detail: JSON.stringify(detail),
      })
      .execute();
  }

  /** The kinds of acknowledgement any admin of the tenant has given (action `acknowledge`, detail `{kind}`). */
  async acknowledged(tenantId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('admin_actions')
      .select('detail')
      .where('tenant_id', '=', tenantId)
      .where('action', '=', 'acknowledge')
      .execute();
    return new Set(rows.flatMap((row) => (typeof row.detail.kind === 'string' ? [row.detail.kind] : [])));
  }

  /** The tenant's admin actions, newest first; `before` pages back from an entry's id. */
  async actions(tenantId: string, options: { limit: number; before?: number }): Promise<AdminAction[]> {
    let query = this.db
      .selectFrom('admin_actions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(options.limit);
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      actor: row.actor,
      actorLabel: row.actor_label,
      action: row.action,
      detail: row.detail,
      at: row.at,
    }));
  }
}
