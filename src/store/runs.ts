import { type Kysely, type Selectable, sql } from 'kysely';
import type { CallStats } from '../../connectors/connector.ts';
import type { Database, RunTable } from './schema.ts';

// Runs: one running per tenant at a time (a partial unique index), each kept alive by its owner's heartbeat.

export type RunStatus = RunTable['status'];

export interface RunSummary {
  id: number;
  tenantId: string;
  status: RunStatus;
  dryRun: boolean;
  trigger: string;
  startedAt: Date;
  endedAt: Date | null;
  changes: number;
  shared: number;
  calls: Record<string, CallStats>;
  warnings: unknown[];
  errors: unknown[];
  /** The run this one reverts. */
  revertOf: number | null;
  /** Why the mass-change guard held it. */
  heldReason: string | null;
}

export type RunOutcome = Pick<
  RunSummary,
  'status' | 'changes' | 'shared' | 'calls' | 'warnings' | 'errors'
> & {
  heldReason?: string;
};

/** Runs that undo what the app wrote (their plans have no shared people). */
export const UNDO_TRIGGERS = ['revert', 'remove-all'] as const;

export class RunInProgressError extends Error {
  override readonly name = 'RunInProgressError';
  constructor(readonly tenantId: string) {
    super(`a run is already in progress for tenant ${tenantId}; wait for it to finish`);
  }
}

/** A run whose heartbeat is older than this is taken for dead (its owner beats every `HEARTBEAT_MS`). */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 6 * HEARTBEAT_MS;

/** Postgres (and PGlite) name the violated constraint: the run lock is recognised by it, not by the message. */
const violates = (error: unknown, constraint: string) =>
  typeof error === 'object' &&
  error !== null &&
  (error as { code?: unknown }).code === '23505' &&
  (error as { constraint?: unknown }).constraint === constraint;

const toSummary = (row: Selectable<RunTable>): RunSummary => ({
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
  revertOf: row.revert_of,
  heldReason: row.held_reason,
});

export class RunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Starts a run owned by `owner`. While another run of the tenant is alive, throws RunInProgressError; a run
   * whose owner stopped beating is failed first, so a dead process never blocks the tenant for long.
   */
  async start(
    tenantId: string,
    options: { dryRun: boolean; trigger: string; owner: string; revertOf?: number },
  ): Promise<number> {
    const insert = () =>
      this.db
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
          owner: options.owner,
          heartbeat_at: sql<Date>`now()`,
          revert_of: options.revertOf ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    for (let attempt = 0; ; attempt += 1) {
      try {
        return (await insert()).id;
      } catch (error) {
        if (!violates(error, 'runs_one_running')) throw error;
        if (attempt > 0 || (await this.failAbandoned({ staleAfterMs: STALE_AFTER_MS, tenantId })) === 0) {
          throw new RunInProgressError(tenantId);
        }
      }
    }
  }

  /** The owner says its run is alive. */
  async heartbeat(tenantId: string, runId: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ heartbeat_at: sql<Date>`now()` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .execute();
  }

  async finish(tenantId: string, runId: number, result: RunOutcome): Promise<void> {
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
        held_reason: result.heldReason ?? null,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', runId)
      .execute();
  }

  /**
   * Marks runs whose owner stopped beating for `staleAfterMs` as failed, so their tenant can run again; returns
   * how many. A live run of another process keeps beating and is left alone.
   */
  async failAbandoned(options: { staleAfterMs: number; tenantId?: string }): Promise<number> {
    let query = this.db
      .updateTable('runs')
      .set({
        status: 'failed',
        ended_at: new Date(),
        errors: JSON.stringify([{ message: 'the process running it stopped during the run' }]),
      })
      .where('status', '=', 'running')
      .where(
        sql<boolean>`coalesce(heartbeat_at, started_at) <= now() - make_interval(secs => ${options.staleAfterMs / 1000})`,
      );
    if (options.tenantId) query = query.where('tenant_id', '=', options.tenantId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The tenant's runs, newest first (older than run `before` when given). */
  async list(tenantId: string, limit = 20, before?: number): Promise<RunSummary[]> {
    let query = this.db.selectFrom('runs').selectAll().where('tenant_id', '=', tenantId);
    if (before !== undefined) query = query.where('id', '<', before);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toSummary);
  }

  /**
   * How many of the tenant's real runs have ended (any outcome). It only grows: a caller that reads stored state
   * outside the run lock compares it before and after taking the lock to learn whether a run ended in between.
   */
  async endedCount(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<string>().as('ended'))
      .where('tenant_id', '=', tenantId)
      .where('dry_run', '=', false)
      .where('status', '!=', 'running')
      .executeTakeFirstOrThrow();
    return Number(row.ended);
  }

  /** Drops a run that has not written anything yet (it found its reads stale); its lock goes with it. */
  async discard(tenantId: string, runId: number): Promise<void> {
    await this.db.deleteFrom('runs').where('tenant_id', '=', tenantId).where('id', '=', runId).execute();
  }

  /** The tenant's finished runs, newest first: previews (`dryRun`) or real runs. */
  async finished(tenantId: string, options: { dryRun: boolean; limit: number }): Promise<RunSummary[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('dry_run', '=', options.dryRun)
      // Runs that planned the tenant's sharing and finished: not an undo (it plans no people), a held or a failed one.
      .where('status', 'in', ['succeeded', 'partial'])
      .where('trigger', 'not in', [...UNDO_TRIGGERS])
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(toSummary);
  }

  /** The tenant's run in progress, if any. */
  async running(tenantId: string): Promise<RunSummary | null> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return row ? toSummary(row) : null;
  }

  async get(tenantId: string, runId: number): Promise<RunSummary | null> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', runId)
      .executeTakeFirst();
    return row ? toSummary(row) : null;
  }
}
