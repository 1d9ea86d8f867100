import type { ChildAccount, Contact, CorporateAccount, Snapshot } from '../../src/core/index.ts';
import { tagVocabulary } from '../../src/core/tags.ts';

// One simulated HubSpot portal: contacts, deals, deal pipelines, contact properties and groups, held the way
// the CRM v3 API shows them (every property value a string). Seeded from a snapshot account.

export interface SimContact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  /** What search shows until `searchSeesAt` (HubSpot's index lags behind writes); null when never visible yet. */
  indexedProperties: Record<string, string | null> | null;
  searchSeesAt: number;
}

export interface SimDeal {
  id: string;
  properties: Record<string, string | null>;
  contactIds: string[];
  createdAt: string;
}

export interface SimOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface SimProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: SimOption[];
  hasUniqueValue: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SimGroup {
  name: string;
  label: string;
  displayOrder: number;
}

export interface SimStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: { isClosed: string; probability: string };
}

export interface SimPipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: SimStage[];
}

const lookupKey = (name: string, value: string) => (name === 'email' ? value.trim().toLowerCase() : value);

/**
 * A portal's contacts, with lookups by a property's value (email, the app's unique shared id) kept as contacts are
 * set, deleted and written (`reindex`), so an upsert of 100 copies into a portal of 100,000 contacts is not 200
 * scans of it. An index is built on its first lookup.
 */
export class ContactMap extends Map<string, SimContact> {
  readonly #indexes = new Map<string, { byValue: Map<string, Set<string>>; byId: Map<string, string> }>();

  override set(id: string, contact: SimContact): this {
    super.set(id, contact);
    this.reindex(contact);
    return this;
  }

  override delete(id: string): boolean {
    for (const index of this.#indexes.values()) this.#drop(index, id);
    return super.delete(id);
  }

  override clear(): void {
    this.#indexes.clear();
    super.clear();
  }

  /** After a contact's properties changed. */
  reindex(contact: SimContact): void {
    for (const [name, index] of this.#indexes) {
      this.#drop(index, contact.id);
      const held = contact.properties[name];
      if (held == null) continue;
      const key = lookupKey(name, held);
      index.byId.set(contact.id, key);
      const ids = index.byValue.get(key) ?? new Set<string>();
      ids.add(contact.id);
      index.byValue.set(key, ids);
    }
  }

  /** The first contact (in the order they were indexed) whose `name` property equals `value`. */
  findBy(name: string, value: string): SimContact | undefined {
    let index = this.#indexes.get(name);
    if (!index) {
      index = { byValue: new Map(), byId: new Map() };
      this.#indexes.set(name, index);
      for (const contact of this.values()) this.reindex(contact);
    }
    const wanted = lookupKey(name, value);
    for (const id of index.byValue.get(wanted) ?? []) {
      const contact = this.get(id);
      const held = contact?.properties[name];
      if (contact && held != null && lookupKey(name, held) === wanted) return contact;
    }
    return undefined;
  }

  #drop(index: { byValue: Map<string, Set<string>>; byId: Map<string, string> }, id: string): void {
    const key = index.byId.get(id);
    if (key === undefined) return;
    index.byId.delete(id);
    const ids = index.byValue.get(key);
    ids?.delete(id);
    if (ids?.size === 0) index.byValue.delete(key);
  }
}

export class SimPortal {
  readonly contacts = new ContactMap();
  readonly deals = new Map<string, SimDeal>();
  readonly pipelines: SimPipeline[] = [];
  readonly properties = new Map<string, SimProperty>();
  readonly groups = new Map<string, SimGroup>();
  #nextId = 1_000_001;

  constructor(
    readonly id: string,
    readonly name: string,
  ) {
    for (const name of STANDARD_CONTACT_PROPERTIES) this.properties.set(name, standardProperty(name));
    this.groups.set('contactinformation', {
      name: 'contactinformation',
      label: 'Contact information',
      displayOrder: -1,
    });
  }

