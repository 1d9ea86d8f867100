import { type Kysely, sql } from 'kysely';
import { type ChildAccount, type Contact, chunks, type Deal } from '../core/index.ts';
import { dealRow, recordRow, type StoredContact, toDeal, toStoredContact } from './account-states.ts';
import type { Database } from './schema.ts';

// Single records and deals of the stored state, for a targeted resync: found by id, by keyed hash (GIN indexes on
// the hash lists) or by contact, and changed one by one instead of replacing an account.

/** A stored record and the account it is in. */
export interface LocatedRecord {
  accountId: string;
  contact: StoredContact;
}

/** Enough ids or keys per statement to keep each one small. */
const PER_QUERY = 500;

export class RecordStateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Refreshes the planner's statistics of the records and deals tables. Right after a full run replaced accounts'
   * rows, Postgres plans key lookups as scans by tenant (about 1 s a resync at 1M records) until autovacuum gets
   * to it; analysed, they use the GIN indexes.
   */
  async analyze(): Promise<void> {
    await sql`analyze records`.execute(this.db);
    await sql`analyze deals`.execute(this.db);
  }

  /** These records of one account, as stored; ids the store does not hold are left out. */
  async byIds(tenantId: string, accountId: string, ids: readonly string[]): Promise<StoredContact[]> {
    const found: StoredContact[] = [];
    for (const chunk of chunks([...new Set(ids)], PER_QUERY)) {
      const rows = await this.db
        .selectFrom('records')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .where('record_id', 'in', chunk)
        .execute();
      found.push(...rows.map(toStoredContact));
    }
    return found;
  }

  /** Every record of any account carrying any of these keyed hashes, as an email or a phone. */
  async withKeys(tenantId: string, keys: readonly string[]): Promise<LocatedRecord[]> {
    const found = new Map<string, LocatedRecord>();
    for (const chunk of chunks([...new Set(keys)], PER_QUERY)) {
      const list = sql`array[${sql.join(chunk)}]::text[]`;
      const rows = await this.db
        .selectFrom('records')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([sql<boolean>`email_hashes ?| ${list}`, sql<boolean>`phone_hashes ?| ${list}`]))
        .execute();
      for (const row of rows)
        found.set(`${row.account_id}\u0000${row.record_id}`, {
          accountId: row.account_id,
          contact: toStoredContact(row),
        });
    }
    return [...found.values()];
  }

  /**
   * Which of these keyed hashes are junk (DESIGN.md 2.1): carried by more than `maxContactsPerKey` records of one of
   * `accountIds` (the child accounts), counted over each account's whole stored state.
   */
  async junkKeys(
    tenantId: string,
    accountIds: readonly string[],
    keys: readonly string[],
    maxContactsPerKey: number,
  ): Promise<Set<string>> {
    const junk = new Set<string>();
    if (accountIds.length === 0) return junk;
    for (const chunk of chunks([...new Set(keys)], PER_QUERY)) {
      const list = sql`array[${sql.join(chunk)}]::text[]`;
      const counted = await sql<{ key: string }>`
        select k.key from records r
          cross join lateral (
            select jsonb_array_elements_text(r.email_hashes) as key
            union select jsonb_array_elements_text(r.phone_hashes)
          ) k
        where r.tenant_id = ${tenantId} and r.account_id in (${sql.join(accountIds)})
          and (r.email_hashes ?| ${list} or r.phone_hashes ?| ${list}) and k.key = any(${list})
        group by k.key, r.account_id
        having count(distinct r.record_id) > ${maxContactsPerKey}`.execute(this.db);
      for (const row of counted.rows) junk.add(row.key);
    }
    return junk;
  }

  /** Stores these records of an account as read now (inserted, or replacing the stored ones). */
  async upsert(
    tenantId: string,
    accountId: string,
    contacts: readonly Contact[],
    nameOf: (contact: Contact) => string,
  ): Promise<void> {
    for (const chunk of chunks(contacts, PER_QUERY)) {
      await this.db
        .insertInto('records')
        .values(chunk.map((c) => recordRow(tenantId, accountId, c, nameOf)))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'account_id', 'record_id']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            created_at: eb.ref('excluded.created_at'),
            conversions: eb.ref('excluded.conversions'),
            first_conversion_at: eb.ref('excluded.first_conversion_at'),
            tags: eb.ref('excluded.tags'),
            tag_values: eb.ref('excluded.tag_values'),
            email_hashes: eb.ref('excluded.email_hashes'),
            phone_hashes: eb.ref('excluded.phone_hashes'),
          })),
        )
        .execute();
    }
  }

  async remove(tenantId: string, accountId: string, ids: readonly string[]): Promise<void> {
    for (const chunk of chunks([...new Set(ids)], PER_QUERY)) {
      await this.db
        .deleteFrom('records')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .where('record_id', 'in', chunk)
        .execute();
    }
  }

  /** The tags now on these records, after the app wrote them. */
  async setTags(
    tenantId: string,
    accountId: string,
    changes: readonly { contactId: string; after: string[]; afterValues: string[] }[],
  ): Promise<void> {
    for (const change of changes) {
      await this.db
        .updateTable('records')
        .set({ tags: JSON.stringify(change.after), tag_values: JSON.stringify(change.afterValues) })
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .where('record_id', '=', change.contactId)
        .execute();
    }
  }

  /** The deals of an account with these ids, or associated with any of these contacts. */
  async deals(
    tenantId: string,
    accountId: string,
    wanted: { ids?: readonly string[]; contactIds?: readonly string[] },
  ): Promise<Deal[]> {
    const found = new Map<string, Deal>();
    const select = () =>
      this.db
        .selectFrom('deals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId);
    for (const chunk of chunks([...new Set(wanted.ids ?? [])], PER_QUERY)) {
      for (const row of await select().where('deal_id', 'in', chunk).execute())
        found.set(row.deal_id, toDeal(row));
    }
    for (const chunk of chunks([...new Set(wanted.contactIds ?? [])], PER_QUERY)) {
      const list = sql`array[${sql.join(chunk)}]::text[]`;
      const rows = await select().where(sql<boolean>`contact_ids ?| ${list}`).execute();
      for (const row of rows) found.set(row.deal_id, toDeal(row));
    }
    return [...found.values()];
  }

  async upsertDeals(tenantId: string, accountId: string, deals: readonly Deal[]): Promise<void> {
    for (const chunk of chunks(deals, PER_QUERY)) {
      await this.db
        .insertInto('deals')
        .values(chunk.map((d) => dealRow(tenantId, accountId, d)))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'account_id', 'deal_id']).doUpdateSet((eb) => ({
            pipeline_id: eb.ref('excluded.pipeline_id'),
            stage_id: eb.ref('excluded.stage_id'),
            contact_ids: eb.ref('excluded.contact_ids'),
          })),
        )
        .execute();
    }
  }

  async removeDeals(tenantId: string, accountId: string, ids: readonly string[]): Promise<void> {
    for (const chunk of chunks([...new Set(ids)], PER_QUERY)) {
      await this.db
        .deleteFrom('deals')
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .where('deal_id', 'in', chunk)
        .execute();
    }
  }

  /** Each account's stored pipelines (with stage order), by account id; accounts never read are left out. */
  async pipelines(tenantId: string): Promise<Map<string, ChildAccount['pipelines']>> {
    const rows = await this.db
      .selectFrom('account_states')
      .select(['account_id', 'pipelines'])
      .where('tenant_id', '=', tenantId)
      .execute();
    return new Map(rows.map((r) => [r.account_id, r.pipelines as ChildAccount['pipelines']] as const));
  }

  async savePipelines(
    tenantId: string,
    accountId: string,
    pipelines: ChildAccount['pipelines'],
  ): Promise<void> {
    await this.db
      .updateTable('account_states')
      .set({ pipelines: JSON.stringify(pipelines) })
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', accountId)
      .execute();
  }
}
