import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

// Webhook deliveries already handled, by an id the caller derives from the signed request (its signature), kept
// as long as a signature stays acceptable: a replay within that window does no work twice.

export class WebhookReceiptRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** True the first time this delivery is seen; false for a replay. Forgets deliveries older than `keepMs`. */
  async firstTime(id: string, keepMs: number, now = new Date()): Promise<boolean> {
    await this.db
      .deleteFrom('webhook_receipts')
      .where('received_at', '<', new Date(now.getTime() - keepMs))
      .execute();
    const inserted = await this.db
      .insertInto('webhook_receipts')
      .values({ id, received_at: now })
      .onConflict((c) => c.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
