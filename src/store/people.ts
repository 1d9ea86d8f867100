import { type Kysely, type Selectable, sql } from 'kysely';
import { chunks } from '../core/index.ts';
import type { Database, RunPersonTable } from './schema.ts';

// Each run's shared people (previews too), as the admin page lists and searches them. Names and record facts
// only: emails and phones are kept as the members' keyed hashes, matched with `@>` through a GIN index.

export interface PersonMember {
  accountId: string;
  recordId: string;
  name: string;
  createdAt: string | null;
}

export interface RunPerson {
  sharedId: string;
  name: string;
  primaryAccountId: string;
  reason: string;
  explanation: string;
  members: PersonMember[];
  firstAccountId: string;
  firstCreatedAt: Date | null;
  tags: string[];
}

export interface NewRunPerson extends RunPerson {
  /** The members' email and phone keys, hashed as stored records' keys are. */
  keyHashes: string[];
}

export type PeopleSort = 'name' | 'primary' | 'first' | 'communities' | 'firstCreated';

export interface PeopleQuery {
  /** Case-insensitive substring of the name. */
  name?: string;
  /** People carrying any of these key hashes (an email or phone typed in full). */
  keyHashes?: string[];
  sort: PeopleSort;
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** Runs whose people are kept per tenant (besides the latest real run's, always kept). */
export const PEOPLE_RUNS_KEPT = 10;

const ROWS_PER_INSERT = 1_000;

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const toPerson = (row: Selectable<RunPersonTable>): RunPerson => ({
  sharedId: row.shared_id,
  name: row.name,
  primaryAccountId: row.primary_account_id,
  reason: row.reason,
  explanation: row.explanation,
  members: row.members,
  firstAccountId: row.first_account_id,
  firstCreatedAt: row.first_created_at,
  tags: row.tags,
});

/** Where a run's people are read: its set, and the run itself (a row is visible at it if written by then and not ended). */
interface PeopleAt {
  base: number;
  runId: number;
}

export class PeopleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the people of a run that planned from scratch (in inserts of 1,000) as a set of its own. */
  async save(tenantId: string, runId: number, people: readonly NewRunPerson[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('people_runs')
        .values({ tenant_id: tenantId, run_id: runId, base_run_id: runId })
        .execute();
      await this.#insert(trx, tenantId, runId, runId, people);
    });
    await this.#prune(tenantId);
  }

