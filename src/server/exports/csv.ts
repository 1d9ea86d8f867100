import type { ExportPerson } from './people-source.ts';

// The export file: RFC 4180 CSV (CRLF, fields quoted when they hold a quote, comma or line break), UTF-8 with a
// byte order mark so spreadsheet programs read names right. A cell a spreadsheet would take for a formula
// (starting with = + - @, or a tab or carriage return) is prefixed with ' so it stays text.

export const EXPORT_COLUMNS = [
  'Person',
  'Community',
  'Record id',
  'Record URL',
  'Primary community',
  'Reason',
  'Tags',
  'First community',
  'First created',
  'Email',
  'Phone',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (cells: readonly string[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export interface LiveDetails {
  emails: string[];
  phones: string[];
}

/** One line per person and community; `details` gives a record's live emails and phones, when read. */
export function exportLines(
  people: readonly ExportPerson[],
  details: (accountId: string, recordId: string) => LiveDetails | undefined,
): string[] {
  const lines = [csvLine(EXPORT_COLUMNS)];
  for (const person of people)
    for (const member of person.members) {
      const live = details(member.accountId, member.recordId);
      lines.push(
        csvLine([
          person.name,
          member.accountName ?? member.accountId,
          member.recordId,
          member.url ?? '',
          person.primary.name ?? '',
          person.explanation,
          person.tags.join('; '),
          person.first.name ?? '',
          person.first.createdAt ?? '',
          live?.emails.join('; ') ?? '',
          live?.phones.join('; ') ?? '',
        ]),
      );
    }
  return lines;
}
