import type { Kysely } from 'kysely';
import { chunks } from '../core/index.ts';
import type { AuditStatus, Database } from './schema.ts';

// One entry per change a run sends to a CRM, written ahead: `pending` before the write is sent, then settled as
// `written` or `failed`. After a crash, every change that may have reached a CRM is on record (left `pending`).

export type AuditAction = 'tag' | 'create-copy' | 'update-copy';
export type { AuditStatus };

export interface AuditEntry {
  accountId: string;
  recordId: string;
  action: AuditAction;
  before: string[];
  after: string[];
  reason: string;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  runId: number;
  status: AuditStatus;
  /** Why a write failed (the provider's message). */
  detail: string | null;
  at: Date;
}

export interface AuditSettlement {
  id: number;
  status: Exclude<AuditStatus, 'pending' | 'planned'>;
  /** The record the write ended on, when only then known (a corporate copy's new id). */
  recordId?: string;
  detail?: string;
}

const CHUNK = 500;

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records changes about to be sent, as `pending` (or never to be sent, `planned`); returns their ids in order. */
  async intend(
    tenantId: string,
    runId: number,
    entries: readonly AuditEntry[],
    status: 'pending' | 'planned' = 'pending',
  ): Promise<number[]> {
    const ids: number[] = [];
    for (const chunk of chunks(entries, CHUNK)) {
      const rows = await this.db
        .insertInto('audit')
        .values(
          chunk.map((e) => ({
            tenant_id: tenantId,
            run_id: runId,
            account_id: e.accountId,
            record_id: e.recordId,
            action: e.action,
            before: JSON.stringify(e.before),
            after: JSON.stringify(e.after),
            reason: e.reason,
            status,
          })),
        )
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  }

  /** Says how pending entries ended. */
  async settle(tenantId: string, settlements: readonly AuditSettlement[]): Promise<void> {
    const plain = settlements.filter((s) => s.recordId === undefined && s.detail === undefined);
    for (const status of ['written', 'failed', 'unknown'] as const) {
      const ids = plain.filter((s) => s.status === status).map((s) => s.id);
      for (const chunk of chunks(ids, CHUNK)) {
        await this.db
          .updateTable('audit')
          .set({ status })
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', chunk)
          .execute();
      }
    }
    for (const s of settlements) {
      if (s.recordId === undefined && s.detail === undefined) continue;
      await this.db
        .updateTable('audit')
        .set({
          status: s.status,
          ...(s.recordId !== undefined ? { record_id: s.recordId } : {}),
          ...(s.detail !== undefined ? { detail: s.detail } : {}),
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', s.id)
        .execute();
    }
  }

  /**
   * Corporate copies the app created (of one run, or ever), each once: what an undo lists for the admin to delete
   * if they wish (the app never deletes a record).
   */
  async copiesCreated(tenantId: string, runId?: number): Promise<{ accountId: string; recordId: string }[]> {
    let query = this.db
      .selectFrom('audit')
      .select(['account_id', 'record_id'])
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where('action', '=', 'create-copy')
      .where('status', '=', 'written')
      .orderBy('account_id')
      .orderBy('record_id');
    if (runId !== undefined) query = query.where('run_id', '=', runId);
    const rows = await query.execute();
    return rows.map((row) => ({ accountId: row.account_id, recordId: row.record_id }));
  }

  async list(tenantId: string, runId: number): Promise<StoredAuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      accountId: row.account_id,
      recordId: row.record_id,
      action: row.action as AuditAction,
      before: row.before,
      after: row.after,
      reason: row.reason,
      status: row.status,
      detail: row.detail,
      at: row.at,
    }));
  }
}
