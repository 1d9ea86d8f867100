import { type Kysely, type Selectable, sql } from 'kysely';
import { chunks } from '../core/index.ts';
import type { AuditStatus, AuditTable, Database } from './schema.ts';

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
  /** The person's name as the changed record shows it. */
  name?: string | null;
  /** The shared person the change is for; null when the record is no longer shared. */
  sharedId?: string | null;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  name: string | null;
  sharedId: string | null;
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

/** How one account's changes of a run add up, with its first entries. */
export interface AccountChanges {
  accountId: string;
  /** Records gaining at least one tag, and losing at least one. */
  tagsAdded: number;
  tagsRemoved: number;
  copiesToCreate: number;
  copiesUpdated: number;
  entries: StoredAuditEntry[];
}

const toEntry = (row: Selectable<AuditTable>): StoredAuditEntry => ({
  id: row.id,
  runId: row.run_id,
  accountId: row.account_id,
  recordId: row.record_id,
  action: row.action as AuditAction,
  before: row.before,
  after: row.after,
  reason: row.reason,
  name: row.name,
  sharedId: row.shared_id,
  status: row.status,
  detail: row.detail,
  at: row.at,
});

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records changes about to be sent, as `pending`; returns their ids in the same order. */
  intend(tenantId: string, runId: number, entries: readonly AuditEntry[]): Promise<number[]> {
    return this.#insert(tenantId, runId, entries, 'pending');
  }

  /** Records a preview's changes, as `planned`: never sent, kept so the preview outlives the page. */
  async plan(tenantId: string, runId: number, entries: readonly AuditEntry[]): Promise<void> {
    await this.#insert(tenantId, runId, entries, 'planned');
  }

  async #insert(
    tenantId: string,
    runId: number,
    entries: readonly AuditEntry[],
    status: 'pending' | 'planned',
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
            name: e.name ?? null,
            shared_id: e.sharedId ?? null,
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
    return rows.map(toEntry);
  }

  /** How many planned (never sent) changes each of these runs holds: what a preview would write. */
  async plannedCounts(tenantId: string, runIds: readonly number[]): Promise<Map<number, number>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('audit')
      .select(['run_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('run_id', 'in', [...runIds])
      .where('status', '=', 'planned')
      .groupBy('run_id')
      .execute();
    return new Map(rows.map((r) => [r.run_id, Number(r.n)] as const));
  }

  /** One page of a run's entries (of one account when given), in the order they were recorded. */
  async page(
    tenantId: string,
    runId: number,
    options: { limit: number; offset: number; accountId?: string },
  ): Promise<{ total: number; entries: StoredAuditEntry[] }> {
    let query = this.db.selectFrom('audit').where('tenant_id', '=', tenantId).where('run_id', '=', runId);
    if (options.accountId !== undefined) query = query.where('account_id', '=', options.accountId);
    const [count, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('id').limit(options.limit).offset(options.offset).execute(),
    ]);
    return { total: Number(count.total), entries: rows.map(toEntry) };
  }

  /** Per account: how a run's changes (written or planned) add up, and the first `perAccount` of them. */
  async changes(tenantId: string, runId: number, perAccount: number): Promise<AccountChanges[]> {
    const totals = await this.db
      .selectFrom('audit')
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .select([
        'account_id',
        sql<string>`count(*) filter (where action = 'tag' and not before @> after)`.as('added'),
        sql<string>`count(*) filter (where action = 'tag' and not after @> before)`.as('removed'),
        sql<string>`count(*) filter (where action = 'create-copy')`.as('creates'),
        sql<string>`count(*) filter (where action = 'update-copy')`.as('updates'),
      ])
      .groupBy('account_id')
      .orderBy('account_id')
      .execute();
    const first = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('audit')
          .selectAll()
          .select(sql<number>`row_number() over (partition by account_id order by id)`.as('n'))
          .where('tenant_id', '=', tenantId)
          .where('run_id', '=', runId)
          .as('numbered'),
      )
      .selectAll()
      .where('n', '<=', perAccount)
      .orderBy('id')
      .execute();
    return totals.map((t) => ({
      accountId: t.account_id,
      tagsAdded: Number(t.added),
      tagsRemoved: Number(t.removed),
      copiesToCreate: Number(t.creates),
      copiesUpdated: Number(t.updates),
      entries: first.filter((row) => row.account_id === t.account_id).map(toEntry),
    }));
  }
}
