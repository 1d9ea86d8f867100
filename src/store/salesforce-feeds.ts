import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

// Salesforce change feeds: where each org's polling and Change Data Capture stand (so a restart resumes there),
// and which accounts opted into Change Data Capture, with what came of it.

export interface FeedPosition {
  /** The latest SystemModstamp whose changes were applied; null before the first poll. */
  pollCursor: Date | null;
  /** The replay id of the last change event applied; null before the first. */
  replayId: string | null;
}

export type ChangeCaptureStatus = 'starting' | 'streaming' | 'unavailable' | 'unsupported';

export interface ChangeCapture {
  accountId: string;
  enabled: boolean;
  status: ChangeCaptureStatus;
  /** Why it is not streaming, in words an admin can act on. */
  detail: string | null;
  updatedAt: Date;
}

export class SalesforceFeedRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async position(tenantId: string, orgKey: string): Promise<FeedPosition> {
    const row = await this.db
      .selectFrom('salesforce_feeds')
      .select(['poll_cursor', 'replay_id'])
      .where('tenant_id', '=', tenantId)
      .where('org_key', '=', orgKey)
      .executeTakeFirst();
    return { pollCursor: row?.poll_cursor ?? null, replayId: row?.replay_id ?? null };
  }

  /** Moves the polling cursor (never backwards). */
  async savePollCursor(tenantId: string, orgKey: string, cursor: Date): Promise<void> {
    const current = (await this.position(tenantId, orgKey)).pollCursor;
    if (current && current.getTime() >= cursor.getTime()) return;
    await this.#upsert(tenantId, orgKey, { poll_cursor: cursor });
  }

  async saveReplayId(tenantId: string, orgKey: string, replayId: string): Promise<void> {
    await this.#upsert(tenantId, orgKey, { replay_id: replayId });
  }

  async #upsert(
    tenantId: string,
    orgKey: string,
    values: { poll_cursor?: Date; replay_id?: string },
  ): Promise<void> {
    const updatedAt = new Date();
    await this.db
      .insertInto('salesforce_feeds')
      .values({ tenant_id: tenantId, org_key: orgKey, updated_at: updatedAt, ...values })
      .onConflict((c) =>
        c.columns(['tenant_id', 'org_key']).doUpdateSet({ ...values, updated_at: updatedAt }),
      )
      .execute();
  }

  /** Accounts of the tenant that opted into Change Data Capture (or opted out again), by store account id. */
  async changeCaptures(tenantId: string): Promise<ChangeCapture[]> {
    const rows = await this.db
      .selectFrom('change_capture')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('account_id')
      .execute();
    return rows.map((row) => ({
      accountId: row.account_id,
      enabled: row.enabled,
      status: row.status as ChangeCaptureStatus,
      detail: row.detail,
      updatedAt: row.updated_at,
    }));
  }

  async changeCapture(tenantId: string, accountId: string): Promise<ChangeCapture | null> {
    return (await this.changeCaptures(tenantId)).find((c) => c.accountId === accountId) ?? null;
  }

  /** Opts an account in or out; opting in starts over at `starting`. */
  async setChangeCapture(tenantId: string, accountId: string, enabled: boolean): Promise<void> {
    const values = { enabled, status: 'starting', detail: null, updated_at: new Date() };
    await this.db
      .insertInto('change_capture')
      .values({ tenant_id: tenantId, account_id: accountId, ...values })
      .onConflict((c) => c.columns(['tenant_id', 'account_id']).doUpdateSet(values))
      .execute();
  }

  /** What came of an opt-in: streaming, or why not. */
  async reportChangeCapture(
    tenantId: string,
    accountId: string,
    status: ChangeCaptureStatus,
    detail: string | null,
  ): Promise<void> {
    await this.db
      .updateTable('change_capture')
      .set({ status, detail, updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', accountId)
      .execute();
  }
}
