import type { Connection } from 'jsforce';

// Bulk API 2.0 query through jsforce: one job, polled until complete, results read page by page
// (Sforce-Locator). Used past the connector's `bulkThreshold`, where REST pages of 2,000 would cost more calls.

export async function bulkQuery<T>(conn: Connection, soql: string): Promise<T[]> {
  const stream = await conn.bulk2.query(soql, { pollInterval: 1_000, pollTimeout: 600_000 });
  const rows: T[] = [];
  for await (const row of stream) rows.push(fromCsvRow(row as Record<string, string>) as T);
  return rows;
}

/** Bulk API CSV gives strings: empty means null, and booleans come as `true`/`false`. */
export function fromCsvRow(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value === '' ? null : value === 'true' ? true : value === 'false' ? false : value;
  }
  return out;
}
