import { createHash } from 'node:crypto';
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { chunks } from '../core/chunks.ts';
import type { ChangeEventTable, Database } from './schema.ts';

// Provider change events (HubSpot webhook events), stored before the delivery is acknowledged so none is lost, and
// marked processed only once the work they ask for is done. A delivery seen twice is stored once.

/** One change event as a feed parsed it. */
export interface NewChangeEvent {
  provider: 'hubspot';
  /** The provider's account id (HubSpot portal id). */
  accountId: string;
  subscriptionId: string;
  subscriptionType: string;
  /** Generic events' object type (`0-1` contacts, `0-3` deals); null for legacy ones. */
  objectTypeId: string | null;
  /** The changed object (an association change's `fromObjectId`). */
  objectId: string;
  propertyName: string | null;
  /** Left out (null) for properties holding emails or phones: those are never stored raw. */
  propertyValue: string | null;
  mergedObjectIds: string[] | null;
  primaryObjectId: string | null;
  /** An association change's other side and its object type (`0-1`, `0-3`, or a legacy name such as `DEAL`). */
  associatedObjectId: string | null;
  associatedTypeId: string | null;
  occurredAt: Date;
  changeSource: string | null;
  sourceId: string | null;
}

export interface StoredChangeEvent extends NewChangeEvent {
  id: string;
  receivedAt: Date;
}

const toEvent = (row: Selectable<ChangeEventTable>): StoredChangeEvent => ({
  id: String(row.id),
  provider: row.provider as 'hubspot',
  accountId: row.account_id,
  subscriptionId: row.subscription_id,
  subscriptionType: row.subscription_type,
  objectTypeId: row.object_type_id,
  objectId: row.object_id,
  propertyName: row.property_name === '' ? null : row.property_name,
  propertyValue: row.property_value,
  mergedObjectIds: row.merged_object_ids,
  primaryObjectId: row.primary_object_id,
  associatedObjectId: row.associated_object_id,
  associatedTypeId: row.associated_type_id,
  occurredAt: row.occurred_at,
  changeSource: row.change_source,
  sourceId: row.source_id,
  receivedAt: row.received_at,
});

/** Whether the tenant (an id, or a column naming one) processed change event `e` already. */
const processedBy = (tenant: RawBuilder<unknown>) =>
  sql<boolean>`exists (select 1 from change_events_done d where d.event_id = e.id and d.tenant_id = ${tenant})`;

/** A delivery waiting to be stored with the others that arrived while the statement before was running. */
interface Delivery {
  events: readonly NewChangeEvent[];
  receivedAt: Date;
  fingerprint: string;
  stored(count: number): void;
  failed(error: unknown): void;
}

/**
 * Deliveries stored in one statement at most, and statements running at once. Ten concurrent POSTs on separate
 * statements each wait for a new server connection first (200 to 300 ms on two busy cores); two statements at a
 * time, each taking whatever arrived meanwhile, keep to the pool's warm connections.
 */
const DELIVERIES_PER_STATEMENT = 20;
const STATEMENTS_AT_ONCE = 2;
/** Deliveries unpacked into events per statement. */
const UNPACK_BATCH = 200;
/** How long an unpacked delivery's fingerprint is kept, so the same delivery again is known at once. */
const FINGERPRINTS_KEPT = '1 day';

/** What makes two events the same delivery again (the unique index change_events_once). */
const sameEvent = (e: NewChangeEvent) =>
  [e.provider, e.accountId, e.subscriptionId, e.objectId, e.propertyName ?? '', e.occurredAt.getTime()].join(
    '\u0000',
  );

/** A delivery's events, whatever their order or attempt number: a retry of the same batch has the same one. */
const fingerprintOf = (events: readonly NewChangeEvent[]) =>
  createHash('sha256')
    .update([...new Set(events.map(sameEvent))].sort().join('\n'))
    .digest('base64url');

/**
 * An event as its delivery row keeps it: an array of the change_events columns in this order (the delivery row holds
 * the provider), its trailing empty ones left out, occurred_at in epoch milliseconds. A delivery is written before its
 * 2xx: positions instead of names halve what the server serialises and Postgres takes in (33 kB for 100 events as
 * objects named by column, 14 kB so). The columns most often empty come last.
 */
const packed = (e: NewChangeEvent): unknown[] => {
  const row: unknown[] = [
    e.accountId,
    e.subscriptionId,
    e.subscriptionType,
    e.objectId,
    e.propertyName ?? '',
    e.occurredAt.getTime(),
    e.objectTypeId,
    e.propertyValue,
    e.changeSource,
    e.sourceId,
    e.mergedObjectIds,
    e.primaryObjectId,
    e.associatedObjectId,
    e.associatedTypeId,
  ];
  while (row.at(-1) === null) row.pop();
  return row;
};

/**
 * A packed event's column, read from element `x` of a delivery's events (jsonb): by position, or, for a delivery
 * an earlier version stored as an object per event, by name (`->>` of a name on an array, or of a position on an
 * object, is null).
 */
