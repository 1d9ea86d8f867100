import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { parseSnapshot, type Snapshot } from '../core/snapshot.ts';
import { ValidationError } from '../core/validation-error.ts';

/** A file the user named that cannot be used; the CLI exits 2 with this message. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Reads, parses and checks a snapshot file; every failure names the file and what to do. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`cannot read snapshot file ${path}: ${reason}`);
  }
  const text = utf8Text(bytes, path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`snapshot file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseSnapshot(json);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new InputError(
        `snapshot file ${path} does not fit the snapshot contract (DESIGN.md section 3):\n  ${error.problems.join('\n  ')}`,
      );
    }
    throw error;
  }
}

/**
 * The file's text without a UTF-8 byte-order mark (editors on Windows add one). Any other encoding is refused:
 * decoding it anyway would turn its accented letters into U+FFFD and match on the damaged addresses.
 */
function utf8Text(bytes: Buffer, path: string): string {
  if (!isUtf8(bytes)) {
    const at = firstIllFormed(bytes);
    const byte = `0x${bytes[at]?.toString(16).padStart(2, '0')}`;
    throw new InputError(
      `snapshot file ${path} is not valid UTF-8: the byte at offset ${at} (${byte}) does not start a valid UTF-8 character; save the file as UTF-8 and try again`,
    );
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

/** Where the first ill-formed UTF-8 sequence starts (Unicode Table 3-7), or -1 when there is none. */
function firstIllFormed(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    let length = 1;
    // The allowed range of the second byte; it is narrower after some leads (no overlongs, surrogates, > U+10FFFF).
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else if (lead >= 0x80) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}
