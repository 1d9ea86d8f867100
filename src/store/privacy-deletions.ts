import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

// Privacy deletions (HubSpot `contact.privacyDeletion`): the record's stored state is forgotten at once; only keyed
// hashes of its keys stay, in a suppression list, so the person is never copied into the corporate account again.
// The corporate copies that came from it are kept on record for the admin to decide about (the app deletes nothing).

export interface CorporateCopyRef {
  accountId: string;
  recordId: string;
  name: string;
}

export interface PrivacyDeletion {
  accountId: string;
  recordId: string;
  occurredAt: Date;
  forgottenAt: Date;
  /** Copies the app created in the corporate account for the record's person, or carrying one of its keys. */
  corporateCopies: CorporateCopyRef[];
}

export class PrivacyDeletionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Forgets a record's stored state and suppresses its keys. Doing it again changes nothing. `corporateAccountId`:
   * the tenant's corporate account (plan id), where the app's copies are looked up; null when it has none.
   */
  async forget(
    tenantId: string,
    request: { accountId: string; recordId: string; occurredAt: Date; corporateAccountId: string | null },
    now = new Date(),
  ): Promise<PrivacyDeletion> {
    return this.db.transaction().execute(async (trx) => {
      const record = await trx
        .deleteFrom('records')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', request.accountId)
        .where('record_id', '=', request.recordId)
        .returning(['email_hashes', 'phone_hashes'])
        .executeTakeFirst();
      const keys = [...new Set([...(record?.email_hashes ?? []), ...(record?.phone_hashes ?? [])])];
      // Copies the app made for a person this record belonged to (its runs' people name their members).
      const member = JSON.stringify([{ accountId: request.accountId, recordId: request.recordId }]);
      const made = await trx
        .selectFrom('audit as a')
        .select(['a.account_id', 'a.record_id', 'a.name'])
        .distinct()
        .where('a.tenant_id', '=', tenantId)
        .where('a.action', '=', 'create-copy')
        .where('a.status', '=', 'written')
        .where('a.shared_id', 'in', (eb) =>
          eb
            .selectFrom('run_people as p')
            .select('p.shared_id')
            .where('p.tenant_id', '=', tenantId)
            .where(sql<boolean>`p.members @> ${member}::jsonb`),
        )
        .execute();
      const copies: CorporateCopyRef[] = made.map((r) => ({
        accountId: r.account_id,
        recordId: r.record_id,
        name: r.name ?? '',
      }));
      if (keys.length > 0) {
        await trx
          .insertInto('suppressed_keys')
          .values(
            keys.map((key) => ({
              tenant_id: tenantId,
              key_hash: key,
              account_id: request.accountId,
              record_id: request.recordId,
            })),
          )
          .onConflict((c) => c.doNothing())
          .execute();
        if (request.corporateAccountId) {
          const rows = await trx
            .selectFrom('records as r')
            .select(['r.account_id', 'r.record_id', 'r.name'])
            .where('r.tenant_id', '=', tenantId)
            .where('r.account_id', '=', request.corporateAccountId)
            .where(sql<boolean>`(r.email_hashes || r.phone_hashes) ?| array[${sql.join(keys)}]::text[]`)
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('audit as a')
                  .select('a.id')
                  .whereRef('a.tenant_id', '=', 'r.tenant_id')
                  .whereRef('a.account_id', '=', 'r.account_id')
                  .whereRef('a.record_id', '=', 'r.record_id')
                  .where('a.action', '=', 'create-copy')
                  .where('a.status', '=', 'written'),
              ),
            )
            .orderBy('r.record_id')
            .execute();
          // And copies the app made that carry one of its keys (as the corporate account was last read).
          const known = new Set(copies.map((c) => `${c.accountId}/${c.recordId}`));
          for (const r of rows)
            if (!known.has(`${r.account_id}/${r.record_id}`))
              copies.push({ accountId: r.account_id, recordId: r.record_id, name: r.name });
        }
      }
      copies.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.recordId.localeCompare(b.recordId));
      const stored = await trx
        .insertInto('privacy_deletions')
        .values({
          tenant_id: tenantId,
          account_id: request.accountId,
          record_id: request.recordId,
          occurred_at: request.occurredAt,
          forgotten_at: now,
          corporate_copies: JSON.stringify(copies),
        })
        // Delivered again: the first one's findings stand (the record is gone by now).
        .onConflict((c) =>
          c.columns(['tenant_id', 'account_id', 'record_id']).doUpdateSet({
            corporate_copies: (eb) =>
              keys.length > 0
                ? eb.ref('excluded.corporate_copies')
                : eb.ref('privacy_deletions.corporate_copies'),
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        accountId: stored.account_id,
        recordId: stored.record_id,
        occurredAt: stored.occurred_at,
        forgottenAt: stored.forgotten_at,
        corporateCopies: stored.corporate_copies,
      };
    });
  }

  /** Every suppressed key hash of the tenant, in the stored keys' form (`h:…`). */
  async suppressedKeys(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('suppressed_keys')
      .select('key_hash')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .orderBy('key_hash')
      .execute();
    return rows.map((r) => r.key_hash);
  }

  /** The tenant's privacy deletions, newest first. */
  async list(tenantId: string): Promise<PrivacyDeletion[]> {
    const rows = await this.db
      .selectFrom('privacy_deletions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('forgotten_at', 'desc')
      .orderBy('account_id')
      .orderBy('record_id')
      .execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      recordId: r.record_id,
      occurredAt: r.occurred_at,
      forgottenAt: r.forgotten_at,
      corporateCopies: r.corporate_copies,
    }));
  }
}