const unpacked = (column: string, position: number) =>
  sql`coalesce(x->>${sql.lit(position)}, x->>${sql.lit(column)})`;

export class ChangeEventRepository {
  readonly #waiting: Delivery[] = [];
  #writing = 0;
  #starting = false;

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a delivery durably, as one row holding its events (what a webhook's acknowledgement waits for); they
   * become events, one row each and without repeats, when they are next read (`pending`). A delivery whose events
   * were all delivered before in one batch (a retry) is skipped. Returns how many events were stored: all, or none.
   * Deliveries that arrive while one is being stored are stored together in the next statement.
   */
  record(events: readonly NewChangeEvent[], receivedAt = new Date()): Promise<number> {
    if (events.length === 0) return Promise.resolve(0);
    return new Promise((stored, failed) => {
      this.#waiting.push({ events, receivedAt, fingerprint: fingerprintOf(events), stored, failed });
      this.#startSoon();
    });
  }

  /**
   * Starts a statement once the loop has read what arrived with this delivery (`setImmediate`), unless two are
   * running: ten POSTs arriving at once go in one or two statements, not one for the first and the rest after it.
   */
  #startSoon(): void {
    if (this.#starting || this.#writing >= STATEMENTS_AT_ONCE) return;
    this.#starting = true;
    setImmediate(() => {
      this.#starting = false;
      if (this.#waiting.length > 0 && this.#writing < STATEMENTS_AT_ONCE) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing++;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, DELIVERIES_PER_STATEMENT);
        try {
          const fresh = await this.#insert(batch);
          for (const d of batch) d.stored(fresh.delete(d.fingerprint) ? d.events.length : 0);
        } catch (error) {
          // One delivery's failure is its own: the others are tried alone.
          if (batch.length === 1) (batch[0] as Delivery).failed(error);
          else
            for (const d of batch)
              await this.#insert([d]).then(
                (fresh) => d.stored(fresh.has(d.fingerprint) ? d.events.length : 0),
                d.failed,
              );
        }
      }
    } finally {
      this.#writing--;
    }
  }

  /** One statement for these deliveries; the fingerprints of those stored (a repeat is stored for the first). */
  async #insert(batch: readonly Delivery[]): Promise<Set<string>> {
    // A row of parameters each: their events go to Postgres as the json text they are kept as, parsed by nobody.
    const rows = batch.map(
      (d) =>
        sql`(${d.events[0]?.provider}, ${d.fingerprint}, ${[...new Set(d.events.map((e) => e.accountId))]}::text[],
          ${JSON.stringify(d.events.map(packed))}::json, ${d.receivedAt.toISOString()}::timestamptz)`,
    );
    const inserted = await sql<{ fingerprint: string }>`
      insert into change_deliveries (provider, fingerprint, account_ids, events, received_at)
      values ${sql.join(rows)}
      on conflict (fingerprint) do nothing
      returning fingerprint`.execute(this.db);
    return new Set(inserted.rows.map((r) => r.fingerprint));
  }

  /**
   * Turns stored deliveries into events, oldest first: one row per event, an event already stored skipped. A
   * statement locks the deliveries it takes and marks them unpacked as it inserts their events; one locked by another
   * process's unpacking is waited for, then passed over. It returns once a pass finds none left: every delivery stored
   * before then is unpacked and committed, so a job that reads its events next misses none (skipping locked ones
   * instead let a job see nothing while another process was still unpacking its tenant's events).
   */
  async unpack(): Promise<void> {
    for (;;) {
      const result = await sql<{ taken: string }>`
        with taken as (
          select id, provider, events, received_at from change_deliveries
          where unpacked_at is null order by id limit ${UNPACK_BATCH} for update
        ), unpacked as (
          update change_deliveries c set unpacked_at = now(), events = null from taken where c.id = taken.id
          returning c.id
        ), inserted as (
          insert into change_events (provider, account_id, subscription_id, subscription_type, object_type_id,
            object_id, property_name, property_value, merged_object_ids, primary_object_id, associated_object_id,
            associated_type_id, occurred_at, change_source, source_id, received_at)
          select taken.provider, e.account_id, e.subscription_id, e.subscription_type, e.object_type_id, e.object_id,
            e.property_name, e.property_value, e.merged_object_ids, e.primary_object_id, e.associated_object_id,
            e.associated_type_id, e.occurred_at, e.change_source, e.source_id, taken.received_at
          from taken cross join lateral jsonb_array_elements(taken.events::jsonb) with ordinality as packed(x, n)
          cross join lateral (select
            ${unpacked('account_id', 0)} as account_id,
            ${unpacked('subscription_id', 1)} as subscription_id,
            ${unpacked('subscription_type', 2)} as subscription_type,
            ${unpacked('object_id', 3)} as object_id,
            ${unpacked('property_name', 4)} as property_name,
            case jsonb_typeof(x) when 'array' then timestamptz 'epoch' + (x->>5)::bigint * interval '1 millisecond'
              else (x->>'occurred_at')::timestamptz end as occurred_at,
            ${unpacked('object_type_id', 6)} as object_type_id,
            ${unpacked('property_value', 7)} as property_value,
            ${unpacked('change_source', 8)} as change_source,
            ${unpacked('source_id', 9)} as source_id,
            case jsonb_typeof(coalesce(x->10, x->'merged_object_ids')) when 'array'
              then coalesce(x->10, x->'merged_object_ids') end as merged_object_ids,
            ${unpacked('primary_object_id', 11)} as primary_object_id,
            ${unpacked('associated_object_id', 12)} as associated_object_id,
            ${unpacked('associated_type_id', 13)} as associated_type_id
          ) as e
          -- What parsing let through is whole; were an event not, it alone is dropped rather than every later one held.
          where e.account_id is not null and e.subscription_id is not null and e.subscription_type is not null
            and e.object_id is not null and e.property_name is not null and e.occurred_at is not null
          order by taken.id, packed.n
          on conflict do nothing
          returning id
        )
        select (select count(*) from unpacked) as taken, (select count(*) from inserted) as inserted`.execute(
        this.db,
      );
      const taken = Number(result.rows[0]?.taken ?? 0);
      if (taken === 0) break;
    }
    await sql`delete from change_deliveries
      where unpacked_at < now() - ${FINGERPRINTS_KEPT}::interval`.execute(this.db);
  }

