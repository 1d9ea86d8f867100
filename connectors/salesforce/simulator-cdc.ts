import type { SimOrg } from './simulator-org.ts';
import type { SimRecord } from './simulator-soql.ts';

// Change Data Capture in the simulator: every change made through its API becomes a change event (ChangeEventHeader
// as Salesforce sends it) on `/data/<Entity>ChangeEvent` and `/data/ChangeEvents`, for the entities the org
// selected (PlatformEventChannelMember, at most five without the add-on), kept 72 hours with replay ids, and
// served over CometD/Bayeux long-polling the way jsforce's streaming client (Faye) speaks it: handshake,
// subscribe with the replay extension, connect held open until an event or the timeout.

export const CDC_RETENTION_MS = 72 * 60 * 60 * 1000;
export const MAX_SELECTED_ENTITIES = 5;

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE' | 'GAP_OVERFLOW';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  diffFields: string[];
  nulledFields: string[];
}

interface StoredEvent {
  replayId: number;
  entity: string;
  at: number;
  payload: Record<string, unknown>;
}

interface CometClient {
  id: string;
  org: SimOrg;
  /** Channel → last replay id delivered. */
  channels: Map<string, number>;
  waiting: (() => void) | null;
  /** CometD answers a client's first connect at once; later ones wait for events. */
  connected: boolean;
}

type Message = Record<string, unknown> & { channel?: string; id?: string; clientId?: string };

const SKIPPED_FIELDS = new Set(['Id', 'attributes', 'CreatedDate', 'IsDeleted']);

export class SimChangeStream {
  readonly #events = new Map<SimOrg, StoredEvent[]>();
  readonly #clients = new Map<string, CometClient>();
  #replay = 0;
  #transactions = 0;
  #clientCounter = 0;
  /** How long a connect waits for an event before answering empty (Salesforce: 110 s). */
  connectTimeoutMs = 25_000;