  newId(): string {
    let id = String(this.#nextId++);
    while (this.contacts.has(id) || this.deals.has(id)) id = String(this.#nextId++);
    return id;
  }

  /** Contacts whose `name` property equals `value` (case-insensitive for email, as HubSpot stores it lower-cased). */
  findBy(name: string, value: string): SimContact | undefined {
    return this.contacts.findBy(name, value);
  }

  /** The tag values a contact holds in the multi-checkbox property `name`. */
  valuesOf(contactId: string, name: string): string[] {
    const raw = this.contacts.get(contactId)?.properties[name];
    return raw ? raw.split(';').filter(Boolean) : [];
  }
}

export const STANDARD_CONTACT_PROPERTIES = [
  'email',
  'hs_additional_emails',
  'phone',
  'mobilephone',
  'createdate',
  'num_conversion_events',
  'first_conversion_date',
  'firstname',
  'lastname',
  'hs_object_id',
  'lastmodifieddate',
];

function standardProperty(name: string): SimProperty {
  const at = '2020-01-01T00:00:00.000Z';
  const type = name.endsWith('date') ? 'datetime' : name === 'num_conversion_events' ? 'number' : 'string';
  return {
    name,
    label: name,
    type,
    fieldType: type === 'string' ? 'text' : type === 'number' ? 'number' : 'date',
    groupName: 'contactinformation',
    description: '',
    options: [],
    hasUniqueValue: false,
    createdAt: at,
    updatedAt: at,
  };
}

const toIso = (value: string) => new Date(value).toISOString();

/** Contact properties as HubSpot holds them, from a snapshot contact. */
function contactProperties(contact: Contact, tagProperty: string, labelToValue: Map<string, string>) {
  const properties: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(contact.properties))
    properties[key] = value === null ? null : String(value);
  const [email, ...additional] = contact.emails;
  properties.email = email ?? null;
  properties.hs_additional_emails = additional.length ? additional.join(';') : null;
  properties.phone = contact.phones[0] ?? null;
  properties.mobilephone = contact.phones[1] ?? null;
  properties.createdate = toIso(contact.createdAt);
  // HubSpot leaves the count empty when a contact never converted.
  properties.num_conversion_events = contact.conversions ? String(contact.conversions) : null;
  properties.first_conversion_date = contact.firstConversionAt ? toIso(contact.firstConversionAt) : null;
  const values = contact.tags.map((label) => labelToValue.get(label) ?? label);
  properties[tagProperty] = values.length ? values.join(';') : null;
  return properties;
}

function tagPropertyFrom(name: string, options: { value: string; label: string }[]): SimProperty {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    name,
    label: 'Community Sync tags',
    type: 'enumeration',
    fieldType: 'checkbox',
    groupName: 'community_sync',
    description: 'Written by Community Sync',
    options: options.map((o, i) => ({ ...o, displayOrder: i, hidden: false })),
    hasUniqueValue: false,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * One portal per snapshot account. Accounts whose contacts already carry tags get the tag property, with an
 * option per tag they hold (values as the app stores them), as if an earlier run had written them.
 */
export function portalsFromSnapshot(snapshot: Snapshot, tagProperty: string): Map<string, SimPortal> {
  const vocabulary = tagVocabulary(snapshot.settings.tags, snapshot.children);
  const labelToValue = new Map(vocabulary.map((o) => [o.label, o.value]));
  const portals = new Map<string, SimPortal>();
  const accounts: (ChildAccount | CorporateAccount)[] = [
    ...snapshot.children,
    ...(snapshot.corporate ? [snapshot.corporate] : []),
  ];
  for (const account of accounts) {
    const portal = new SimPortal(account.id, account.name);
    const now = Date.now();
    for (const contact of account.contacts) {
      const properties = contactProperties(contact, tagProperty, labelToValue);
      properties.hs_object_id = contact.id;
      const at = toIso(contact.createdAt);
      portal.contacts.set(contact.id, {
        id: contact.id,
        properties,
        createdAt: at,
        updatedAt: at,
        indexedProperties: properties,
        searchSeesAt: now,
      });
    }
    const used = new Set(account.contacts.flatMap((c) => c.tags));
    if (used.size > 0) {
      const options = [...used].map((label) => ({ label, value: labelToValue.get(label) ?? label }));
      portal.properties.set(tagProperty, tagPropertyFrom(tagProperty, options));
      portal.groups.set('community_sync', {
        name: 'community_sync',
        label: 'Community Sync',
        displayOrder: -1,
      });
    }
    if ('deals' in account) {
      account.pipelines.forEach((pipeline, p) => {
        const open = pipeline.stages.filter((s) => s.outcome == null).length;
        portal.pipelines.push({
          id: pipeline.id,
          label: pipeline.label ?? `Pipeline ${pipeline.id}`,
          displayOrder: p,
          stages: pipeline.stages.map((stage, s) => ({
            id: stage.id,
            label: stage.label,
            displayOrder: stage.order,
            metadata: {
              isClosed: String(stage.outcome != null),
              probability:
                stage.outcome === 'won'
                  ? '1.0'
                  : stage.outcome === 'lost'
                    ? '0.0'
                    : (s / Math.max(open, 1)).toFixed(1),
            },
          })),
        });
      });
      for (const deal of account.deals) {
        portal.deals.set(deal.id, {
          id: deal.id,
          properties: { pipeline: deal.pipelineId, dealstage: deal.stageId, hs_object_id: deal.id },
          contactIds: [...deal.contactIds],
          createdAt: '2024-01-01T00:00:00.000Z',
        });
      }
    }
    portals.set(account.id, portal);
  }
  return portals;
}
