import type { ApplyReport } from '../../connectors/connector.ts';
import type { Contact, CorporateAction } from '../core/index.ts';

// The corporate copies a run made, as records of the corporate account's stored state: a later targeted resync
// finds them by their keys (and recognises them as the app's) without reading the corporate account again.

/** The copies made by these applied actions, created `at` (raw values: hash their keys before storing). */
export function copiesAsRecords(
  applied: readonly CorporateAction[],
  copies: ApplyReport['copies'],
  at: Date,
): Contact[] {
  const copyOf = new Map(copies.map((c) => [c.sharedId, c.contactId]));
  const records = new Map<string, Contact>();
  for (const action of applied) {
    if (action.action !== 'create') continue;
    const id = action.sharedIds.map((sharedId) => copyOf.get(sharedId)).find((found) => found !== undefined);
    if (id === undefined || records.has(id)) continue;
    records.set(id, {
      id,
      emails: action.email ? [action.email] : [],
      phones: action.phone ? [action.phone] : [],
      createdAt: at.toISOString(),
      conversions: 0,
      firstConversionAt: null,
      properties: action.properties,
      tags: action.after,
      tagValues: action.afterValues,
    });
  }
  return [...records.values()];
}
