import { chunks } from '../../src/core/index.ts';
import type { RecordFailure } from '../connector.ts';
import { ConnectorError } from '../connector.ts';

// Batch writes of 100 inputs: every chunk is sent at once and the portal's limiter paces them. A chunk that
// finally fails, or a record HubSpot refuses inside a chunk, becomes a RecordFailure; the rest goes on.

export const BATCH = 100;

export interface BatchOutcome<R> {
  results: R[];
  failures: RecordFailure[];
}

export interface BatchErrors {
  errors?: { message: string; context?: { [key: string]: string[] } }[];
}

/** Record failures for the ids HubSpot named in a 207's errors. */
export function recordErrors(
  answer: BatchErrors,
  accountId: string,
  operation: string,
  describe: (id: string) => Partial<RecordFailure>,
): RecordFailure[] {
  return (answer.errors ?? []).flatMap((error) => {
    const ids = error.context?.ids ?? [];
    const base = { accountId, operation, message: error.message };
    return ids.length ? ids.map((id) => ({ ...base, ...describe(id) })) : [base];
  });
}

export async function inChunks<T, R>(
  items: readonly T[],
  send: (chunk: T[]) => Promise<BatchOutcome<R>>,
  onFailedChunk: (chunk: T[], error: ConnectorError) => RecordFailure[],
): Promise<BatchOutcome<R>> {
  const outcomes = await Promise.all(
    chunks(items, BATCH).map(async (chunk) => {
      try {
        return await send(chunk);
      } catch (error) {
        if (!(error instanceof ConnectorError) || error.kind === 'auth-revoked') throw error;
        return { results: [], failures: onFailedChunk(chunk, error) };
      }
    }),
  );
  return { results: outcomes.flatMap((o) => o.results), failures: outcomes.flatMap((o) => o.failures) };
}
