import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { ConnectorError } from '../connector.ts';
import { feedObjects } from './change-rows.ts';
import type { SessionContext } from './context.ts';
import { soqlString } from './soql.ts';

// Change Data Capture: the org's ChangeEvents channel carries an event for every change of a selected entity,
// kept 72 hours and replayable by id. The app selects its entities itself (Tooling API
// PlatformEventChannelMember) where the connected user may, and listens with jsforce's streaming client.

export const CHANGE_EVENTS_CHANNEL = '/data/ChangeEvents';

/** The header Salesforce puts on every change event. */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  commitTimestamp: number;
  commitUser: string;
  changedFields: string[];
}

export interface ChangeEvent {
  replayId: number;
  header: ChangeEventHeader;
  /** The changed fields' new values (only those the event carries). */
  fields: Record<string, unknown>;
  /** The app's own tag write (its user changed only the tag field): nothing for a resync to read. */
  ownTagWrite: boolean;
}

const BOOKKEEPING = new Set(['LastModifiedDate', 'SystemModstamp', 'LastModifiedById']);

/** An update by the app's user that touched nothing but the tag field (and Salesforce's bookkeeping). */
function isOwnTagWrite(ctx: SessionContext, header: ChangeEventHeader): boolean {
  const appUser = ctx.connection.details.userId;
  return (
    header.changeType === 'UPDATE' &&
    typeof appUser === 'string' &&
    header.commitUser === appUser &&
    header.changedFields.some((f) => f === ctx.options.tagField) &&
    header.changedFields.every((f) => f === ctx.options.tagField || BOOKKEEPING.has(f))
  );
}

interface StreamedMessage {
  event?: { replayId?: number };
  payload?: { ChangeEventHeader?: ChangeEventHeader } & Record<string, unknown>;
}

/**
 * Selects the change entities this account needs on the ChangeEvents channel (those already selected stay).
 * Throws `unsupported`, saying why, when the org refuses (the user lacks Customize Application, or the org's
 * entity allocation is spent).
 */
export async function selectChangeEntities(ctx: SessionContext): Promise<string[]> {
  const wanted = feedObjects(ctx).map((object) => `${object}ChangeEvent`);
  const rows = await ctx.client.queryAll<{ SelectedEntity: string }>(
    'read change event selection',
    `SELECT SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = ${soqlString('ChangeEvents')}`,
    true,
  );
  const selected = new Set(rows.map((r) => r.SelectedEntity));
  for (const entity of wanted.filter((e) => !selected.has(e))) {
    try {
      await ctx.client.send('select change events', 'POST', '/tooling/sobjects/PlatformEventChannelMember', {
        FullName: `ChangeEvents_${entity}`,
        Metadata: { eventChannel: 'ChangeEvents', selectedEntity: entity },
      });
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.kind !== 'rejected') throw error;
      throw new ConnectorError(
        'unsupported',
        ctx.connection.accountId,
        'select change events',
        `Salesforce refused to select ${entity} for Change Data Capture (${error.providerMessage}); an admin of the org can select ${wanted.join(', ')} in Setup > Change Data Capture, else changes are polled`,
        { cause: error },
      );
    }
    selected.add(entity);
  }
  return wanted;
}

export interface ChangeSubscription {
  /** Resolves once Salesforce accepted the subscription (rejects with its refusal, e.g. a replay id too old). */
  ready: Promise<void>;
  cancel(): void;
}

/**
 * Listens on the ChangeEvents channel from after `replayId` (-1: new events only; -2: every retained event).
 * `onFailure` hears a refused or ended connection (an expired session among them): the caller starts again.
 */
export function subscribeChangeEvents(
  ctx: SessionContext,
  replayId: number,
  onEvent: (event: ChangeEvent) => void,
  onFailure: (reason: string) => void,
): ChangeSubscription {
  const { conn } = ctx.client;
  conn.accessToken = ctx.client.org.tokens.accessToken;
  const client = conn.streaming.createClient([
    new StreamingExtension.Replay(CHANGE_EVENTS_CHANNEL, replayId),
    new StreamingExtension.AuthFailure((message: { error?: string }) =>
      onFailure(message.error ?? 'the streaming session ended'),
    ),
  ]);
  const subscription = client.subscribe(CHANGE_EVENTS_CHANNEL, (message: StreamedMessage) => {
    const header = message.payload?.ChangeEventHeader;
    const id = message.event?.replayId;
    if (!header || typeof id !== 'number') return;
    const { ChangeEventHeader: _header, ...fields } = message.payload ?? {};
    onEvent({ replayId: id, header, fields, ownTagWrite: isOwnTagWrite(ctx, header) });
  });
  const ready = new Promise<void>((resolve, reject) => {
    subscription.then(
      () => resolve(),
      (error: { message?: string } | undefined) =>
        reject(new Error(error?.message ?? 'subscription refused')),
    );
  });
  return {
    ready,
    cancel: () => {
      subscription.cancel();
      // Faye's client has disconnect(); jsforce's typings leave it out.
      (client as unknown as { disconnect(): void }).disconnect();
    },
  };
}