  /**
   * The people of a targeted resync: the set `head` reads from, with the people of these shared ids replaced by
   * `people` (a few rows written, whatever the set's size). Returns how many people the run has.
   */
  async continueFrom(
    tenantId: string,
    head: number,
    runId: number,
    replaced: readonly string[],
    people: readonly NewRunPerson[],
  ): Promise<number> {
    const count = await this.db.transaction().execute(async (trx) => {
      const base = (await this.#at(tenantId, head, trx))?.base;
      if (base === undefined) throw new Error(`run ${head} has no people kept to continue`);
      await trx
        .insertInto('people_runs')
        .values({ tenant_id: tenantId, run_id: runId, base_run_id: base })
        .execute();
      for (const chunk of chunks([...new Set([...replaced, ...people.map((p) => p.sharedId)])], 1_000)) {
        await trx
          .updateTable('run_people')
          .set({ until_run_id: runId })
          .where('tenant_id', '=', tenantId)
          .where('base_run_id', '=', base)
          .where('until_run_id', 'is', null)
          .where('shared_id', 'in', chunk)
          .execute();
      }
      await this.#insert(trx, tenantId, runId, base, people);
      const row = await trx
        .selectFrom('run_people')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('base_run_id', '=', base)
        .where('until_run_id', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
    await this.#prune(tenantId);
    return count;
  }

  /** The latest real (not preview) run before `runId` whose people are kept: the one a targeted resync continues. */
  async head(tenantId: string, runId: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('people_runs as k')
      .innerJoin('runs as r', (join) => join.onRef('r.id', '=', 'k.run_id'))
      .select('k.run_id')
      .where('k.tenant_id', '=', tenantId)
      .where('r.dry_run', '=', false)
      .where('k.run_id', '<', runId)
      .orderBy('k.run_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.run_id ?? null;
  }

  async #insert(
    trx: Kysely<Database>,
    tenantId: string,
    runId: number,
    base: number,
    people: readonly NewRunPerson[],
  ): Promise<void> {
    for (const chunk of chunks(people, ROWS_PER_INSERT)) {
      await trx
        .insertInto('run_people')
        .values(
          chunk.map((p) => ({
            tenant_id: tenantId,
            run_id: runId,
            base_run_id: base,
            until_run_id: null,
            shared_id: p.sharedId,
            name: p.name,
            name_key: p.name.toLowerCase(),
            primary_account_id: p.primaryAccountId,
            reason: p.reason,
            explanation: p.explanation,
            members: JSON.stringify(p.members),
            first_account_id: p.firstAccountId,
            first_created_at: p.firstCreatedAt,
            tags: JSON.stringify(p.tags),
            key_hashes: JSON.stringify(p.keyHashes),
          })),
        )
        .execute();
    }
  }

  async #at(tenantId: string, runId: number, db: Kysely<Database> = this.db): Promise<PeopleAt | null> {
    const row = await db
      .selectFrom('people_runs')
      .select('base_run_id')
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row ? { base: row.base_run_id, runId } : null;
  }

  /** The rows of the run's people: its set's rows written by then and not ended by then. */
  #visible(tenantId: string, at: PeopleAt) {
    return this.db
      .selectFrom('run_people as p')
      .where('p.tenant_id', '=', tenantId)
      .where('p.base_run_id', '=', at.base)
      .where('p.run_id', '<=', at.runId)
      .where((eb) => eb.or([eb('p.until_run_id', 'is', null), eb('p.until_run_id', '>', at.runId)]));
  }

  /** One page of a run's people, filtered and sorted; `total` counts every match. */
  async list(
    tenantId: string,
    runId: number,
    query: PeopleQuery,
  ): Promise<{ total: number; people: RunPerson[] }> {
    const at = await this.#at(tenantId, runId);
    if (!at) return { total: 0, people: [] };
    let base = this.#visible(tenantId, at);
    const { name, keyHashes } = query;
    if (name !== undefined || keyHashes !== undefined) {
      base = base.where((eb) =>
        eb.or([
          ...(name !== undefined ? [eb('p.name_key', 'like', likePattern(name))] : []),
          ...(keyHashes ?? []).map((hash) => sql<boolean>`p.key_hashes @> ${JSON.stringify([hash])}::jsonb`),
        ]),
      );
    }
    const count = await base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
    const dir = query.dir;
    const accountName = (column: 'p.primary_account_id' | 'p.first_account_id') =>
      sql`(select lower(a.name) from accounts a where a.tenant_id = p.tenant_id and a.external_id = ${sql.ref(column)})`;
    const order = {
      name: sql`p.name_key`,
      primary: accountName('p.primary_account_id'),
      first: accountName('p.first_account_id'),
      communities: sql`jsonb_array_length(p.members)`,
      firstCreated: sql`p.first_created_at`,
    }[query.sort];
    const rows = await base
      .selectAll('p')
      .orderBy(sql`${order} ${sql.raw(dir)} nulls last`)
      .orderBy('p.name_key', dir)
      .orderBy('p.shared_id', dir)
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return { total: Number(count.total), people: rows.map(toPerson) };
  }

  /** A run's people carrying any of these key hashes: their shared ids and members. */
  async withKeys(
    tenantId: string,
    runId: number,
    keyHashes: readonly string[],
  ): Promise<{ sharedId: string; members: PersonMember[] }[]> {
    const found = new Map<string, PersonMember[]>();
    const at = await this.#at(tenantId, runId);
    if (!at) return [];
    for (const chunk of chunks([...new Set(keyHashes)], 200)) {
      const rows = await this.#visible(tenantId, at)
        .select(['p.shared_id', 'p.members'])
        .where((eb) =>
          eb.or(chunk.map((hash) => sql<boolean>`p.key_hashes @> ${JSON.stringify([hash])}::jsonb`)),
        )
        .execute();
      for (const row of rows) found.set(row.shared_id, row.members);
    }
    return [...found].map(([sharedId, members]) => ({ sharedId, members }));
  }

  /** Whether the run's people are kept (older runs' are dropped, see PEOPLE_RUNS_KEPT). */
  async has(tenantId: string, runId: number): Promise<boolean> {
    return (await this.#at(tenantId, runId)) !== null;
  }

  /** How many of a run's people each account holds. */
  async perAccount(tenantId: string, runId: number): Promise<Map<string, number>> {
    const at = await this.#at(tenantId, runId);
    if (!at) return new Map();
    const counted = await sql<{ account_id: string; shared: string }>`
      select m->>'accountId' as account_id, count(distinct p.shared_id) as shared
      from run_people p cross join lateral jsonb_array_elements(p.members) m
      where p.tenant_id = ${tenantId} and p.base_run_id = ${at.base} and p.run_id <= ${runId}
        and (p.until_run_id is null or p.until_run_id > ${runId})
      group by 1`.execute(this.db);
    return new Map(counted.rows.map((r) => [r.account_id, Number(r.shared)]));
  }

  /**
   * Keeps the people of the newest PEOPLE_RUNS_KEPT runs and of the latest real run: a set no kept run reads from is
   * dropped, and in the others the rows ended before the oldest kept run reading them.
   */
  async #prune(tenantId: string): Promise<void> {
    const newest = await this.db
      .selectFrom('runs')
      .select(['id', 'dry_run'])
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(PEOPLE_RUNS_KEPT)
      .execute();
    if (newest.length < PEOPLE_RUNS_KEPT) return;
    const cutoff = (newest.at(-1) as { id: number }).id;
    const latestReal =
      newest.find((r) => !r.dry_run)?.id ??
      (
        await this.db
          .selectFrom('runs')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('dry_run', '=', false)
          .where('id', '<', cutoff)
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst()
      )?.id;
    let dropped = this.db
      .deleteFrom('people_runs')
      .where('tenant_id', '=', tenantId)
      .where('run_id', '<', cutoff);
    if (latestReal !== undefined) dropped = dropped.where('run_id', '!=', latestReal);
    const droppedBases = new Set(
      (await dropped.returning('base_run_id').execute()).map((r) => r.base_run_id),
    );
    if (droppedBases.size === 0) return;
    const kept = await this.db
      .selectFrom('people_runs')
      .select((eb) => ['base_run_id', eb.fn.min('run_id').as('oldest')])
      .where('tenant_id', '=', tenantId)
      .groupBy('base_run_id')
      .execute();
    const oldest = new Map(kept.map((k) => [k.base_run_id, Number(k.oldest)]));
    for (const base of droppedBases) {
      const from = oldest.get(base);
      let rows = this.db
        .deleteFrom('run_people')
        .where('tenant_id', '=', tenantId)
        .where('base_run_id', '=', base);
      if (from !== undefined) rows = rows.where('until_run_id', '<=', from);
      await rows.execute();
    }
  }
}
