import type { CorporateAction, CorporateCreate, Plan } from '../../src/core/index.ts';
import type { ApplyReport } from '../connector.ts';
import { writeTags } from './apply-tags.ts';
import { inChunks, recordErrors } from './batch-write.ts';
import type { PortalCaller } from './portal-caller.ts';
import { ensureUniqueProperty } from './tag-property.ts';

// Corporate copies. Updates are tag writes on contacts the plan found in the corporate pull. Creates are
// batch upserts, so neither a rerun nor a crash between the write and its record makes a duplicate: by email
// when the copy has one, else by an app-owned unique-value property holding the shared person's id. Search
// is never used to see what was just written (HubSpot's index lags behind writes).

export interface CorporateSettings {
  tagProperty: string;
  sharedIdProperty: string;
  propertyGroup: string;
}

interface UpsertInput {
  create: CorporateCreate;
  idProperty: string;
  id: string;
}

function copyProperties(create: CorporateCreate, settings: CorporateSettings): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(create.properties))
    if (value !== null && value !== '') properties[key] = String(value);
  if (create.email) properties.email = create.email;
  if (create.phone) properties.phone = create.phone;
  properties[settings.tagProperty] = create.afterValues.join(';');
  return properties;
}

const keyOf = (idProperty: string, value: string) =>
  `${idProperty}\u0000${idProperty === 'email' ? value.trim().toLowerCase() : value}`;

export async function applyCorporate(
  caller: PortalCaller,
  actions: readonly CorporateAction[],
  _plan: Plan,
  settings: CorporateSettings,
): Promise<ApplyReport> {
  const updates = actions.flatMap((a) => (a.action === 'update' ? [a] : []));
  const creates = actions.flatMap((a) => (a.action === 'create' ? [a] : []));
  const report: ApplyReport = { written: 0, copies: [], failures: [] };

  if (updates.length > 0) {
    const updated = await writeTags(
      caller,
      settings.tagProperty,
      updates.map((u) => ({ contactId: u.contactId, values: u.afterValues, sharedId: u.sharedId })),
      'update corporate tags',
    );
    report.written += updated.written;
    report.failures.push(...updated.failures);
    const failed = new Set(updated.failures.map((f) => f.recordId));
    for (const u of updates)
      if (!failed.has(u.contactId))
        for (const sharedId of u.sharedIds) report.copies.push({ sharedId, contactId: u.contactId });
  }
  if (creates.length === 0) return report;

  const inputs: UpsertInput[] = creates.map((create) =>
    create.email
      ? { create, idProperty: 'email', id: create.email }
      : { create, idProperty: settings.sharedIdProperty, id: create.sharedId },
  );
  if (inputs.some((i) => i.idProperty === settings.sharedIdProperty))
    await ensureUniqueProperty(caller, settings.sharedIdProperty, settings.propertyGroup);

  const byKey = new Map(inputs.map((i) => [keyOf(i.idProperty, i.id), i]));
  const operation = 'upsert corporate copies';
  const describe = (input: UpsertInput) => ({ sharedId: input.create.sharedId });
  const outcome = await inChunks(
    inputs,
    async (chunk) => {
      const answer = await caller.call('write', operation, (client) =>
        client.crm.contacts.batchApi.upsertWithHttpInfo({
          inputs: chunk.map((i) => ({
            idProperty: i.idProperty,
            id: i.id,
            properties: copyProperties(i.create, settings),
          })),
        }),
      );
      // Results name their id property's value; when every input succeeded they also come back in order.
      const inOrder = answer.results.length === chunk.length;
      const results = answer.results.flatMap((r, index) => {
        const input =
          chunk.find((i) => {
            const held = r.properties[i.idProperty];
            return held != null && keyOf(i.idProperty, held) === keyOf(i.idProperty, i.id);
          }) ?? (inOrder ? chunk[index] : undefined);
        return input ? [{ input, contactId: r.id }] : [];
      });
      const failures = recordErrors(answer as never, caller.accountId, operation, (id) => {
        const input = byKey.get(keyOf('email', id)) ?? byKey.get(keyOf(settings.sharedIdProperty, id));
        return input ? describe(input) : {};
      });
      return { results, failures };
    },
    (chunk, error) =>
      chunk.map((i) => ({
        accountId: caller.accountId,
        operation,
        message: error.providerMessage,
        ...describe(i),
      })),
  );
  report.written += outcome.results.length;
  report.failures.push(...outcome.failures);
  for (const { input, contactId } of outcome.results)
    for (const sharedId of input.create.sharedIds) report.copies.push({ sharedId, contactId });
  return report;
}