  /** How many of these accounts' events some tenant has still to process (none once every job is done). */
  async unprocessed(provider: string, accountIds: readonly string[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const row = await this.db
      .selectFrom('change_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('provider', '=', provider)
      .where('account_id', 'in', [...accountIds])
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    const inDeliveries = await sql<{ n: string }>`
      select coalesce(sum(json_array_length(events)), 0) as n from change_deliveries
      where unpacked_at is null and provider = ${provider}
        and account_ids && ${sql`array[${sql.join([...accountIds])}]::text[]`}`.execute(this.db);
    return Number(row.n) + Number(inDeliveries.rows[0]?.n ?? 0);
  }

  /**
   * The oldest events of these accounts this tenant has not processed, received since it connected them, in the
   * order they were stored. A portal connected to two tenants has its events processed by each.
   */
  async pending(
    tenantId: string,
    provider: string,
    accountIds: readonly string[],
    limit = 10_000,
  ): Promise<StoredChangeEvent[]> {
    if (accountIds.length === 0) return [];
    await this.unpack();
    const rows = await this.db
      .selectFrom('change_events as e')
      .selectAll('e')
      .where('e.provider', '=', provider)
      .where('e.account_id', 'in', [...accountIds])
      .where('e.processed_at', 'is', null)
      // Events from before the tenant connected the account are not its: its first run read what they changed.
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('accounts as a')
            .select('a.id')
            .where('a.tenant_id', '=', tenantId)
            .whereRef('a.provider', '=', 'e.provider')
            .whereRef('a.external_id', '=', 'e.account_id')
            .whereRef('a.connected_at', '<=', 'e.received_at'),
        ),
      )
      .where(sql<boolean>`not ${processedBy(sql`${tenantId}`)}`)
      .orderBy('e.id')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  /** Accounts with events still unprocessed that were stored before `receivedBefore` (a job for them was lost). */
  async accountsWithPending(provider: string, receivedBefore: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('change_events')
      .select('account_id')
      .distinct()
      .where('provider', '=', provider)
      .where('processed_at', 'is', null)
      .where('received_at', '<', receivedBefore)
      .execute();
    const inDeliveries = await sql<{ account_id: string }>`
      select distinct unnest(account_ids) as account_id from change_deliveries
      where unpacked_at is null and provider = ${provider} and received_at < ${receivedBefore}`.execute(
      this.db,
    );
    return [...new Set([...rows, ...inDeliveries.rows].map((row) => row.account_id))];
  }

  /**
   * Marks events processed by this tenant. An event every tenant connected to its account (when it came) has
   * processed is processed for good (`processed_at`), and who processed it is forgotten.
   */
  async markProcessed(tenantId: string, ids: readonly string[], at = new Date()): Promise<void> {
    for (const chunk of chunks(ids, 1_000)) {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('change_events_done')
          .values(chunk.map((id) => ({ tenant_id: tenantId, event_id: id })))
          .onConflict((c) => c.doNothing())
          .execute();
        const done = await trx
          .updateTable('change_events as e')
          .set({ processed_at: at })
          .where('e.id', 'in', chunk)
          .where('e.processed_at', 'is', null)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('accounts as a')
                  .select('a.id')
                  .whereRef('a.provider', '=', 'e.provider')
                  .whereRef('a.external_id', '=', 'e.account_id')
                  .where('a.status', '=', 'connected')
                  .whereRef('a.connected_at', '<=', 'e.received_at')
                  .where(sql<boolean>`not ${processedBy(sql.ref('a.tenant_id'))}`),
              ),
            ),
          )
          .returning('e.id')
          .execute();
        if (done.length > 0)
          await trx
            .deleteFrom('change_events_done')
            .where(
              'event_id',
              'in',
              done.map((d) => String(d.id)),
            )
            .execute();
      });
    }
  }
}
