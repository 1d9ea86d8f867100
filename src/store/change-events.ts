import type { Kysely, Selectable } from 'kysely';
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

export class ChangeEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a delivery's events in one statement; an event already stored (same account, subscription, object,
   * property and time) is skipped. Returns how many were new.
   */
  async record(events: readonly NewChangeEvent[], receivedAt = new Date()): Promise<number> {
    if (events.length === 0) return 0;
    const inserted = await this.db
      .insertInto('change_events')
      .values(
        events.map((e) => ({
          provider: e.provider,
          account_id: e.accountId,
          subscription_id: e.subscriptionId,
          subscription_type: e.subscriptionType,
          object_type_id: e.objectTypeId,
          object_id: e.objectId,
          property_name: e.propertyName ?? '',
          property_value: e.propertyValue,
          merged_object_ids: e.mergedObjectIds ? JSON.stringify(e.mergedObjectIds) : null,
          primary_object_id: e.primaryObjectId,
          associated_object_id: e.associatedObjectId,
          associated_type_id: e.associatedTypeId,
          occurred_at: e.occurredAt,
          change_source: e.changeSource,
          source_id: e.sourceId,
          received_at: receivedAt,
        })),
      )
      .onConflict((c) => c.doNothing())
      .returning('id')
      .execute();
    return inserted.length;
  }

  /** The oldest unprocessed events of these accounts, in the order they were stored. */
  async pending(
    provider: string,
    accountIds: readonly string[],
    limit = 10_000,
  ): Promise<StoredChangeEvent[]> {
    if (accountIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('change_events')
      .selectAll()
      .where('provider', '=', provider)
      .where('account_id', 'in', [...accountIds])
      .where('processed_at', 'is', null)
      .orderBy('id')
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
    return rows.map((row) => row.account_id);
  }

  async markProcessed(ids: readonly string[], at = new Date()): Promise<void> {
    for (const chunk of chunks(ids, 1_000)) {
      await this.db
        .updateTable('change_events')
        .set({ processed_at: at })
        .where('id', 'in', chunk)
        .where('processed_at', 'is', null)
        .execute();
    }
  }
}