  /** Records a change made through the API, when the org selected its entity. */
  emit(
    org: SimOrg,
    entity: string,
    changeType: ChangeType,
    record: SimRecord,
    userId: string,
    changed: readonly string[],
  ): void {
    if (!org.cdcEntities.has(`${entity}ChangeEvent`)) return;
    const at = Date.now();
    const changedFields = changed.filter((f) => !SKIPPED_FIELDS.has(f));
    const fields: Record<string, unknown> = {};
    if (changeType !== 'DELETE') for (const f of changedFields) fields[f] = record[f] ?? null;
    const header: ChangeEventHeader = {
      entityName: entity,
      recordIds: [record.Id],
      changeType,
      changeOrigin: 'com/salesforce/api/rest/59.0',
      transactionKey: `sim-${++this.#transactions}`,
      sequenceNumber: 1,
      commitTimestamp: at,
      commitNumber: at * 1000 + this.#transactions,
      commitUser: userId,
      changedFields: changeType === 'UPDATE' ? changedFields : [],
      diffFields: [],
      nulledFields: changedFields.filter((f) => record[f] === null || record[f] === undefined),
    };
    const events = this.#events.get(org) ?? [];
    events.push({ replayId: ++this.#replay, entity, at, payload: { ChangeEventHeader: header, ...fields } });
    // Salesforce keeps change events 72 hours.
    while (events.length > 0 && (events[0] as StoredEvent).at < at - CDC_RETENTION_MS) events.shift();
    this.#events.set(org, events);
    for (const client of this.#clients.values()) if (client.org === org) client.waiting?.();
  }

  /** Events of an org, oldest first (tests age or drop them). */
  events(org: SimOrg): StoredEvent[] {
    return this.#events.get(org) ?? [];
  }

  /** Ends every held connect (the server is closing). */
  releaseAll(): void {
    for (const client of this.#clients.values()) client.waiting?.();
    this.#clients.clear();
  }

  /** One CometD POST: an array of Bayeux messages in, replies (and events, on connect) out. */
  async handle(org: SimOrg, messages: Message[]): Promise<Message[]> {
    const replies: Message[] = [];
    for (const message of messages) replies.push(...(await this.#one(org, message)));
    return replies;
  }

  async #one(org: SimOrg, message: Message): Promise<Message[]> {
    const base = { channel: message.channel, id: message.id };
    const client = message.clientId ? this.#clients.get(message.clientId) : undefined;
    if (message.channel === '/meta/handshake') {
      const id = `sim-client-${++this.#clientCounter}`;
      this.#clients.set(id, { id, org, channels: new Map(), waiting: null, connected: false });
      return [
        {
          ...base,
          version: '1.0',
          minimumVersion: '1.0',
          clientId: id,
          supportedConnectionTypes: ['long-polling'],
          successful: true,
          ext: { replay: true, 'payload.format': true },
          advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: 'retry' },
        },
      ];
    }
    if (!client || client.org !== org)
      return [
        {
          ...base,
          successful: false,
          error: '403::Unknown client',
          advice: { reconnect: 'handshake', interval: 0 },
        },
      ];
    if (message.channel === '/meta/subscribe') return [this.#subscribe(client, message, base)];
    if (message.channel === '/meta/unsubscribe') {
      client.channels.delete(String(message.subscription));
      return [{ ...base, clientId: client.id, subscription: message.subscription, successful: true }];
    }
    if (message.channel === '/meta/disconnect') {
      this.#clients.delete(client.id);
      client.waiting?.();
      return [{ ...base, clientId: client.id, successful: true }];
    }
    if (message.channel === '/meta/connect') {
      let delivered = this.#deliver(client);
      const first = !client.connected;
      client.connected = true;
      if (delivered.length === 0 && !first) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.connectTimeoutMs);
          client.waiting = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        client.waiting = null;
        delivered = this.#clients.has(client.id) ? this.#deliver(client) : [];
      }
      return [
        ...delivered,
        {
          ...base,
          clientId: client.id,
          successful: true,
          advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: 'retry' },
        },
      ];
    }
    return [{ ...base, successful: false, error: `400::unsupported channel ${message.channel}` }];
  }

  #subscribe(client: CometClient, message: Message, base: Message): Message {
    const channel = String(message.subscription ?? '');
    const entity = /^\/data\/(\w+)ChangeEvent$/.exec(channel)?.[1];
    if (channel !== '/data/ChangeEvents' && !(entity && client.org.cdcEntities.has(`${entity}ChangeEvent`)))
      return {
        ...base,
        clientId: client.id,
        subscription: channel,
        successful: false,
        error: '403::Unknown channel',
      };
    const replay = (message.ext as { replay?: Record<string, number> } | undefined)?.replay?.[channel] ?? -1;
    const events = this.events(client.org);
    const oldest = events[0]?.replayId ?? this.#replay + 1;
    if (replay >= 0 && replay < oldest - 1) {
      return {
        ...base,
        clientId: client.id,
        subscription: channel,
        successful: false,
        error: `400::The replayId {${replay}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      };
    }
    client.channels.set(channel, replay === -2 ? 0 : replay === -1 ? this.#replay : replay);
    return { ...base, clientId: client.id, subscription: channel, successful: true };
  }

  #deliver(client: CometClient): Message[] {
    const out: Message[] = [];
    for (const [channel, after] of client.channels) {
      const entity = /^\/data\/(\w+)ChangeEvent$/.exec(channel)?.[1] ?? null;
      let last = after;
      for (const event of this.events(client.org)) {
        if (event.replayId <= after || (entity && event.entity !== entity)) continue;
        out.push({
          channel,
          data: {
            schema: `sim-${event.entity}`,
            payload: event.payload,
            event: { replayId: event.replayId },
          },
        });
        last = event.replayId;
      }
      client.channels.set(channel, last);
    }
    return out;
  }
}
