import type { ApplyReport } from '../connector.ts';
import { inChunks, recordErrors } from './batch-write.ts';
import type { PortalCaller } from './portal-caller.ts';

// Writes the exact tag set of each record through batch update (100 per call). Only records whose tags
// change are passed in; an empty set clears the property.

export interface TagWrite {
  contactId: string;
  values: readonly string[];
  sharedId?: string | null;
}

export async function writeTags(
  caller: PortalCaller,
  tagProperty: string,
  writes: readonly TagWrite[],
  operation = 'update tags',
): Promise<ApplyReport> {
  const sharedIds = new Map(writes.map((w) => [w.contactId, w.sharedId ?? undefined]));
  const describe = (contactId: string) => ({
    recordId: contactId,
    ...(sharedIds.get(contactId) ? { sharedId: sharedIds.get(contactId) } : {}),
  });
  const outcome = await inChunks(
    writes,
    async (chunk) => {
      const answer = await caller.call('write', operation, (client) =>
        client.crm.contacts.batchApi.updateWithHttpInfo({
          inputs: chunk.map((w) => ({ id: w.contactId, properties: { [tagProperty]: w.values.join(';') } })),
        }),
      );
      return {
        results: answer.results.map((r) => r.id),
        failures: recordErrors(answer as never, caller.accountId, operation, describe),
      };
    },
    (chunk, error) =>
      chunk.map((w) => ({
        accountId: caller.accountId,
        operation,
        message: error.providerMessage,
        ...describe(w.contactId),
      })),
  );
  return { written: outcome.results.length, copies: [], failures: outcome.failures };
}
