import type { Client } from '@hubspot/api-client';
import type { Property } from '@hubspot/api-client/lib/codegen/crm/properties/models/Property.js';
import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties/models/PropertyCreate.js';
import type { TagOption } from '../../src/core/index.ts';
import { ConnectorError } from '../connector.ts';
import type { PortalCaller, WithHeaders } from './portal-caller.ts';

// The app's tag field: a multi-checkbox (`enumeration` / `checkbox`) contact property in the app's own group.
// HubSpot refuses values that are not options, so every option is added before a value is written.

export interface TagField {
  name: string;
  options: { value: string; label: string }[];
}

const asField = (property: Property): TagField => ({
  name: property.name,
  options: property.options.map((o) => ({ value: o.value, label: o.label })),
});

const status = (error: unknown) => (error instanceof ConnectorError ? error.status : null);

/** The property, or null when the portal does not have it yet. */
export async function readProperty(caller: PortalCaller, name: string): Promise<TagField | null> {
  try {
    const property = await caller.call(
      'schema',
      'read tag property',
      (client) => client.crm.properties.coreApi.getByNameWithHttpInfo('contacts', name),
      [404],
    );
    return asField(property);
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

/** A schema create where "it already exists" (409) is as good as created. */
async function createUnlessExists<T>(
  caller: PortalCaller,
  operation: string,
  send: (client: Client) => Promise<WithHeaders<T>>,
): Promise<void> {
  try {
    await caller.call('schema', operation, send, [409]);
  } catch (error) {
    if (status(error) !== 409) throw error;
  }
}

/** Creates the app's property group; one that already exists is fine. */
export async function ensureGroup(caller: PortalCaller, name: string): Promise<void> {
  await createUnlessExists(caller, 'create property group', (client) =>
    client.crm.properties.groupsApi.createWithHttpInfo('contacts', {
      name,
      label: 'Community Sync',
      displayOrder: -1,
    }),
  );
}

const optionInputs = (options: readonly { value: string; label: string }[]) =>
  options.map((o, i) => ({ value: o.value, label: o.label, displayOrder: i, hidden: false }));

/**
 * Makes `field` hold every option of `wanted` with its current label. Returns the field as it now stands.
 * One call when the property is missing (group first) or options change; none otherwise.
 */
export async function ensureTagOptions(
  caller: PortalCaller,
  field: TagField | null,
  name: string,
  group: string,
  wanted: readonly TagOption[],
): Promise<TagField> {
  if (!field) {
    await ensureGroup(caller, group);
    const created = await caller.call('schema', 'create tag property', (client) =>
      client.crm.properties.coreApi.createWithHttpInfo('contacts', {
        name,
        label: 'Community Sync tags',
        description: 'Shared-contact tags written by Community Sync. Edits are overwritten on the next sync.',
        groupName: group,
        type: PropertyCreateTypeEnum.Enumeration,
        fieldType: PropertyCreateFieldTypeEnum.Checkbox,
        options: optionInputs(wanted),
      }),
    );
    return asField(created);
  }
  const labels = new Map(field.options.map((o) => [o.value, o.label]));
  const changed = wanted.filter((o) => labels.get(o.value) !== o.label);
  if (changed.length === 0) return field;
  const relabelled = new Map(wanted.map((o) => [o.value, o.label]));
  const kept = field.options.map((o) => ({ value: o.value, label: relabelled.get(o.value) ?? o.label }));
  const added = wanted.filter((o) => !labels.has(o.value));
  const updated = await caller.call('schema', 'update tag options', (client) =>
    client.crm.properties.coreApi.updateWithHttpInfo('contacts', name, {
      options: optionInputs([...kept, ...added]),
    }),
  );
  return asField(updated);
}

/** A unique-value text property (the shared person's id on copies made without an email). */
export async function ensureUniqueProperty(caller: PortalCaller, name: string, group: string): Promise<void> {
  if (await readProperty(caller, name)) return;
  await ensureGroup(caller, group);
  await createUnlessExists(caller, 'create shared-id property', (client) =>
    client.crm.properties.coreApi.createWithHttpInfo('contacts', {
      name,
      label: 'Community Sync shared person id',
      description: 'Identifies a copy Community Sync made of a shared person. Do not edit.',
      groupName: group,
      type: PropertyCreateTypeEnum.String,
      fieldType: PropertyCreateFieldTypeEnum.Text,
      hasUniqueValue: true,
    }),
  );
}
