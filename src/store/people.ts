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

export class PeopleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a run's people (in inserts of 1,000), then drops those of runs older than the kept ones. */
  async save(tenantId: string, runId: number, people: readonly NewRunPerson[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks(people, ROWS_PER_INSERT)) {
        await trx
          .insertInto('run_people')
          .values(
            chunk.map((p) => ({
              tenant_id: tenantId,
              run_id: runId,
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
    });
    await this.#prune(tenantId);
  }

  /** One page of a run's people, filtered and sorted; `total` counts every match. */
  async list(
    tenantId: string,
    runId: number,
    query: PeopleQuery,
  ): Promise<{ total: number; people: RunPerson[] }> {
    let base = this.db
      .selectFrom('run_people as p')
      .where('p.tenant_id', '=', tenantId)
      .where('p.run_id', '=', runId);
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
    for (const chunk of chunks([...new Set(keyHashes)], 200)) {
      const rows = await this.db
        .selectFrom('run_people as p')
        .select(['p.shared_id', 'p.members'])
        .where('p.tenant_id', '=', tenantId)
        .where('p.run_id', '=', runId)
        .where((eb) =>
          eb.or(chunk.map((hash) => sql<boolean>`p.key_hashes @> ${JSON.stringify([hash])}::jsonb`)),
        )
        .execute();
      for (const row of rows) found.set(row.shared_id, row.members);
    }
    return [...found].map(([sharedId, members]) => ({ sharedId, members }));
  }

  /** Copies a run's people to another run, but for these shared ids; returns how many it copied. */
  async copy(
    tenantId: string,
    fromRunId: number,
    toRunId: number,
    except: readonly string[],
  ): Promise<number> {
    const result = await sql`
      insert into run_people (tenant_id, run_id, shared_id, name, name_key, primary_account_id, reason, explanation,
                              members, first_account_id, first_created_at, tags, key_hashes)
      select tenant_id, ${toRunId}, shared_id, name, name_key, primary_account_id, reason, explanation,
             members, first_account_id, first_created_at, tags, key_hashes
      from run_people
      where tenant_id = ${tenantId} and run_id = ${fromRunId}
        and shared_id <> all(${sql`array[${sql.join(except.length > 0 ? except : [''])}]::text[]`})`.execute(
      this.db,
    );
    return Number(result.numAffectedRows ?? 0);
  }

  /** Whether the run's people are kept (older runs' are dropped, see PEOPLE_RUNS_KEPT). */
  async has(tenantId: string, runId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('run_people')
      .select('shared_id')
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** How many of a run's people each account holds. */
  async perAccount(tenantId: string, runId: number): Promise<Map<string, number>> {
    const counted = await sql<{ account_id: string; shared: string }>`
      select m->>'accountId' as account_id, count(distinct p.shared_id) as shared
      from run_people p cross join lateral jsonb_array_elements(p.members) m
      where p.tenant_id = ${tenantId} and p.run_id = ${runId}
      group by 1`.execute(this.db);
    return new Map(counted.rows.map((r) => [r.account_id, Number(r.shared)]));
  }

  /** Keeps the people of the newest PEOPLE_RUNS_KEPT runs and of the latest real run; drops older ones. */
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
    let query = this.db
      .deleteFrom('run_people')
      .where('tenant_id', '=', tenantId)
      .where('run_id', '<', cutoff);
    if (latestReal !== undefined) query = query.where('run_id', '!=', latestReal);
    await query.execute();
  }
}
