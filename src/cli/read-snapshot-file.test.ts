import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, readSnapshotFile } from './read-snapshot-file.ts';

const bob = readFileSync(
  join(import.meta.dirname, '../../test/scenarios/bob-smith-two-communities.snapshot.json'),
);

function file(...parts: (string | number[])[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'community-sync-')), 'snapshot.json');
  writeFileSync(path, Buffer.concat(parts.map((part) => Buffer.from(part))));
  return path;
}

async function refusal(path: string): Promise<InputError> {
  const error = await readSnapshotFile(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('readSnapshotFile: text encoding', () => {
  // Before the bad byte: 2-, 3- and 4-byte characters (9 bytes), so the offset counts bytes, not characters.
  const before = '{"children": [], "note": "é多😀';
  const offset = Buffer.byteLength(before);

  it.each([
    ['a Latin-1 letter', [0xe9], '"}'],
    ['a character cut short', [0xe5, 0xa4], '"}'],
    ['a character cut short by the end of the file', [0xe5, 0xa4], ''],
    ['a lone continuation byte', [0x80], '"}'],
    ['an overlong encoding', [0xc0, 0xaf], '"}'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], '"}'],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '"}'],
  ])('refuses %s, naming the file and the offset of the first bad byte', async (_, bad, rest) => {
    const path = file(before, bad, rest);
    const lead = (bad[0] as number).toString(16);
    const { message } = await refusal(path);
    expect(message).toContain(`snapshot file ${path} is not valid UTF-8`);
    expect(message).toContain(`byte at offset ${offset} (0x${lead})`);
    expect(message).toContain('save the file as UTF-8');
  });

  it('reports the first of several bad bytes', async () => {
    const { message } = await refusal(file('{"a": "', [0xff], '", "b": "', [0xfe], '"}'));
    expect(message).toContain('byte at offset 7 (0xff)');
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const withBom = await readSnapshotFile(file([0xef, 0xbb, 0xbf], bob.toString('utf8')));
    expect(withBom).toEqual(await readSnapshotFile(file(bob.toString('utf8'))));
    expect(withBom.children.map((child) => child.name)).toEqual([
      'Sunrise Oaks',
      'Maple Court',
      'Cedar Ridge',
    ]);
  });
});
