import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ProviderName } from '../../connectors/connector.ts';
import type { Database } from './schema.ts';

// OAuth `state` ids: stored with what the flow is for, single-use, expiring; expired ones are purged.

/** `corporate` with no tenant: an install; `child`/`corporate` with a tenant: a connect link; `signin`: an admin signing in. */
export interface InstallState {
  id: string;
  tenantId: string | null;
  provider: ProviderName;
  role: 'child' | 'corporate' | 'signin';
  /** A Reconnect link: the store's id of the account the consent refreshes. */
  accountId?: string | null;
}

export class InstallStateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A new state; expired ones go at the same time, so the table never grows with abandoned flows. */
  async create(state: Omit<InstallState, 'id'>, ttlMs: number, now = new Date()): Promise<string> {
    await this.purgeExpired(now);
    const id = randomUUID();
    await this.db
      .insertInto('install_states')
      .values({
        id,
        tenant_id: state.tenantId,
        provider: state.provider,
        role: state.role,
        account_id: state.accountId ?? null,
        expires_at: new Date(now.getTime() + ttlMs),
      })
      .execute();
    return id;
  }

  /** Uses a state once: null when unknown, already used or expired. */
  async consume(id: string, now = new Date()): Promise<InstallState | null> {
    const row = await this.db
      .updateTable('install_states')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row
      ? {
          id: row.id,
          tenantId: row.tenant_id,
          provider: row.provider as ProviderName,
          role: row.role,
          accountId: row.account_id,
        }
      : null;
  }

  /** Removes states past their expiry (used or not); returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.db
      .deleteFrom('install_states')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
