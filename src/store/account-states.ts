import type { Kysely, Selectable } from 'kysely';
import { type ChildAccount, type Contact, chunks, type Deal } from '../core/index.ts';
import type { Database, DealTable, RecordTable } from './schema.ts';

// Each account's last successfully read state (DESIGN.md 2.7): pipelines, deals and every record's facts, with
// emails and phones as keyed hashes only. A full run replaces an account's state; a targeted resync changes single
// records and deals (record-states.ts).

/** A record as the store keeps it, with the account it belongs to. */
export type StoredContact = Contact & { keys: NonNullable<Contact['keys']> };

/** A stored record in the snapshot's shape (keys hashed, no emails or phones). */
export const toStoredContact = (r: Selectable<RecordTable>): StoredContact => ({
  id: r.record_id,
  emails: [],
  phones: [],
  createdAt: r.created_at as string,
  conversions: r.conversions,
  firstConversionAt: r.first_conversion_at,
  properties: { name: r.name },
  tags: r.tags,
  tagValues: r.tag_values,
  keys: { emails: r.email_hashes, phones: r.phone_hashes },
});

export const toDeal = (r: Selectable<DealTable>): Deal => ({
  id: r.deal_id,
  pipelineId: r.pipeline_id,
  stageId: r.stage_id,
  contactIds: r.contact_ids,
});

/** A record's row; its contact must carry hashed `keys` (no raw email or phone is ever stored). */
export function recordRow(
  tenantId: string,
  accountId: string,
  c: Contact,
  nameOf: (contact: Contact) => string,
) {
  if (!c.keys) throw new Error(`contact ${c.id} of ${accountId} has no hashed keys; refusing to store it`);
  return {
    tenant_id: tenantId,
    account_id: accountId,
    record_id: c.id,
    name: nameOf(c),
    created_at: c.createdAt,
    conversions: c.conversions,
    first_conversion_at: c.firstConversionAt,
    tags: JSON.stringify(c.tags),
    tag_values: JSON.stringify(c.tagValues ?? c.tags),
    email_hashes: JSON.stringify(c.keys.emails),
    phone_hashes: JSON.stringify(c.keys.phones),
  };
}

export const dealRow = (tenantId: string, accountId: string, d: Deal) => ({
  tenant_id: tenantId,
  account_id: accountId,
  deal_id: d.id,
  pipeline_id: d.pipelineId,
  stage_id: d.stageId,
  contact_ids: JSON.stringify(d.contactIds),
});

export class AccountStateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Replaces an account's stored state with what a run just read; contacts must carry hashed `keys`. */
  async save(
    tenantId: string,
    account: Pick<ChildAccount, 'id' | 'pipelines' | 'deals'> & { contacts: readonly Contact[] },
    nameOf: (contact: Contact) => string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['records', 'account_states', 'deals'] as const)
        await trx
          .deleteFrom(table)
          .where('tenant_id', '=', tenantId)
          .where('account_id', '=', account.id)
          .execute();
      await trx
        .insertInto('account_states')
        .values({
          tenant_id: tenantId,
          account_id: account.id,
          read_at: new Date(),
          pipelines: JSON.stringify(account.pipelines),
          deals: JSON.stringify([]),
        })
        .execute();
      for (const chunk of chunks(account.contacts, 1_000)) {
        const rows = chunk.map((c) => recordRow(tenantId, account.id, c, nameOf));
        await trx.insertInto('records').values(rows).execute();
      }
      for (const chunk of chunks(account.deals, 1_000)) {
        await trx
          .insertInto('deals')
          .values(chunk.map((d) => dealRow(tenantId, account.id, d)))
          .execute();
      }
    });
  }

  /** When each account of the tenant was last read, and how many records that read stored. */
  async summaries(tenantId: string): Promise<Map<string, { readAt: Date; contacts: number }>> {
    const rows = await this.db
      .selectFrom('account_states as s')
      .select((eb) => [
        's.account_id',
        's.read_at',
        eb
          .selectFrom('records as r')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('r.tenant_id', '=', 's.tenant_id')
          .whereRef('r.account_id', '=', 's.account_id')
          .as('contacts'),
      ])
      .where('s.tenant_id', '=', tenantId)
      .execute();
    return new Map(
      rows.map((r) => [r.account_id, { readAt: r.read_at, contacts: Number(r.contacts ?? 0) }] as const),
    );
  }

  /** An account's last stored state, in the snapshot's shape (keys hashed, no emails or phones); null if none. */
  async get(
    tenantId: string,
    account: { id: string; name: string; country: string | null },
  ): Promise<ChildAccount | null> {
    const state = await this.db
      .selectFrom('account_states')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', account.id)
      .executeTakeFirst();
    if (!state) return null;
    const records = await this.db
      .selectFrom('records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', account.id)
      .orderBy('record_id')
      .execute();
    const deals = await this.db
      .selectFrom('deals')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('account_id', '=', account.id)
      .orderBy('deal_id')
      .execute();
    return {
      id: account.id,
      name: account.name,
      country: account.country as ChildAccount['country'],
      pipelines: state.pipelines as ChildAccount['pipelines'],
      deals: deals.map(toDeal),
      contacts: records.map(toStoredContact),
    };
  }
}
