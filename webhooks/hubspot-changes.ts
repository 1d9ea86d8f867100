import type { StoredChangeEvent } from '../src/store/store.ts';
import { noChanges, type RecordChanges } from '../src/sync/changes.ts';

// HubSpot events as the records they change, per portal: what a targeted resync reads again or forgets. Legacy
// types (`contact.*`, `deal.*`) and generic ones (`object.*` with `objectTypeId` 0-1 contacts, 0-3 deals) alike.

type ObjectKind = 'contact' | 'deal';

const GENERIC_KINDS: Record<string, ObjectKind> = { '0-1': 'contact', '0-3': 'deal' };
const LEGACY_KINDS: Record<string, ObjectKind> = {
  contact: 'contact',
  CONTACT: 'contact',
  deal: 'deal',
  DEAL: 'deal',
};

function kindOf(event: StoredChangeEvent): ObjectKind | null {
  const [prefix] = event.subscriptionType.split('.');
  if (prefix === 'object') return GENERIC_KINDS[event.objectTypeId ?? ''] ?? null;
  return LEGACY_KINDS[prefix ?? ''] ?? null;
}

const actionOf = (event: StoredChangeEvent) => event.subscriptionType.split('.')[1] ?? '';

const associatedKind = (event: StoredChangeEvent): ObjectKind | null =>
  GENERIC_KINDS[event.associatedTypeId ?? ''] ?? LEGACY_KINDS[event.associatedTypeId ?? ''] ?? null;

export const isPrivacyDeletion = (event: Pick<StoredChangeEvent, 'subscriptionType'>) =>
  event.subscriptionType === 'contact.privacyDeletion';

export interface EchoFilter {
  /** The app's own contact properties (its tag field, its shared-id field). */
  appProperties: ReadonlySet<string>;
  /** Corporate copies the app created, as `portalId/recordId`. */
  createdCopies: ReadonlySet<string>;
}

/**
 * An event the app's own writes caused: a change of its own properties anywhere, or the creation (and the values it
 * set through the API) of a corporate copy it made. A person's edit of a copy in HubSpot is not an echo.
 */
export function isEcho(event: StoredChangeEvent, filter: EchoFilter): boolean {
  if (event.propertyName !== null && filter.appProperties.has(event.propertyName)) return true;
  if (!filter.createdCopies.has(`${event.accountId}/${event.objectId}`)) return false;
  return actionOf(event) === 'creation' || event.changeSource === 'INTEGRATION';
}

/** What became of each record in a batch: the last event about it decides (a restore after a deletion reads it). */
class Fates {
  readonly contacts = new Map<string, 'read' | 'deleted'>();
  readonly deals = new Map<string, 'read' | 'deleted'>();
  readonly merges: RecordChanges['merges'] = [];

  set(kind: ObjectKind, id: string, fate: 'read' | 'deleted'): void {
    const map = kind === 'contact' ? this.contacts : this.deals;
    map.delete(id);
    map.set(id, fate);
  }

  changes(accountId: string): RecordChanges {
    const ids = (map: Map<string, 'read' | 'deleted'>, fate: 'read' | 'deleted') =>
      [...map].filter(([, f]) => f === fate).map(([id]) => id);
    return {
      ...noChanges(accountId),
      contacts: ids(this.contacts, 'read'),
      deletedContacts: ids(this.contacts, 'deleted'),
      merges: this.merges,
      deals: ids(this.deals, 'read'),
      deletedDeals: ids(this.deals, 'deleted'),
    };
  }
}

/** The changes a batch of events asks for, one entry per portal that has any, in the order first seen. */
export function recordChangesOf(events: readonly StoredChangeEvent[]): RecordChanges[] {
  const byAccount = new Map<string, Fates>();
  for (const event of events) {
    const kind = kindOf(event);
    if (!kind) continue;
    let fates = byAccount.get(event.accountId);
    if (!fates) {
      fates = new Fates();
      byAccount.set(event.accountId, fates);
    }
    const id = event.objectId;
    switch (actionOf(event)) {
      case 'deletion':
      case 'privacyDeletion':
        fates.set(kind, id, 'deleted');
        break;
      case 'merge': {
        const primaryId = event.primaryObjectId ?? id;
        const mergedIds = [...new Set([...(event.mergedObjectIds ?? []), id])].filter((m) => m !== primaryId);
        // The merged records are gone and the survivor is read again; for contacts `merges` says both.
        if (kind === 'contact') {
          fates.merges.push({ primaryId, mergedIds });
          for (const gone of [primaryId, ...mergedIds]) fates.contacts.delete(gone);
        } else {
          for (const merged of mergedIds) fates.set(kind, merged, 'deleted');
          fates.set(kind, primaryId, 'read');
        }
        break;
      }
      case 'associationChange': {
        fates.set(kind, id, 'read');
        const other = associatedKind(event);
        if (event.associatedObjectId && other) fates.set(other, event.associatedObjectId, 'read');
        break;
      }
      default:
        // creation, propertyChange, restore: read again.
        fates.set(kind, id, 'read');
    }
  }
  return [...byAccount].map(([accountId, fates]) => fates.changes(accountId));
}
