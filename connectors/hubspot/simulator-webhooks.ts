import { hubspotSignature } from '../../webhooks/hubspot.ts';

// The simulator's webhook deliveries, as HubSpot makes them: every change made through the API becomes an event
// (generic `object.*` types with `objectTypeId`), sent in batches of at most 100 per request, signed with the app's
// client secret (v3: base64 HMAC-SHA256 of method, URL, body and timestamp), and retried on a 5xx, a network error
// or a timeout with exponential back-off.

export type SimAction =
  | 'creation'
  | 'deletion'
  | 'propertyChange'
  | 'merge'
  | 'restore'
  | 'associationChange';

/** One change of one portal, before it becomes an event. */
export interface SimChange {
  portalId: string;
  action: SimAction;
  /** `0-1` contacts, `0-3` deals. */
  objectTypeId: '0-1' | '0-3';
  objectId: string;
  propertyName?: string;
  propertyValue?: string | null;
  mergedObjectIds?: string[];
  primaryObjectId?: string;
  /** Association changes: the other side. */
  toObjectTypeId?: '0-1' | '0-3';
  toObjectId?: string;
  associationRemoved?: boolean;
}

/** Who made a change: a community's staff in HubSpot, or an app through its OAuth token. */
export type ChangeSource = { kind: 'staff'; userId: number } | { kind: 'app' };

export interface WebhookSenderOptions {
  clientSecret: string;
  appId: number;
  /** Where events go; none (yet): changes are not sent. */
  targetUrl?: string | null;
  /** Events per request (HubSpot: 100). */
  maxBatch?: number;
  /** First retry after this long, doubling (HubSpot retries over hours; a test wants milliseconds). */
  retryBaseMs?: number;
  maxAttempts?: number;
  /** A delivery not answered within this long counts as failed (HubSpot: 5 s). */
  timeoutMs?: number;
  now?: () => number;
  /**
   * The app's subscriptions (its manifest's `crmObjects`): only changes they name are sent, as HubSpot does (a
   * property change only for a subscribed property). None given: every change is sent.
   */
  subscriptions?: readonly WebhookSubscription[];
}

export interface WebhookSubscription {
  subscriptionType: string;
  objectType: string;
  propertyName?: string;
}

const OBJECT_TYPES = { '0-1': 'contact', '0-3': 'deal' } as const;

/** Whether an app with these subscriptions hears of the change. */
export function subscribedTo(subscriptions: readonly WebhookSubscription[], change: SimChange): boolean {
  return subscriptions.some(
    (s) =>
      s.subscriptionType === `object.${change.action}` &&
      s.objectType === OBJECT_TYPES[change.objectTypeId] &&
      (change.action !== 'propertyChange' || s.propertyName === change.propertyName),
  );
}

export interface Delivery {
  /** The response status; 0 for a network error or a timeout. */
  status: number;
  events: number;
  attempt: number;
}

