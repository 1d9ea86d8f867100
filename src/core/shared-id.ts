import { createHash } from 'node:crypto';
import type { Member } from './plan-types.ts';

/** The same members give the same id on every run, whatever order they were read in. */
export function sharedIdOf(members: readonly Member[]): string {
  const lines = members.map((m) => `${m.accountId}\t${m.contactId}`).sort();
  return `sh-${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
}
