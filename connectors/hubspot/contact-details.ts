import { chunks } from '../../src/core/index.ts';
import type { ContactDetails } from '../connector.ts';
import { BATCH } from './batch-write.ts';
import type { PortalCaller } from './portal-caller.ts';
import { emailsAndPhones } from './pull.ts';

// An export's live emails and phones: batch read, 100 ids a call, each call through the portal's limiter and
// the session's retries. Ids HubSpot no longer has come back as a 207's errors and are left out.

const DETAIL_PROPERTIES = ['email', 'hs_additional_emails', 'phone', 'mobilephone'];

export async function readContactDetails(
  caller: PortalCaller,
  ids: readonly string[],
): Promise<ContactDetails[]> {
  const answers = await Promise.all(
    chunks([...new Set(ids)], BATCH).map((chunk) =>
      caller.call('read', 'read contact details', (client) =>
        client.crm.contacts.batchApi.readWithHttpInfo({
          inputs: chunk.map((id) => ({ id })),
          properties: DETAIL_PROPERTIES,
          propertiesWithHistory: [],
        }),
      ),
    ),
  );
  return answers.flatMap((answer) =>
    answer.results.map((object) => ({ id: object.id, ...emailsAndPhones(object.properties) })),
  );
}
