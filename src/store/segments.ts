import { type Kysely, sql } from 'kysely';
import type { SegmentReport, SegmentState } from '../../connectors/connector.ts';
import type { Database } from './schema.ts';

// Issue 12: the lists the app keeps in each child account, as the connector last reported them, and the settings
// generation each account was last checked in (see TenantRepository.saveSettings, which bumps the tenant's).

export type SegmentProblem = SegmentReport['warnings'][number]['code'];

export interface AccountSegments {
  segments: SegmentState[];
  /** The tenant's generation when the account's lists were last checked; null when never. */
  generation: number | null;
  /** What stood in the way last time (a missing scope, a cap on lists); null when nothing did. */
  problem: SegmentProblem | null;
}

export class SegmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The tenant's settings generation: how many times `segments` was turned on. */
  async generation(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('tenants')
      .select('segments_generation')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row?.segments_generation ?? 0;
  }

  async forAccount(tenantId: string, accountId: string): Promise<AccountSegments> {
    const rows = await this.db
      .selectFrom('segments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', accountId)
      .orderBy('key')
      .orderBy('object')
      .execute();
    const checked = await this.db
      .selectFrom('segment_accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return {
      segments: rows.map((r) => ({
        key: r.key as SegmentState['key'],
        id: r.list_id,
        name: r.name,
        ...(r.object ? { object: r.object } : {}),
      })),
      generation: checked?.generation ?? null,
      problem: (checked?.problem as SegmentProblem | null | undefined) ?? null,
    };
  }

  /** Replaces an account's lists with what the connector reported, checked in `generation`. */
  async save(
    tenantId: string,
    accountId: string,
    checked: { segments: readonly SegmentState[]; generation: number; problem: SegmentProblem | null },
    now = new Date(),
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('segments')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .execute();
      if (checked.segments.length > 0)
        await trx
          .insertInto('segments')
          .values(
            checked.segments.map((s) => ({
              tenant_id: tenantId,
              account_id: accountId,
              key: s.key,
              object: s.object ?? '',
              list_id: s.id,
              name: s.name,
              updated_at: now,
            })),
          )
          .execute();
      await trx
        .insertInto('segment_accounts')
        .values({
          tenant_id: tenantId,
          account_id: accountId,
          generation: checked.generation,
          problem: checked.problem,
          checked_at: now,
        })
        .onConflict((c) =>
          c.columns(['tenant_id', 'account_id']).doUpdateSet({
            generation: checked.generation,
            problem: checked.problem,
            checked_at: now,
          }),
        )
        .execute();
    });
  }

  /** Each child account's problem with its lists last time, by account id (accounts without one left out). */
  async problems(tenantId: string): Promise<Map<string, SegmentProblem>> {
    const rows = await this.db
      .selectFrom('segment_accounts')
      .select(['account_id', 'problem'])
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`problem is not null`)
      .execute();
    return new Map(rows.map((r) => [r.account_id, r.problem as SegmentProblem]));
  }
}