const OBJECT_NAMES = { '0-1': 'CONTACT', '0-3': 'DEAL' } as const;

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  #queue: object[] = [];
  #sending: Promise<void> | null = null;
  #eventId = 1;
  readonly #subscriptions = new Map<string, number>();
  #target: string | null;
  #closed = false;

  constructor(private readonly options: WebhookSenderOptions) {
    this.#target = options.targetUrl ?? null;
  }

  /** Sends events to this URL from now on (the running app's `/webhooks/hubspot`); null stops sending. */
  target(url: string | null): void {
    this.#target = url;
  }

  /** Queues the events of changes just made; they go out together once the current request is answered. */
  changed(changes: readonly SimChange[], source: ChangeSource): void {
    if (!this.#target || this.#closed || changes.length === 0) return;
    const occurredAt = (this.options.now ?? Date.now)();
    const { subscriptions } = this.options;
    for (const change of changes)
      if (!subscriptions || subscribedTo(subscriptions, change))
        this.#queue.push(this.#event(change, source, occurredAt));
    this.#sending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
  }

  /** Resolves once every queued event was delivered or given up on. */
  async idle(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
  }

  #event(change: SimChange, source: ChangeSource, occurredAt: number): object {
    const subscriptionKey = `${change.action} ${change.objectTypeId} ${change.propertyName ?? ''}`;
    let subscriptionId = this.#subscriptions.get(subscriptionKey);
    if (subscriptionId === undefined) {
      subscriptionId = 1_000 + this.#subscriptions.size;
      this.#subscriptions.set(subscriptionKey, subscriptionId);
    }
    const base = {
      appId: this.options.appId,
      eventId: this.#eventId++,
      subscriptionId,
      portalId: Number(change.portalId) || change.portalId,
      occurredAt,
      subscriptionType: `object.${change.action}`,
      attemptNumber: 0,
      // HubSpot names an app's writes by the app; a person's by their user id.
      changeSource: source.kind === 'app' ? 'INTEGRATION' : 'CRM_UI',
      sourceId: source.kind === 'app' ? String(this.options.appId) : `userId:${source.userId}`,
    };
    const id = (value: string) => Number(value) || value;
    if (change.action === 'associationChange') {
      const to = change.toObjectTypeId ?? '0-1';
      return {
        ...base,
        associationType: `${OBJECT_NAMES[change.objectTypeId]}_TO_${OBJECT_NAMES[to]}`,
        associationCategory: 'HUBSPOT_DEFINED',
        fromObjectTypeId: change.objectTypeId,
        fromObjectId: id(change.objectId),
        toObjectTypeId: to,
        toObjectId: id(change.toObjectId ?? ''),
        associationRemoved: change.associationRemoved ?? false,
        isPrimaryAssociation: false,
      };
    }
    return {
      ...base,
      objectId: id(change.objectId),
      objectTypeId: change.objectTypeId,
      ...(change.propertyName !== undefined
        ? { propertyName: change.propertyName, propertyValue: change.propertyValue ?? '' }
        : {}),
      ...(change.action === 'merge'
        ? {
            primaryObjectId: id(change.primaryObjectId ?? change.objectId),
            newObjectId: id(change.primaryObjectId ?? change.objectId),
            mergedObjectIds: (change.mergedObjectIds ?? []).map(id),
          }
        : {}),
    };
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue.splice(0, this.options.maxBatch ?? 100);
        await this.#deliver(batch);
      }
    } finally {
      this.#sending = null;
    }
  }

  async #deliver(events: object[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 0; attempt < maxAttempts && !this.#closed; attempt++) {
      const url = this.#target;
      if (!url) return;
      const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber: attempt })));
      const status = await this.#post(url, body);
      this.deliveries.push({ status, events: events.length, attempt });
      // Only a server error, a network error or a timeout is tried again.
      if (status !== 0 && status < 500) return;
      await new Promise((r) => setTimeout(r, (this.options.retryBaseMs ?? 1_000) * 2 ** attempt));
    }
  }

  async #post(url: string, body: string): Promise<number> {
    const timestamp = String((this.options.now ?? Date.now)());
    try {
      const response = await postSigned(url, this.options.clientSecret, body, timestamp, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }
}

/** The headers HubSpot sends with a webhook body: JSON, signed (v3) under the app's client secret at `timestamp`. */
export function signedHeaders(
  url: string,
  clientSecret: string,
  body: string,
  timestamp = String(Date.now()),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': hubspotSignature(clientSecret, {
      method: 'POST',
      url,
      rawBody: body,
      timestamp,
    }),
    'x-hubspot-request-timestamp': timestamp,
  };
}

/** POSTs a webhook body as HubSpot does (signedHeaders). */
export function postSigned(
  url: string,
  clientSecret: string,
  body: string,
  timestamp = String(Date.now()),
  init: { signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: signedHeaders(url, clientSecret, body, timestamp),
    body,
    ...init,
  });
}
