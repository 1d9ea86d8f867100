import type { TagOption } from '../../src/core/index.ts';
import { ConnectorError } from '../connector.ts';
import { inRelationshipMode, readsLeads, type SessionContext } from './context.ts';
import { errorCodeOf } from './errors.ts';
import { assignmentQuery, customFieldQuery, permissionSetQuery } from './soql.ts';

// The app's tag field: an unrestricted multi-select picklist on Contact and Lead (and AccountContactRelation in
// relationship mode), created through the Tooling API's CustomField (Metadata API types), together with a
// permission set that grants the integration user field-level access (a field without it cannot be written).

/** Objects this session writes tags on. */
export async function taggedObjects(ctx: SessionContext): Promise<string[]> {
  const objects = ['Contact'];
  if (readsLeads(ctx)) objects.push('Lead');
  if (inRelationshipMode(ctx) && (await ctx.schema.describe('AccountContactRelation')))
    objects.push('AccountContactRelation');
  return objects;
}

function fieldMetadata(label: string, values: readonly TagOption[]) {
  return {
    label,
    type: 'MultiselectPicklist',
    visibleLines: 6,
    valueSet: {
      restricted: false,
      valueSetDefinition: {
        sorted: false,
        value: values.map((v) => ({ fullName: v.value, label: v.label, default: false })),
      },
    },
  };
}

const causeCode = (error: unknown) => (error instanceof ConnectorError ? errorCodeOf(error.cause) : null);

export async function ensureTagField(ctx: SessionContext, options: readonly TagOption[]): Promise<void> {
  const objects = await taggedObjects(ctx);
  const key = JSON.stringify([objects, options]);
  await ctx.client.org.tagFieldPasses.run(key, () => ensureOnce(ctx, objects, options));
}

async function ensureOnce(
  ctx: SessionContext,
  objects: string[],
  options: readonly TagOption[],
): Promise<void> {
  const { client, schema } = ctx;
  const field = ctx.options.tagField;
  const label = 'Community Sync tags';
  const toCreate: string[] = [];
  const toUpdate = new Map<string, TagOption[]>();
  for (const object of objects) {
    const existing = await schema.field(object, field);
    if (!existing) {
      if (!ctx.options.createTagField)
        throw new ConnectorError(
          'unsupported',
          ctx.connection.accountId,
          'ensure tag field',
          `the tag field ${field} named in the settings is missing on ${object} (or the integration user cannot see it)`,
        );
      toCreate.push(object);
      continue;
    }
    const current = new Map((existing.picklistValues ?? []).map((v) => [v.value, v.label]));
    if (options.every((o) => current.get(o.value) === o.label)) continue;
    const merged = new Map(current);
    for (const option of options) merged.set(option.value, option.label);
    toUpdate.set(
      object,
      [...merged].map(([value, optionLabel]) => ({ value, label: optionLabel })),
    );
  }

  const needAccess: string[] = [];
  for (const object of toCreate) {
    try {
      await client.send('create tag field', 'POST', '/tooling/sobjects/CustomField', {
        FullName: `${object}.${field}`,
        Metadata: fieldMetadata(label, options),
      });
      needAccess.push(object);
    } catch (error) {
      // The field exists but the integration user cannot see it: grant access, then set its options.
      if (causeCode(error) !== 'DUPLICATE_DEVELOPER_NAME') throw error;
      needAccess.push(object);
      toUpdate.set(object, [...options]);
    }
  }
  if (needAccess.length > 0) await grantFieldAccess(ctx, needAccess);

  if (toUpdate.size > 0) {
    const ids = await client.queryAll<{ Id: string; TableEnumOrId: string }>(
      'find tag field',
      customFieldQuery(field.replace(/__c$/, '')),
      true,
    );
    for (const [object, values] of toUpdate) {
      const id = ids.find((row) => row.TableEnumOrId === object)?.Id;
      if (!id) continue;
      await client.send('update tag field options', 'PATCH', `/tooling/sobjects/CustomField/${id}`, {
        FullName: `${object}.${field}`,
        Metadata: fieldMetadata(label, values),
      });
    }
  }
  if (toCreate.length > 0 || toUpdate.size > 0) client.org.schemaVersion += 1;
}

async function grantFieldAccess(ctx: SessionContext, objects: readonly string[]): Promise<void> {
  const { client, options } = ctx;
  const found = await client.queryAll<{ Id: string }>(
    'find permission set',
    permissionSetQuery(options.permissionSetName),
  );
  let permissionSetId = found[0]?.Id;
  if (!permissionSetId) {
    const created = await client.send<{ id: string }>(
      'create permission set',
      'POST',
      '/sobjects/PermissionSet',
      {
        Name: options.permissionSetName,
        Label: 'Community Sync tag access',
      },
    );
    permissionSetId = created.id;
  }
  const results = await client.collection(
    'grant tag field access',
    'POST',
    objects.map((object) => ({
      attributes: { type: 'FieldPermissions' },
      ParentId: permissionSetId,
      SobjectType: object,
      Field: `${object}.${options.tagField}`,
      PermissionsRead: true,
      PermissionsEdit: true,
    })),
  );
  const refused = results.flatMap((r) => r.errors).filter((e) => e.statusCode !== 'DUPLICATE_VALUE');
  if (refused.length > 0)
    throw new ConnectorError(
      'rejected',
      ctx.connection.accountId,
      'grant tag field access',
      refused.map((e) => `${e.statusCode}: ${e.message}`).join('; '),
    );
  const userId =
    typeof ctx.connection.details.userId === 'string'
      ? ctx.connection.details.userId
      : (await client.get<{ user_id: string }>('identify user', '/services/oauth2/userinfo')).user_id;
  // Ask before assigning when the permission set already existed: a refused duplicate is a failed call.
  const assigned =
    found.length > 0 &&
    (
      await client.queryAll<{ Id: string }>(
        'find permission set assignment',
        assignmentQuery(permissionSetId, userId),
      )
    ).length > 0;
  if (!assigned)
    await client.send('assign permission set', 'POST', '/sobjects/PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
    });
}
